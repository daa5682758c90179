#!/usr/bin/env bash
# Tiled inspection through `inspection serve`, as docs/benchmarks.md records it: one node with every role (SQLite), a
# tiled line of the synthetic strips (`inspection synth --strip`, tiles of TILE with the default overlap) trained
# through the API, then every test strip and LARGE (an image much larger than a tile) posted one at a time, waiting for
# each result; prints each frame's wall clock as the client saw it and the server's peak RSS.
# Usage: LARGE=/path/big.png scripts/tiled-serve-bench.sh   (TILE=256 PORT=18190 CLUSTER_PORT=18290)
set -euo pipefail
cd "$(dirname "$0")/.."
tile=${TILE:-256}
port=${PORT:-18190}
cluster_port=${CLUSTER_PORT:-18290}
work=$(mktemp -d)
key="tiles-$(od -An -N12 -tx1 /dev/urandom | tr -d " \n")"
dotnet build Inspection.Host -c Release -v q -nologo >/dev/null
inspection=(dotnet Inspection.Host/bin/Release/net10.0/inspection.dll)
"${inspection[@]}" synth --strip --out "$work/strips" >/dev/null
/usr/bin/time -v -o "$work/serve.time" "${inspection[@]}" serve --http "127.0.0.1:$port" --port "$cluster_port" --data-dir "$work/data" \
  --api-key "$key" --folder-root "$work" >"$work/serve.log" 2>&1 &
server=$!
# /usr/bin/time does not pass signals on, so they go to the server under it (TERM: a background job ignores INT).
trap 'pkill -TERM -P $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"; true' EXIT
url="http://127.0.0.1:$port"
until grep -q '^ready:' "$work/serve.log"; do kill -0 $server || { cat "$work/serve.log"; exit 1; }; sleep 1; done
api() { curl -sf -H "X-Api-Key: $key" -H 'Content-Type: application/json' "$@"; }
api -X PUT "$url/api/v1/lines/strips" -d "{\"imageSize\": $tile, \"tiled\": true}" >/dev/null
started=$(date +%s.%N)
job=$(api -X POST "$url/api/v1/lines/strips/training" -d "{\"folder\": \"$work/strips\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
while :; do
  state=$(api "$url/api/v1/jobs/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  [ "$state" = succeeded ] && break
  [ "$state" = running ] || [ "$state" = queued ] || { echo "training $state"; cat "$work/serve.log"; exit 1; }
  sleep 1
done
echo "trained in $(python3 -c "print(round($(date +%s.%N) - $started, 1))") s: $(api "$url/api/v1/lines/strips" | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l["modelVersion"], "bank", l["bankSize"], "tiles of", l["inputSize"], "tiled", l["tiled"])')"
post() {
  curl -s -o "$work/result.json" -w '%{http_code} %{time_total}\n' -H "X-Api-Key: $key" -H 'Content-Type: image/png' --data-binary "@$1" "$url/api/v1/lines/strips/frames"
}
frames=$(find "$work/strips/test" -name '*.png' | sort)
total=0; count=0
for f in $frames; do
  read -r code seconds < <(post "$f")
  [ "$code" = 200 ] || { echo "$f: HTTP $code $(cat "$work/result.json")"; exit 1; }
  total=$(python3 -c "print($total + $seconds)"); count=$((count + 1))
done
echo "strips: $count frames of 1024x256, one at a time: mean $(python3 -c "print(round(1000 * $total / $count, 1))") ms per frame as the client saw it"
if [ -n "${LARGE:-}" ]; then
  read -r code seconds < <(post "$LARGE")
  echo "large $(basename "$LARGE"): HTTP $code in $seconds s: $(python3 -c "import json; r=json.load(open('$work/result.json')); print(r.get('verdict'), r.get('score'), r.get('error'))")"
  curl -sf -H "X-Api-Key: $key" -o "$work/heatmap.png" "$url/api/v1/results/$(python3 -c "import json; print(json.load(open('$work/result.json'))['id'])")/heatmap.png" || true
  [ -s "$work/heatmap.png" ] && echo "its heatmap: $(file -b "$work/heatmap.png" | cut -d, -f2)"
fi
pkill -TERM -P $server; wait $server || true
echo "server peak RSS: $(grep 'Maximum resident' "$work/serve.time" | awk '{print $NF}') kB"
