#!/usr/bin/env bash
# One `inspection serve` node under load, as docs/benchmarks.md records it: every role, SQLite, the tire line trained
# through the API on all its train/good images, then `inspection loadtest` at each client count in CLIENTS, and the
# server's own stage histograms (mean ms per observation, from /metrics) after each run.
# Usage: scripts/load-bench.sh            (CLIENTS="8 16" SECONDS_PER_RUN=40 INSPECTION_DATASETS=../shared/datasets)
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(realpath "${INSPECTION_DATASETS:-../shared/datasets}")
clients=${CLIENTS:-8 16}
seconds=${SECONDS_PER_RUN:-40}
port=${PORT:-18180}
work=$(mktemp -d)
key="load-$(od -An -N12 -tx1 /dev/urandom | tr -d " \n")"
dotnet build Inspection.Host -c Release -v q -nologo >/dev/null
inspection=(dotnet Inspection.Host/bin/Release/net10.0/inspection.dll)
"${inspection[@]}" serve --http "127.0.0.1:$port" --data-dir "$work/data" --api-key "$key" --folder-root "$data" ${SERVE_ARGS:-} >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
url="http://127.0.0.1:$port"
until grep -q '^ready:' "$work/serve.log"; do kill -0 $server || { cat "$work/serve.log"; exit 1; }; sleep 1; done
api() { curl -sf -H "X-Api-Key: $key" -H 'Content-Type: application/json' "$@"; }
api -X PUT "$url/api/v1/lines/tire" -d '{}' >/dev/null
job=$(api -X POST "$url/api/v1/lines/tire/training" -d "{\"folder\": \"$data/tire\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
while :; do
  state=$(api "$url/api/v1/jobs/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  [ "$state" = succeeded ] && break
  [ "$state" = running ] || [ "$state" = queued ] || { echo "training $state"; exit 1; }
  sleep 2
done
echo "trained: $(api "$url/api/v1/lines/tire" | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l.get("modelVersion"), "bank", l.get("bankSize"))')"
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
cpu() { awk '{print ($14 + $15) / 100}' "/proc/$server/stat"; }
for n in $clients; do
  echo "== $n clients, $seconds s"
  before=$(cpu)
  "${inspection[@]}" loadtest --url "$url" --line tire --images "$data/tire/test" --clients "$n" --seconds "$seconds" --api-key "$key"
  echo "  server CPU: $(echo "$(cpu) $before $seconds" | awk '{printf "%.0f %% of one core", ($1 - $2) / $3 * 100}') (this machine: $(nproc) cores)"
  stages
done
