#!/usr/bin/env bash
# Back-to-back peers: reusebench next to the bare net/http loop
# (bench/baseline) and hey, all against the same local nginx (bench/nginx.sh),
# in two modes:
#   keepalive: baseline, `hey`, `reusebench run -p shared`
#   fresh:     baseline -fresh, `hey -disable-keepalive`,
#              `reusebench run -p fresh,keepalive=false` (a new connection for every
#              request; all three send "Connection: close" and nginx closes each
#              connection after its response: the same wire. `-p fresh` alone
#              closes from the client, without the header, as a client made per
#              request does; the client then pays the close and the TIME_WAIT.)
# For each mode and concurrency it runs the three tools interleaved, back to
# back, ROUNDS times (the order rotates each round so no tool always runs
# first), DURATION each, closed loop with C workers, and measures per run:
#   req/s        the tool's own figure (baseline's stdout, hey's Requests/sec,
#                reusebench's csv `throughput` column, found by header name)
#   CPU us/req   user+sys CPU of the generator process (/usr/bin/time %U %S,
#                10 ms resolution) divided by its successful requests
#   peak RSS     /usr/bin/time %M (KiB), printed in MiB
# and prints each run, then a table of medians over the rounds with ratios:
# rps/base and rps/hey are the tool's req/s over the baseline's and hey's in
# the same round, cpu/base and cpu/hey the same for CPU us/req (medians of the
# per-round ratios, with the smallest and largest of them as an interval for
# the median ratio, at 1 - 2/2^ROUNDS: 93.8 % at 5 rounds). nginx runs 1
# worker on one of the 2 cores, the generator gets the rest: the numbers are
# for comparing tools on this machine, not absolute capacity. All traffic goes to 127.0.0.1; every run is bounded by
# DURATION (and killed by `timeout` if it overruns).
#
# Usage: bench/peers.sh [ROUNDS]   (default 3)
# Environment: DURATION (5s), CONCS ("50", space-separated list),
#   MODES ("keepalive fresh"), PAUSE (seconds between runs, 1),
#   KEEPALIVE_TIMEOUT (nginx keepalive_timeout, 75s), TLS=1 (https to nginx's
#   TLS port instead of plain HTTP; no TLS resumption in fresh mode),
#   NGINX_PORT / NGINX_TLS_PORT / NGINX_DIR (see bench/nginx.sh).
# Installs what is missing: nginx (apt, via bench/nginx.sh), the `time`
# package (apt), hey (go install github.com/rakyll/hey@v0.1.5). Builds
# reusebench and bench/baseline into a temp dir. Leaves nginx stopped unless
# it was already running before.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
dur=${DURATION:-5s}
read -r -a concs <<<"${CONCS:-50}"
read -r -a modes <<<"${MODES:-keepalive fresh}"
pause=${PAUSE:-1}
ka_timeout=${KEEPALIVE_TIMEOUT:-75s}
tls=${TLS:-0}
tools=(baseline hey reusebench)

die() { printf 'peers.sh: %s\n' "$*" >&2; exit 1; }
note() { printf 'peers.sh: %s\n' "$*" >&2; }

[[ $rounds =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 100 ] || die "ROUNDS must be 1..100"
case $dur in
  *ms) dur_s=1 ;;
  *s) dur_s=${dur%s} ;;
  *m) dur_s=$((${dur%m} * 60)) ;;
  *) dur_s= ;;
esac
[[ $dur_s =~ ^[0-9]+$ ]] && [ "$dur_s" -ge 1 ] && [ "$dur_s" -le 600 ] ||
  die "DURATION must look like 5s, 500ms or 1m (at most 10m)"
for c in "${concs[@]}"; do
  [[ $c =~ ^[0-9]+$ ]] && [ "$c" -ge 1 ] && [ "$c" -le 5000 ] || die "CONCS: $c is not 1..5000"
done
for m in "${modes[@]}"; do
  case $m in keepalive | fresh) ;; *) die "MODES: $m is not keepalive or fresh" ;; esac
