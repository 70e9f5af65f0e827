#!/usr/bin/env bash
# Rate accuracy of the open model: for each target rate, runs
# `reusebench run -r RATE -d DURATION -p shared` against `reusebench serve`
# (plain HTTP) and prints target, achieved and the error. Usage:
# bench/rate.sh [DURATION] [RATE...]   (default 5s; 10 100 1000 5000 10000 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-5s}
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(10 100 1000 5000 10000 20000)
port=${PORT:-18082}
bin=$(mktemp -d)
trap 'kill "${srv:-}" 2>/dev/null || true; rm -rf "$bin"' EXIT
go build -o "$bin/reusebench" .
"$bin/reusebench" serve --addr "127.0.0.1:$port" >/dev/null 2>&1 &
srv=$!
url="http://127.0.0.1:$port/"
for _ in $(seq 50); do curl -fsS -o /dev/null "$url" 2>/dev/null && break; sleep 0.1; done

printf '%10s %12s %9s %8s %8s %12s\n' target achieved error late workers "corr p99 ms"
for r in "${rates[@]}"; do
  "$bin/reusebench" run -r "$r" -c 64 --max-workers 512 -d "$dur" -p shared --json "$url" 2>/dev/null |
    python3 -c '
import json, sys
p = json.load(sys.stdin)["profiles"][0]
r = p["rate"]
err = 100 * (r["achieved"] - r["target"]) / r["target"]
print("%10.0f %12.1f %8.2f%% %8d %8d %12.2f" % (r["target"], r["achieved"], err, r["late"], r["workers"], p["latency_corrected_ms"]["p99"]))'
done
