#!/usr/bin/env bash
# Measures reusebench's own overhead: req/s of `reusebench run -c 50 -d 5s
# -p shared` against `reusebench serve` (plain HTTP), next to bench/baseline
# (the same transport, no measurement), alternating back to back so machine
# noise hits both alike. Usage: bench/overhead.sh [ROUNDS] (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
port=${PORT:-18080}
bin=$(mktemp -d)
trap 'kill "${srv:-}" 2>/dev/null || true; rm -rf "$bin"' EXIT
go build -o "$bin/reusebench" .
go build -o "$bin/baseline" ./bench/baseline
"$bin/reusebench" serve --addr "127.0.0.1:$port" >/dev/null 2>&1 &
srv=$!
url="http://127.0.0.1:$port/"
for _ in $(seq 50); do curl -fsS -o /dev/null "$url" 2>/dev/null && break; sleep 0.1; done

printf '%-6s %12s %12s %8s\n' round baseline reusebench ratio
for i in $(seq "$rounds"); do
  base=$("$bin/baseline" -c 50 -d 5s "$url" 2>/dev/null)
  rb=$("$bin/reusebench" run -c 50 -d 5s -p shared --format csv "$url" 2>/dev/null |
    awk -F, 'NR==2 {printf "%.0f", $7}')
  awk -v i="$i" -v b="$base" -v r="$rb" 'BEGIN {printf "%-6s %12s %12s %8.3f\n", i, b, r, r/b}'
done