done
[[ $pause =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "PAUSE must be a number of seconds"
# A run that overruns its duration this much is killed (and the script stops).
cap_s=$((dur_s * 3 + 30))

# --- tools -------------------------------------------------------------------
apt_update_once() {
  [ "${REUSEBENCH_APT_UPDATED:-}" = 1 ] && return 0
  note "apt-get update"
  apt-get update -q >&2
  export REUSEBENCH_APT_UPDATED=1 # bench/nginx.sh skips its own update then
}
if [ ! -x /usr/bin/time ]; then
  apt_update_once
  note "apt-get install -y time"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >&2
  [ -x /usr/bin/time ] || die "/usr/bin/time still missing after installing the time package"
fi
bench/nginx.sh install

gobin() {
  local gb
  gb=$(go env GOBIN)
  [ -n "$gb" ] || gb=$(go env GOPATH | cut -d: -f1)/bin
  echo "$gb"
}
hey=$(command -v hey || true)
[ -n "$hey" ] || { [ -x "$(gobin)/hey" ] && hey=$(gobin)/hey; } || true
if [ -z "$hey" ]; then
  note "go install github.com/rakyll/hey@v0.1.5"
  go install github.com/rakyll/hey@v0.1.5
  hey=$(gobin)/hey
  [ -x "$hey" ] || die "hey not found at $hey after go install"
fi

work=$(mktemp -d)
nginx_was_running=0
bench/nginx.sh status >/dev/null 2>&1 && nginx_was_running=1
cleanup() {
  [ "$nginx_was_running" = 1 ] || bench/nginx.sh stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

note "building reusebench and bench/baseline"
go build -o "$work/reusebench" .
go build -o "$work/baseline" ./bench/baseline

nginx_flags=(--keepalive-timeout "$ka_timeout")
[ "$tls" = 1 ] && nginx_flags+=(--tls)
mapfile -t urls < <(bench/nginx.sh start "${nginx_flags[@]}")
url=${urls[0]}
ca=()
if [ "$tls" = 1 ]; then
  [ ${#urls[@]} -ge 2 ] || die "nginx has no TLS URL"
  url=${urls[1]}
  ca=(-cacert "${NGINX_DIR:-${TMPDIR:-/tmp}/reusebench-nginx}/cert.pem")
fi

# --- one run -------------------------------------------------------------------
results=$work/results.txt
: >"$results"

# parse_TOOL reads the tool's stdout ($work/out) and stderr ($work/err) and
# prints "REQ_PER_S OK_REQUESTS ERRORS".
parse_baseline() {
  local rps
  rps=$(head -n1 "$work/out")
  awk -v rps="$rps" '/^baseline:/ {print rps, $2, $4; found = 1} END {exit !found}' "$work/err"
}
parse_hey() {
  # Requests/sec counts errors too (numRes / Total); its status-code lines stop
  # at 1,000,000 responses, so the count is Requests/sec x Total, less errors.
  awk '/^ *Requests\/sec:/ {rps = $2}
       /^ *Total:/ {tot = $2}
       /^Error distribution:/ {inerr = 1; next}
       inerr && /^ *\[[0-9]+\]/ {n = $1; gsub(/[][]/, "", n); errs += n}
       END {if (rps == "" || tot == "") exit 1
            all = rps * tot; printf "%s %.0f %d\n", rps, all - errs, errs}' "$work/out"
}
parse_reusebench() {
  # First data row of --format csv; columns by header name.
  awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) col[$i] = i; next}
           NR == 2 {if (!("throughput" in col) || !("requests" in col) || !("errors" in col)) exit 1
                    print $col["throughput"], $col["requests"] - $col["errors"], $col["errors"]
                    found = 1; exit}
           END {exit !found}' "$work/out"
}

run_one() { # mode conc round tool
  local mode=$1 c=$2 round=$3 tool=$4 cmd
  case $tool in
    baseline)
      cmd=("$work/baseline" -c "$c" -d "$dur" "${ca[@]}")
      [ "$mode" = fresh ] && cmd+=(-fresh) ;;
    hey)
      cmd=("$hey" -z "$dur" -c "$c")
      [ "$mode" = fresh ] && cmd+=(-disable-keepalive) ;;
    reusebench)
      local prof=shared
      [ "$mode" = fresh ] && prof=fresh,keepalive=false
      cmd=("$work/reusebench" run -c "$c" -d "$dur" -p "$prof" --format csv --plots=false "${ca[@]}") ;;
  esac
  cmd+=("$url")
  local rc=0
  timeout -k 5 "$cap_s" /usr/bin/time -f '%U %S %M' -o "$work/time" "${cmd[@]}" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" != 124 ] && [ "$rc" != 137 ] || die "$tool overran ${cap_s}s and was killed: ${cmd[*]}"
  local parsed
  if ! parsed=$("parse_$tool"); then
    note "could not read $tool's output (exit $rc): ${cmd[*]}"
    tail -n 20 "$work/out" "$work/err" >&2
    exit 1
  fi
  [ "$rc" = 0 ] || note "$tool exited $rc (results kept): ${cmd[*]}"
  # time's last line is "%U %S %M" (a line before it notes a non-zero exit).
  local cpu
  cpu=$(tail -n1 "$work/time")
  echo "$mode $c $round $tool $parsed $cpu" >>"$results"
  awk -v line="$mode $c $round $tool $parsed $cpu" -v rounds="$rounds" 'BEGIN {
    split(line, f, " ")
    us = f[6] > 0 ? (f[8] + f[9]) * 1e6 / f[6] : 0
    printf "round %d/%d  %-9s c=%-4s %-10s %10.0f req/s %9.2f us/req %7.1f MiB %6d errors\n",
      f[3], rounds, f[1], f[2], f[4], f[5], us, f[10] / 1024, f[7]
  }'
}

