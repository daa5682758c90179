#!/usr/bin/env bash
# A soak of one `inspection serve` node (every role, SQLite): the tire line trained through the API, its capacity
# measured (or given), then frames at 70 % of it for SECONDS, sampled every SAMPLE seconds by `inspection soak` into
# OUT/soak.csv and OUT/soak.png (memory, threads, open files, disk, latency, frames, retention).
# Usage: scripts/soak.sh   (SECONDS_TO_RUN=7200 SAMPLE=10 OUT=soak-out CAPACITY=<frames/s, else measured> SHARE=0.7
#        INSPECTION_DATASETS=../shared/datasets SERVE_ARGS="--keep-mb 512 --keep-days 1" for the retention under test)
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(realpath "${INSPECTION_DATASETS:-../shared/datasets}")
seconds=${SECONDS_TO_RUN:-7200}
sample=${SAMPLE:-10}
out=$(realpath -m "${OUT:-soak-out}")
share=${SHARE:-0.7}
port=${PORT:-18380}
cluster_port=${CLUSTER_PORT:-18480}
work=$(mktemp -d)
key="soak-$(od -An -N12 -tx1 /dev/urandom | tr -d " \n")"
dotnet build Inspection.Host -c Release -v q -nologo >/dev/null
inspection=(dotnet Inspection.Host/bin/Release/net10.0/inspection.dll)
"${inspection[@]}" serve --http "127.0.0.1:$port" --port "$cluster_port" --data-dir "$work/data" --api-key "$key" --folder-root "$data" ${SERVE_ARGS:-} >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; cp "$work/serve.log" "$out/serve.log" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$out"
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
if [ -z "${CAPACITY:-}" ]; then
  CAPACITY=$("${inspection[@]}" loadtest --url "$url" --line tire --images "$data/tire/test" --clients 8 --seconds 30 --warmup 10 --api-key "$key" \
    | python3 -c 'import re,sys; print(re.search(r"scored: \d+ frames, ([0-9.]+) frames/s", sys.stdin.read()).group(1))')
fi
rate=$(python3 -c "print(round($CAPACITY * $share, 2))")
echo "soak: capacity $CAPACITY frames/s, streaming $rate frames/s for $seconds s; samples every $sample s to $out"
"${inspection[@]}" soak --url "$url" --line tire --images "$data/tire/test" --rate "$rate" --seconds "$seconds" --sample-seconds "$sample" \
  --pid "$server" --data-dir "$work/data" --out "$out" --api-key "$key"
