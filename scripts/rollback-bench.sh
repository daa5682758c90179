#!/usr/bin/env bash
# Rollback time, as docs/benchmarks.md records it: one `inspection serve` node (every role, SQLite), the tire line
# trained twice through the API (v1, v2), a wait until v1's slices are freed (the switch frees the old version's
# slices after 60 s), then POST .../models/v1/activate while frames are sent one after another, each waited for.
# Prints the seconds from the request to the job's end and to the first frame scored by v1, and frames that failed.
# Usage: scripts/rollback-bench.sh   (INSPECTION_DATASETS=../shared/datasets, ROUNDS=3: rollbacks v2 -> v1 -> v2 ...)
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(realpath "${INSPECTION_DATASETS:-../shared/datasets}")
port=${PORT:-18190}
cluster_port=${CLUSTER_PORT:-18290}
rounds=${ROUNDS:-3}
source scripts/serve-node.sh
start_node rollback
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
wait_ready
train_tire
train_tire
echo "trained: $(api "$url/api/v1/lines/tire/models" | python3 -c 'import json,sys; v=json.load(sys.stdin); print("active", v["active"], "kept", [x["version"] for x in v["versions"]], "bank", v["versions"][0]["bankSize"])')"
URL="$url" KEY="$key" ROUNDS="$rounds" FRAME="$(ls "$data"/tire/test/good/* | head -1)" python3 - <<'PY'
import json, os, threading, time, urllib.request
url, key, frame = os.environ["URL"], os.environ["KEY"], open(os.environ["FRAME"], "rb").read()
def call(method, path, body=None, content="application/json"):
    request = urllib.request.Request(url + "/api/v1" + path, data=body, method=method, headers={"X-Api-Key": key, "Content-Type": content})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)
def active():
    return call("GET", "/lines/tire/models")["active"]
for round in range(int(os.environ["ROUNDS"])):
    # The version not serving, freed: its slices were retired 60 s after the line last switched away from it.
    time.sleep(75)
    target = "v1" if active() == "v2" else "v2"
    scored, failed, first = [], 0, None
    stop = threading.Event()
    start = time.monotonic()
    def send():
        global failed, first
        while not stop.is_set():
            try:
                result = call("POST", "/lines/tire/frames", frame, "image/png")
            except Exception:
                failed += 1
                continue
            if result.get("error"): failed += 1
            elif result["modelVersion"] == target and first is None: first = time.monotonic() - start
            scored.append(result["modelVersion"])
    sender = threading.Thread(target=send)
    sender.start()
    job = call("POST", f"/lines/tire/models/{target}/activate")["jobId"]
    while (state := call("GET", f"/jobs/{job}")["state"]) not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.05)
    done = time.monotonic() - start
    while first is None and time.monotonic() - start < 120: time.sleep(0.05)
    stop.set(); sender.join()
    print(f"rollback to {target}: job {state} after {done:.2f} s, first frame scored by {target} after {first:.2f} s; "
          f"{len(scored)} frames scored meanwhile, {failed} failed")
PY
