#!/usr/bin/env bash
# Trigger-to-verdict through `inspection serve`, as docs/benchmarks.md records it ("Cameras and PLC handshake"):
# 1. aravis' GigE Vision simulator (arv-fake-gv-camera-0.8) on 127.0.0.1 as a 1024x1024 Mono8 camera on software
#    trigger, the tire line trained at start, the PLC handshake on Modbus TCP; scripts/plc-client.py `run` plays the
#    PLC at each RATE (parts/s) for SECONDS: trigger-to-verdict p50/p99/max, parts past the 300 ms deadline, verdicts/s.
# 2. GStreamer's RTSP server (scripts/rtsp-test-server.py) as an IP camera at RTSP_SIZE and RTSP_FPS, free running:
#    frames/s captured and scored, and frames dropped, over SECONDS, from GET /api/v1/cameras.
# The node's part deadline is PART_DEADLINE_MS (default 5000, so that every part gets its real verdict and the figures
# are the real trigger-to-verdict times); DEADLINE_MS (300) is the deadline the misses are counted against.
# Usage: scripts/plc-bench.sh   (INSPECTION_DATASETS=../shared/datasets, RATES="5 10", SECONDS_EACH=60, CORESET_RATIO=0.1,
#        RTSP=1, RTSP_SIZE="1280 720", RTSP_FPS=25, DEADLINE_MS=300, PART_DEADLINE_MS=5000).
#        Needs aravis-tools, python3-pymodbus, the GStreamer RTSP server.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(realpath "${INSPECTION_DATASETS:-../shared/datasets}")
port=${PORT:-18191}
cluster_port=${CLUSTER_PORT:-18291}
plc_port=${PLC_PORT:-15020}
rtsp_port=${RTSP_PORT:-18554}
rates=${RATES:-5 10}
seconds=${SECONDS_EACH:-60}
deadline=${DEADLINE_MS:-300}
part_deadline=${PART_DEADLINE_MS:-5000}
coreset=${CORESET_RATIO:-0.1}
read -r rtsp_width rtsp_height <<<"${RTSP_SIZE:-1280 720}"
rtsp_fps=${RTSP_FPS:-25}
source scripts/serve-node.sh
helpers=()
cleanup() { kill "${server:-}" "${helpers[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "${work:-}"; }
trap cleanup EXIT

# Waits for a line matching $1 in the node's log; a node that exited shows its log.
wait_log() { until grep -q "$1" "$work/serve.log"; do kill -0 "$server" || { cat "$work/serve.log"; exit 1; }; sleep 1; done; }
cameras() { api "$url/api/v1/cameras"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%FT%TZ)"
/usr/bin/arv-fake-gv-camera-0.8 -i 127.0.0.1 >/dev/null 2>&1 &
helpers+=($!)
SERVE_ARGS="--train tire=$data/tire --coreset-ratio $coreset --camera tire=gige://127.0.0.1?pixel-format=Mono8&width=1024&height=1024&trigger=software
  --plc 127.0.0.1:$plc_port --part-deadline-ms $part_deadline" start_node plcbench
wait_log '^PLC block 0'
until [ $(( $(/usr/bin/python3 scripts/plc-client.py 127.0.0.1 "$plc_port" read 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])') & 4 )) -ne 0 ]; do sleep 1; done
/usr/bin/python3 scripts/plc-client.py 127.0.0.1 "$plc_port" run 0 2 5 "$deadline" >/dev/null # warm-up: first frames, first batches
for rate in $rates; do
  echo "tire (coreset $coreset), GigE 1024x1024 Mono8, software trigger, $rate parts/s for $seconds s, misses against $deadline ms: $(/usr/bin/python3 scripts/plc-client.py 127.0.0.1 "$plc_port" run 0 "$rate" "$seconds" "$deadline")"
done
cameras | python3 -c 'import json,sys; c=json.load(sys.stdin)["items"][0]; print("camera:", {k: c[k] for k in ("captured", "results", "dropped", "failed", "reconnects")}, "plc:", c["plc"])'
grep -E '^line .tire. serves' "$work/serve.log"
kill "$server"; wait "$server" 2>/dev/null || true; rm -rf "$work"
[ "${RTSP:-1}" = 1 ] || exit 0

/usr/bin/python3 scripts/rtsp-test-server.py "$rtsp_port" camera "$rtsp_width" "$rtsp_height" "$rtsp_fps" >/dev/null 2>&1 &
helpers+=($!)
SERVE_ARGS="--train tire=$data/tire --coreset-ratio $coreset --camera tire=rtsp://127.0.0.1:$rtsp_port/camera" start_node rtspbench
wait_log "^camera '.*' of line 'tire' reads"
sleep 10 # the stream's first seconds: connection, first batches
before=$(cameras)
sleep "$seconds"
after=$(cameras)
BEFORE="$before" AFTER="$after" SECONDS_RUN="$seconds" python3 - <<PY
import json, os
b, a = json.loads(os.environ["BEFORE"])["items"][0], json.loads(os.environ["AFTER"])["items"][0]
s = float(os.environ["SECONDS_RUN"])
d = {k: a[k] - b[k] for k in ("captured", "results", "dropped", "failed")}
print(f"tire (coreset ${coreset}), RTSP H.264 ${rtsp_width}x${rtsp_height} at ${rtsp_fps} fps, free running, {s:.0f} s: captured {d['captured'] / s:.1f} frames/s, "
      f"scored {d['results'] / s:.1f} frames/s, dropped {d['dropped']}, failed {d['failed']}, reconnects {a['reconnects']}")
PY
