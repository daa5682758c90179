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
source scripts/serve-node.sh
start_node soak
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; cp "$work/serve.log" "$out/serve.log" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$out"
wait_ready
train_tire
if [ -z "${CAPACITY:-}" ]; then
  CAPACITY=$("${inspection[@]}" loadtest --url "$url" --line tire --images "$data/tire/test" --clients 8 --seconds 30 --warmup 10 --api-key "$key" \
    | python3 -c 'import re,sys; print(re.search(r"scored: \d+ frames, ([0-9.]+) frames/s", sys.stdin.read()).group(1))')
fi
rate=$(python3 -c "print(round($CAPACITY * $share, 2))")
echo "soak: capacity $CAPACITY frames/s, streaming $rate frames/s for $seconds s; samples every $sample s to $out"
"${inspection[@]}" soak --url "$url" --line tire --images "$data/tire/test" --rate "$rate" --seconds "$seconds" --sample-seconds "$sample" \
  --pid "$server" --data-dir "$work/data" --out "$out" --api-key "$key"