# --- the runs --------------------------------------------------------------------
nginx_ver=$(nginx -v 2>&1 || /usr/sbin/nginx -v 2>&1 || true)
echo "# bench/peers.sh: $rounds round(s) x ${#modes[@]} mode(s) x ${#concs[@]} concurrency x 3 tools, $dur each, target $url"
echo "# $(date -u +%FT%TZ), $(nproc) cores, load avg $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3),"\
  "${nginx_ver#nginx version: }, hey v0.1.5, reusebench $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
for mode in "${modes[@]}"; do
  for c in "${concs[@]}"; do
    for round in $(seq "$rounds"); do
      for k in 0 1 2; do
        tool=${tools[$(((round - 1 + k) % 3))]}
        run_one "$mode" "$c" "$round" "$tool"
        sleep "$pause"
      done
    done
  done
done

# --- the table ---------------------------------------------------------------------
echo
conf=$(awk -v n="$rounds" 'BEGIN {printf "%.1f", 100 * (1 - 2 * 0.5 ^ n)}')
echo "# medians over $rounds round(s); ratios are medians of per-round ratios (same round),"
echo "# [lo,hi] the smallest and largest of them: an interval for the median ratio at ${conf} % (1 - 2/2^rounds)"
awk -v modes="${modes[*]}" -v concs="${concs[*]}" -v tools="${tools[*]}" '
function median(list,    n, a, i, j, t) {
  n = split(list, a, " ")
  if (n == 0) return -1
  for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(arr, k, v) { arr[k] = (k in arr) ? arr[k] " " v : v }
# ratio formats a list of per-round ratios as "MEDIAN [MIN,MAX]".
function ratio(list,    n, a, i, lo, hi) {
  n = split(list, a, " ")
  if (n == 0) return "-"
  lo = hi = a[1] + 0
  for (i = 2; i <= n; i++) { if (a[i] + 0 < lo) lo = a[i] + 0; if (a[i] + 0 > hi) hi = a[i] + 0 }
  return sprintf("%5.3f [%4.2f,%4.2f]", median(list), lo, hi)
}
{
  mode = $1; c = $2; r = $3; tool = $4
  us = $6 > 0 ? ($8 + $9) * 1e6 / $6 : 0
  k = mode SUBSEP c SUBSEP tool
  add(rps, k, $5); add(cpu, k, us); add(rss, k, $10 / 1024); errs[k] += $7
  R[mode, c, r, tool] = $5; U[mode, c, r, tool] = us; rr[mode, c, r] = 1
}
END {
  printf "%-9s %5s %-10s %10s %11s %8s %7s %17s %17s %17s %17s\n",
    "mode", "conc", "tool", "req/s", "cpu_us/req", "rss_MiB", "errors", "rps/base", "rps/hey", "cpu/base", "cpu/hey"
  nm = split(modes, M, " "); nc = split(concs, C, " "); nt = split(tools, T, " ")
  for (i = 1; i <= nm; i++) for (j = 1; j <= nc; j++) for (t = 1; t <= nt; t++) {
    k = M[i] SUBSEP C[j] SUBSEP T[t]
    if (!(k in rps)) continue
    rb = ""; rh = ""; cb = ""; ch = ""
    for (key in rr) {
      split(key, p, SUBSEP)
      if (p[1] != M[i] || p[2] != C[j]) continue
      a = R[p[1], p[2], p[3], T[t]]; ua = U[p[1], p[2], p[3], T[t]]
      b = R[p[1], p[2], p[3], "baseline"]; ub = U[p[1], p[2], p[3], "baseline"]
      h = R[p[1], p[2], p[3], "hey"]; uh = U[p[1], p[2], p[3], "hey"]
      if (b > 0) { rb = rb " " a / b; if (ub > 0) cb = cb " " ua / ub }
      if (h > 0) { rh = rh " " a / h; if (uh > 0) ch = ch " " ua / uh }
    }
    printf "%-9s %5s %-10s %10.0f %11.2f %8.1f %7d %17s %17s %17s %17s\n",
      M[i], C[j], T[t], median(rps[k]), median(cpu[k]), median(rss[k]), errs[k],
      ratio(rb), ratio(rh), ratio(cb), ratio(ch)
  }
}' "$results"
