# Sourced by the scripts that measure one `inspection serve` node (load-bench.sh, soak.sh): the build, the node (every
# role, SQLite, in a temporary folder) and the tire line trained through its API. The caller sets data (the datasets),
# port and cluster_port, and traps EXIT to stop $server and remove $work.
inspection=(dotnet Inspection.Host/bin/Release/net10.0/inspection.dll)

# start_node KEY_PREFIX: builds, starts the node in the background (sets work, key, server, url; its log is $work/serve.log).
start_node() {
  work=$(mktemp -d)
  key="$1-$(od -An -N12 -tx1 /dev/urandom | tr -d " \n")"
  dotnet build Inspection.Host -c Release -v q -nologo >/dev/null
  "${inspection[@]}" serve --http "127.0.0.1:$port" --port "$cluster_port" --data-dir "$work/data" --api-key "$key" --folder-root "$data" \
    ${SERVE_ARGS:-} >"$work/serve.log" 2>&1 &
  server=$!
  url="http://127.0.0.1:$port"
}

# Waits for the node's "ready:" line; a node that exited shows its log.
wait_ready() {
  until grep -q '^ready:' "$work/serve.log"; do kill -0 "$server" || { cat "$work/serve.log"; exit 1; }; sleep 1; done
}

api() { curl -sf -H "X-Api-Key: $key" -H 'Content-Type: application/json' "$@"; }

# Creates the tire line with its defaults and trains it on all of its train/good images, waiting for the job.
train_tire() {
  api -X PUT "$url/api/v1/lines/tire" -d '{}' >/dev/null
  local job state
  job=$(api -X POST "$url/api/v1/lines/tire/training" -d "{\"folder\": \"$data/tire\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
  while :; do
    state=$(api "$url/api/v1/jobs/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    [ "$state" = succeeded ] && break
    [ "$state" = running ] || [ "$state" = queued ] || { echo "training $state"; exit 1; }
    sleep 2
  done
}
