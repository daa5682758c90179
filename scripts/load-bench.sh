#!/usr/bin/env bash
# One `inspection serve` node under load, as docs/benchmarks.md records it: every role, SQLite, the tire line trained
# through the API on all its train/good images, then `inspection loadtest` at each client count in CLIENTS, and the
# server's own stage histograms (mean ms per observation, from /metrics) after each run, then `inspection bench`.
# Usage: scripts/load-bench.sh   (ENGINE=0 skips the `inspection bench` after each repeat, REPEATS=1; CLIENTS="8 16" SECONDS_PER_RUN=40 WARMUP=20 INSPECTION_DATASETS=../shared/datasets;
#        RATES="10 20" runs open-loop loads at those frames/s instead, with at most MAX_OPEN=256 requests open;
#        GPU_NODES=N starts N more `inspection serve --roles gpu` processes that join the first, on the same SQLite file,
#        before the line is trained, so its bank has a replica on two of the processes;
#        SHADOW=1 trains the line twice and makes v1 shadow v2 on that share of the frames, and prints the agreement at the end;
#        SHADOW_SETTINGS='{"imageSize": 192}' trains v1 with those line settings and v2 with the line's own, so the shadow
#        extracts its own features)
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(realpath "${INSPECTION_DATASETS:-../shared/datasets}")
clients=${CLIENTS:-8 16}
seconds=${SECONDS_PER_RUN:-40}
warmup=${WARMUP:-20}
rates=${RATES:-}
port=${PORT:-18180}
cluster_port=${CLUSTER_PORT:-18280}
gpu_nodes=${GPU_NODES:-0}
source scripts/serve-node.sh
start_node load
others=()
trap 'kill $server "${others[@]}" 2>/dev/null; wait $server "${others[@]}" 2>/dev/null; rm -rf "$work"' EXIT
wait_ready
for i in $(seq "$gpu_nodes"); do
  "${inspection[@]}" serve --roles gpu --http "127.0.0.1:$((port + i))" --port "$((cluster_port + i))" --data-dir "$work/data" --api-key "$key" \
    --seed "akka.tcp://inspection@127.0.0.1:$cluster_port" >"$work/gpu$i.log" 2>&1 &
  others+=($!)
done
if [ "$gpu_nodes" -gt 0 ]; then
  until [ "$(api "$url/api/v1/cluster" | python3 -c 'import json,sys; print(sum(1 for m in json.load(sys.stdin)["members"] if m["status"] == "Up"))')" = $((gpu_nodes + 1)) ]; do
    for pid in "${others[@]}"; do kill -0 "$pid" || { cat "$work"/gpu*.log; exit 1; }; done
    sleep 1
  done
  echo "cluster: $((gpu_nodes + 1)) serve processes up"
fi
if [ -n "${SHADOW_SETTINGS:-}" ]; then
  # v1 with the shadow's settings; the keys it names put back to the line's own for v2.
  own=$(api -X PUT "$url/api/v1/lines/tire" -d '{}' | python3 -c 'import json,sys; s=json.load(sys.stdin)["settings"]; print(json.dumps({k: s[k] for k in json.loads(sys.argv[1])}))' "$SHADOW_SETTINGS")
  api -X PUT "$url/api/v1/lines/tire" -d "$SHADOW_SETTINGS" >/dev/null
fi
train_tire
if [ -n "${SHADOW:-}" ]; then
  # A second version serves; the first shadows it on SHADOW of the frames (from the same features, unless SHADOW_SETTINGS).
  [ -z "${SHADOW_SETTINGS:-}" ] || api -X PUT "$url/api/v1/lines/tire" -d "$own" >/dev/null
  train_tire
  api -X PUT "$url/api/v1/lines/tire/shadow" -d "{\"version\": \"v1\", \"sample\": $SHADOW}" >/dev/null
  echo "shadow: v1 ${SHADOW_SETTINGS:-} scores a share of $SHADOW of tire's frames beside v2 $(api "$url/api/v1/lines/tire" | python3 -c 'import json,sys; l=json.load(sys.stdin); print("input", l.get("inputSize"))')"
