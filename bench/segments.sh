#!/usr/bin/env bash
# Proves the Kubernetes recipe on one machine with real processes: it asks
# `reusebench k8s` for the manifest, takes the container's args from it,
# puts in each generator's JOB_COMPLETION_INDEX and a loopback rendezvous,
# runs the N generators at once against `reusebench serve`, merges their
# printed results as `kubectl logs | reusebench report -` does, and prints
# the merged totals next to what the target counted, and the start skew.
# Usage: bench/segments.sh [N] (default 4); RATE (default 2000), DURATION
# (default 5s), CONC (default 8·N).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-4}
rate=${RATE:-2000}
duration=${DURATION:-5s}
conc=${CONC:-$((8 * n))}
port=${PORT:-18090}
rv=${RV_PORT:-18091}
tmp=$(mktemp -d)
trap 'kill "${srv:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/reusebench" .
"$tmp/reusebench" serve --addr "127.0.0.1:$port" >/dev/null 2>"$tmp/serve.err" &
srv=$!
url="http://127.0.0.1:$port/"
for _ in $(seq 50); do curl -fsS -o /dev/null "$url" 2>/dev/null && break; sleep 0.1; done

"$tmp/reusebench" k8s --generators "$n" -c "$conc" -r "$rate" -d "$duration" -p shared http://target.invalid/ > "$tmp/job.yaml"
# The container's args: the "- ..." lines under "args:", unquoted.
mapfile -t args < <(awk '/^        args:/ {on = 1; next} on && /^        - / {sub(/^        - /, ""); gsub(/^"|"$/, ""); print; next} on {exit}' "$tmp/job.yaml")
for i in $(seq 0 $((n - 1))); do
  a=()
  for x in "${args[@]}"; do
    x=${x//\$(JOB_COMPLETION_INDEX)/$i}
    x=${x//reusebench-0.reusebench:7070/127.0.0.1:$rv}
    x=${x//http:\/\/target.invalid\//$url}
    a+=("$x")
  done
  timeout 120 "$tmp/reusebench" "${a[@]}" > "$tmp/gen$i.json" 2> "$tmp/gen$i.err" &
done
wait $(jobs -p | grep -v "^$srv$") 2>/dev/null || true
cat "$tmp"/gen*.err "$tmp"/gen*.json | "$tmp/reusebench" report --format json --plots=false -o "$tmp/merged" - > "$tmp/merged.json"
kill -INT "$srv"; wait "$srv" 2>/dev/null || true
# The target's last line of counts, less the readiness probe's one
# connection and one request.
target=$(tail -1 "$tmp/serve.err" | awk '{for (i = 1; i <= NF; i++) {if ($i == "accepted") c = $(i+1); if ($i == "requests") r = $(i+1)}}
  END {printf "%d requests, %d connections (less the readiness probe'"'"'s one of each)", r - 1, c - 1}')
jq -r --arg target "$target" '
  "merged:  \(.profiles[0].requests) requests, \(.profiles[0].connections.opened) connections, rate target \(.profiles[0].rate.target)/s achieved \(.profiles[0].rate.achieved * 100 | round / 100)/s",
  "target:  \($target)",
  "segments: \(.merged.segments), missing \(.merged.missing // []), start skew \(.merged.start_skew_ms * 1000 | round / 1000) ms"' "$tmp/merged.json"
