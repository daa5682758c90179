#!/usr/bin/python3
"""A PLC for tests, benchmarks and commissioning: pymodbus' Modbus TCP client (Debian's python3-pymodbus) running the
handshake a PLC program runs against `inspection serve --plc` (README, "PLC handshake"). Prints one JSON object.
Usage:
  plc-client.py HOST PORT handshake CAMERA PART [TIMEOUT_S=5]   trigger PART at CAMERA (0-based), wait for its verdict, ack it
  plc-client.py HOST PORT trigger CAMERA PART                   write part id and trigger, do not wait
  plc-client.py HOST PORT read CAMERA                           the camera's 16 registers, by name
  plc-client.py HOST PORT ack CAMERA                            acknowledge the verdict
  plc-client.py HOST PORT storm CAMERA COUNT                    COUNT triggers as fast as the link allows, then read
  plc-client.py HOST PORT run CAMERA RATE SECONDS [DEADLINE_MS=300]   a line: a part every 1/RATE s whatever the
                                                               verdicts, each verdict acked and timed: p50/p99/max, misses
"""
import json
import sys
import time

from pymodbus.client import ModbusTcpClient

BLOCK = 16
NAMES = ["trigger", "part_high", "part_low", "status", "verdict", "result_code", "result_part_high", "result_part_low",
         "score", "heartbeat", "ack", "parts", "timeouts", "refused", "late", "queued"]
VERDICTS = {0: "none", 1: "ok", 2: "ng", 3: "hold"}
CODES = {0: "inspected", 1: "timeout", 2: "failed", 3: "no-frame"}
READY = 2


def check(response):
    if response.isError():
        raise SystemExit(json.dumps({"error": str(response)}))
    return response


def read(client, camera):
    regs = check(client.read_holding_registers(camera * BLOCK, BLOCK, slave=1)).registers
    return dict(zip(NAMES, regs))


def trigger(client, camera, part):
    # Part id and trigger in one write: the server reads the id when it sees the trigger.
    check(client.write_registers(camera * BLOCK, [1, part >> 16, part & 0xFFFF], slave=1))


def handshake(client, camera, part, timeout):
    start = time.monotonic()
    trigger(client, camera, part)
    while time.monotonic() - start < timeout:
        r = read(client, camera)
        got = (r["result_part_high"] << 16) | r["result_part_low"]
        # Part 0 asks the server to assign an id: it has the top bit set.
        if r["status"] & READY and (got == part or (part == 0 and got & 0x80000000)):
            elapsed = (time.monotonic() - start) * 1000
            check(client.write_register(camera * BLOCK + 10, 1, slave=1))
            return {"part": got, "verdict": VERDICTS[r["verdict"]], "code": CODES[r["result_code"]], "score": r["score"],
                    "ms": round(elapsed, 2)}
        time.sleep(0.002)
    return {"part": part, "verdict": None, "code": "no answer", "ms": timeout * 1000}


def run(client, camera, rate, seconds, deadline):
    """A line: a part every 1/rate s whatever the verdicts (the server keeps several pending), each verdict read when
    result-ready shows it, matched by part id, acknowledged; trigger-to-verdict timed per part."""
    refused_before = read(client, camera)["refused"]
    triggered, results, part, acked = {}, [], 1, None
    start = time.monotonic()
    while True:
        now = time.monotonic() - start
        if now < seconds and now >= (part - 1) / rate:
            trigger(client, camera, part)
            triggered[part] = time.monotonic()
            part += 1
            continue
        if now >= seconds and (not triggered or now >= seconds + 10):
            break
        r = read(client, camera)
        got = (r["result_part_high"] << 16) | r["result_part_low"]
        if r["status"] & READY and got != acked:
            if got in triggered:
                results.append({"part": got, "ms": (time.monotonic() - triggered.pop(got)) * 1000,
                                "verdict": VERDICTS[r["verdict"]], "code": CODES[r["result_code"]]})
            # Acknowledged once: until the server has taken the ack, the registers may still show this verdict.
            check(client.write_register(camera * BLOCK + 10, 1, slave=1))
            acked = got
        else:
            time.sleep(0.001)
    elapsed = time.monotonic() - start
    refused = (read(client, camera)["refused"] - refused_before) % 65536
    ms = sorted(r["ms"] for r in results) or [float("nan")]
    return {"triggered": part - 1, "answered": len(results), "refused": refused, "unanswered": len(triggered) - refused,
            "rate": rate, "seconds": round(elapsed, 2), "verdicts_per_s": round(len(results) / seconds, 2),
            "p50_ms": round(ms[len(ms) // 2], 1), "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1), "max_ms": round(ms[-1], 1),
            "missed_deadline": sum(1 for r in results if r["ms"] > deadline or r["code"] != "inspected") + len(triggered),
            "verdicts": {v: sum(1 for r in results if r["verdict"] == v) for v in ["ok", "ng", "hold"]},
            "codes": {c: sum(1 for r in results if r["code"] == c) for c in sorted(set(r["code"] for r in results))}}


def main():
    host, port, command, camera = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    client = ModbusTcpClient(host, port=port)
    if not client.connect():
        raise SystemExit(json.dumps({"error": f"cannot connect to {host}:{port}"}))
    args = sys.argv[5:]
    if command == "handshake":
        out = handshake(client, camera, int(args[0]), float(args[1]) if len(args) > 1 else 5.0)
    elif command == "trigger":
        trigger(client, camera, int(args[0]))
        out = read(client, camera)
    elif command == "read":
        out = read(client, camera)
    elif command == "ack":
        check(client.write_register(camera * BLOCK + 10, 1, slave=1))
        out = read(client, camera)
    elif command == "storm":
        for i in range(int(args[0])):
            trigger(client, camera, 1000 + i)
        out = read(client, camera)
    elif command == "run":
        out = run(client, camera, float(args[0]), float(args[1]), float(args[2]) if len(args) > 2 else 300.0)
    else:
        raise SystemExit(__doc__)
    client.close()
    print(json.dumps(out))


main()