fi
echo "trained: $(api "$url/api/v1/lines/tire" | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l.get("modelVersion"), "bank", l.get("bankSize"), "shards", l.get("shards"), "replicas", l.get("replicas"))')"
stages() {
  curl -sf "$url/metrics" | python3 -c '
import re, sys
sums, counts = {}, {}
for line in sys.stdin:
    m = re.match(r"(inspection_\w+?)_(sum|count)\{[^}]*\} ([0-9.eE+-]+)", line)
    if not m: continue
    (sums if m.group(2) == "sum" else counts).setdefault(m.group(1), 0.0)
    d = sums if m.group(2) == "sum" else counts
    d[m.group(1)] += float(m.group(3))
for name in sorted(counts):
    if counts[name]: print(f"  {name}: {sums[name] / counts[name]:.1f} mean over {counts[name]:.0f}")'
}
# Per frame scored during a run, over every serve process: shard requests by kind, and bytes serialised by message (to
# other nodes, or to the journal; the counters are read before and after the run, so training's traffic is not counted).
counters() {
  for i in $(seq 0 "$gpu_nodes"); do curl -sf "http://127.0.0.1:$((port + i))/metrics"; done | python3 -c '
import json, re, sys
totals = {}
for line in sys.stdin:
    m = re.match(r"inspection_(shard_duration\w*_count|serialized_bytes\w*|results\w*)\{([^}]*)\} ([0-9.eE+-]+)", line)
    if not m or m.group(1).endswith(("_bucket", "_sum")): continue
    labels = dict(re.findall(r"(\w+)=\"([^\"]*)\"", m.group(2)))
    key = "results" if m.group(1).startswith("results") else \
          "shard " + labels.get("request", "?") if m.group(1).startswith("shard") else "bytes " + labels.get("message", "?")
    totals[key] = totals.get(key, 0) + float(m.group(3))
print(json.dumps(totals))'
}
per_frame() {
  python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
d = {k: b.get(k, 0) - a.get(k, 0) for k in b}
frames = d.pop("results", 0)
if not frames: print("  no frames scored"); sys.exit()
shard = {k[6:]: v / frames for k, v in d.items() if k.startswith("shard ") and v}
wire = {k[6:]: v / frames for k, v in d.items() if k.startswith("bytes ") and v}
print(f"  per frame ({frames:.0f} frames): shard requests " + (", ".join(f"{k} {v:.3f}" for k, v in sorted(shard.items())) or "none") +
      f"; bytes serialised {sum(wire.values()):.0f}" + (" (" + ", ".join(f"{k} {v:.0f}" for k, v in sorted(wire.items(), key=lambda x: -x[1])) + ")" if wire else ""))' "$1" "$2"
}
cpu() { for pid in $server "${others[@]}"; do awk '{print ($14 + $15) / 100}' "/proc/$pid/stat"; done | awk '{s += $1} END {print s}'; }
run() {
  echo "== $1, $seconds s after $warmup s of warm-up"
  before=$(cpu)
  traffic=$(counters)
  "${inspection[@]}" loadtest --url "$url" --line tire --images "$data/tire/test" --seconds "$seconds" --warmup "$warmup" --api-key "$key" "${@:2}"
  echo "  server CPU (all serve processes): $(echo "$(cpu) $before $seconds $warmup" | awk '{printf "%.0f %% of one core", ($1 - $2) / ($3 + $4) * 100}') over warm-up and run (this machine: $(nproc) cores)"
  stages
  per_frame "$traffic" "$(counters)"
}
# The engine alone on the same data and machine (the server idles meanwhile): the figure the load is compared with.
# Repeats alternate the two, because a shared VM's speed drifts by tens of percent over minutes.
engine() {
  echo "== engine alone (inspection bench, the same test images)"
  "${inspection[@]}" bench --data "$data/tire" --batch-sizes ${ENGINE_BATCHES:-4 8} --images 64 --pipeline-shards 0 --bank-sizes --sweep-seconds 0 2>/dev/null \
    | grep -E "^(train|decode|│ batch|│ [0-9])"
}
for repeat in $(seq "${REPEATS:-1}"); do
  [ "${REPEATS:-1}" = 1 ] || echo "=== repeat $repeat"
  if [ -n "$rates" ]; then
    for r in $rates; do run "open loop, $r frames/s" --rate "$r" --clients "${MAX_OPEN:-256}"; done
  else
    for n in $clients; do run "$n clients" --clients "$n"; done
  fi
  if [ "${ENGINE:-1}" = 1 ]; then engine; fi
done
if [ -n "${SHADOW:-}" ]; then
  echo "shadow agreement: $(api "$url/api/v1/lines/tire/shadow" | python3 -c 'import json,sys; v=json.load(sys.stdin); print([{k: a[k] for k in ("version", "compared", "bothPass", "bothFail", "passToFail", "failToPass", "errors", "waiting")} for a in v["agreement"]])')"
fi
