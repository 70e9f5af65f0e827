#!/usr/bin/env bash
# Checks reusebench's verdicts against nginx on loopback, RUNS times each
# (default 10), with the run's default rounds:
#   aa      three identical profiles (-p a=shared -p b=shared -p c=shared):
#           how many of the 2×RUNS comparisons say "same" (the aim: all but
#           at most one in 20)
#   ab      shared against fresh and go-default: every run should say worse
#           for both, with an interval that excludes 1
#   aa-hog  the A/A run while a CPU hog switches on and off every HOG_EVERY
#           (default 2s): still "same", and the interval stays narrow
# It prints each comparison, then per scenario the count of verdicts and the
# median half-width of the throughput ratio's interval ((hi−lo)/2).
# Usage: bench/verdicts.sh [RUNS] [SCENARIO...]; DURATION (default 6s) and
# CONC (default 8) set -d and -c; TLS=1 runs against nginx over HTTPS (its
# self-signed certificate trusted with --cacert), where every new connection
# costs a handshake. nginx is started (installed if missing) by
# bench/nginx.sh and stopped at the end unless it was already running.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
shift || true
scenarios=${*:-aa ab aa-hog}
duration=${DURATION:-6s}
conc=${CONC:-8}
hog_every=${HOG_EVERY:-2}
bin=$(mktemp -d)
was_running=0
bench/nginx.sh status >/dev/null 2>&1 && was_running=1
tls=()
if [ "${TLS:-0}" = 1 ]; then
  url=$(bench/nginx.sh start --tls | sed -n 2p)
  tls=(--cacert "${NGINX_DIR:-${TMPDIR:-/tmp}/reusebench-nginx}/cert.pem")
else
  url=$(bench/nginx.sh start | head -1)
fi
hog=
cleanup() {
  [ -n "$hog" ] && kill "$hog" 2>/dev/null || true
  [ "$was_running" = 1 ] || bench/nginx.sh stop >/dev/null 2>&1 || true
  rm -rf "$bin"
}
trap cleanup EXIT
go build -o "$bin/reusebench" .

# hog burns one core for HOG_EVERY seconds, rests as long, until killed (and
# at most 30 minutes).
start_hog() {
  ( end=$((SECONDS + 1800))
    while [ $SECONDS -lt $end ]; do
      timeout "$hog_every" sh -c 'while :; do :; done' || true
      sleep "$hog_every"
    done ) &
  hog=$!
}

# run SCENARIO I: one reusebench run, printing "scenario run profile
# baseline ratio lo hi verdict p99ratio p99verdict" per compared profile.
run() {
  local sc=$1 i=$2 profiles
  case $sc in
    aa|aa-hog) profiles=(-p a=shared -p b=shared -p c=shared) ;;
    ab) profiles=(-p shared -p fresh -p go-default=shared,max-idle=100,max-idle-per-host=2,idle-timeout=90s) ;;
  esac
  timeout 300 "$bin/reusebench" run -c "$conc" -d "$duration" "${profiles[@]}" "${tls[@]}" --format csv "$url" 2>/dev/null |
    awk -F, -v sc="$sc" -v i="$i" '
      NR == 1 { for (k = 1; k <= NF; k++) col[$k] = k; next }
      $col["baseline"] != "" {
        printf "%-7s %3d %-11s %-8s %7.3f %7.3f %7.3f %-6s %7.3f %-6s\n", sc, i, $col["profile"], $col["baseline"],
          $col["throughput_ratio"], $col["throughput_ratio_lo"], $col["throughput_ratio_hi"], $col["throughput_verdict"],
          $col["p99_ratio"], $col["p99_verdict"]
      }'
}

out=$bin/verdicts.txt
printf '%-7s %3s %-11s %-8s %7s %7s %7s %-6s %7s %-6s\n' scenario run profile baseline ratio lo hi verdict p99 p99verdict
for sc in $scenarios; do
  [ "$sc" = aa-hog ] && start_hog
  for i in $(seq "$runs"); do
    run "$sc" "$i" | tee -a "$out"
  done
  if [ -n "$hog" ]; then kill "$hog" 2>/dev/null || true; wait "$hog" 2>/dev/null || true; hog=; fi
done
echo
echo "# per scenario: verdicts of throughput (and of p99), median half-width of the throughput ratio's interval"
for sc in $scenarios; do
  counts=$(awk -v sc="$sc" '$1 == sc { n++; v[$8]++; p[$10]++ }
    END { printf "%d comparisons: throughput same %d, better %d, worse %d; p99 same %d, better %d, worse %d",
      n, v["same"], v["better"], v["worse"], p["same"], p["better"], p["worse"] }' "$out")
  half=$(awk -v sc="$sc" '$1 == sc { printf "%.4f\n", ($7 - $6) / 2 }' "$out" | sort -n |
    awk '{ h[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print h[(NR + 1) / 2]; else printf "%.4f\n", (h[NR / 2] + h[NR / 2 + 1]) / 2 }')
  printf '%-7s %s; median half-width %s\n' "$sc" "$counts" "$half"
done
