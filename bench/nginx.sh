#!/usr/bin/env bash
# A private nginx peer for back-to-back benchmarks, on loopback only.
#
#   bench/nginx.sh start [--keepalive-timeout T] [--tls]   start (or keep) it; print its URL(s)
#   bench/nginx.sh stop                                     stop it (no-op if it is not running)
#   bench/nginx.sh status                                   print its URL(s); exit 1 if not running
#   bench/nginx.sh install                                  install the nginx package if missing
#
# It installs nginx if missing (apt-get update once, then apt-get install -y
# nginx, with the package's own service kept from starting), and runs it from
# its own config in $NGINX_DIR (default ${TMPDIR:-/tmp}/reusebench-nginx), never
# /etc/nginx: 1 worker process, access_log off, keepalive_requests 1000000,
# keepalive_timeout T (default 75s), and `location /` answering 200 with a
# fixed 64-byte text body. It listens on 127.0.0.1:$NGINX_PORT (default 18180)
# and, with --tls, also on 127.0.0.1:$NGINX_TLS_PORT (default 18443) with a
# self-signed certificate for 127.0.0.1 made with openssl ($NGINX_DIR/cert.pem,
# the CA file to trust). HTTP/1.1 only on both, so every client speaks the same
# protocol. start prints the plain URL, then the TLS one; it is idempotent: an
# nginx already running with the same config is left alone, one with another
# config is restarted. A system nginx (if any) is never touched: only the
# master whose pid file and config are ours is signalled.
set -euo pipefail

dir=${NGINX_DIR:-${TMPDIR:-/tmp}/reusebench-nginx}
port=${NGINX_PORT:-18180}
tls_port=${NGINX_TLS_PORT:-18443}
conf=$dir/nginx.conf
pidfile=$dir/nginx.pid
# 64 bytes exactly (checked at start).
body='reusebench nginx peer: this fixed body is exactly 64 bytes long.'
body_len=64

log() { printf 'nginx.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

nginx_bin() {
  if command -v nginx >/dev/null 2>&1; then command -v nginx
  elif [ -x /usr/sbin/nginx ]; then echo /usr/sbin/nginx
  else return 1
  fi
}

# apt_update_once runs apt-get update at most once per run (REUSEBENCH_APT_UPDATED
# is exported so that scripts calling this one don't repeat it).
apt_update_once() {
  [ "${REUSEBENCH_APT_UPDATED:-}" = 1 ] && return 0
  log "apt-get update"
  apt-get update -q >&2
  export REUSEBENCH_APT_UPDATED=1
}

install_nginx() {
  nginx_bin >/dev/null && return 0
  apt_update_once
  # Keep the package's own service (it would listen on *:80) from starting:
  # a policy-rc.d that answers 101, only if none is there, removed afterwards.
  local made=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made=1
  fi
  log "apt-get install -y nginx"
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >&2 || rc=$?
  [ -n "$made" ] && rm -f /usr/sbin/policy-rc.d
  [ "$rc" = 0 ] || die "apt-get install nginx failed ($rc)"
  nginx_bin >/dev/null || die "nginx installed but not found on PATH or in /usr/sbin"
}

# running_pid prints the pid of *our* nginx master, if it runs.
running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(tr -dc 0-9 <"$pidfile")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # It must be an nginx master started with our config, not a recycled pid.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "nginx.*$conf" || return 1
  echo "$pid"
}

urls() {
  echo "http://127.0.0.1:$port/"
  if grep -q "listen 127.0.0.1:$tls_port ssl" "$conf" 2>/dev/null; then echo "https://127.0.0.1:$tls_port/"; fi
}

make_cert() {
  [ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ] && return 0
  command -v openssl >/dev/null || die "openssl not found"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$dir/key.pem.tmp" -out "$dir/cert.pem.tmp" 2>/dev/null ||
    die "openssl could not make the self-signed certificate"
  mv "$dir/key.pem.tmp" "$dir/key.pem"
  mv "$dir/cert.pem.tmp" "$dir/cert.pem"
}

write_conf() { # $1: keepalive timeout, $2: tls (0/1), $3: output file
  local tls_listen='' tls_files=''
  if [ "$2" = 1 ]; then
    tls_listen="        listen 127.0.0.1:$tls_port ssl backlog=4096;"
    tls_files="        ssl_certificate $dir/cert.pem;
        ssl_certificate_key $dir/key.pem;"
  fi
  cat >"$3" <<EOF
# Written by bench/nginx.sh; the benchmark peer. Loopback only.
worker_processes 1;
worker_rlimit_nofile 16384;
pid $pidfile;
error_log $dir/error.log warn;

events {
    worker_connections 8192;
}

http {
    access_log off;
    server_tokens off;
    client_body_temp_path $dir/tmp/client_body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    keepalive_requests 1000000;
    keepalive_timeout $1;

    server {
        listen 127.0.0.1:$port backlog=4096;
$tls_listen
$tls_files
        location / {
            default_type text/plain;
            return 200 "$body";
        }
    }
}
EOF
}

wait_up() {
  local u
  for u in $(urls); do
    local ok=
    for _ in $(seq 50); do
      if curl -fsS -k -o /dev/null "$u" 2>/dev/null; then ok=1; break; fi
      sleep 0.1
    done
    [ -n "$ok" ] || die "nginx did not answer on $u (see $dir/error.log)"
  done
  local got
  got=$(curl -fsS "http://127.0.0.1:$port/" | wc -c)
  [ "$got" = "$body_len" ] || die "body is $got bytes, want $body_len"
}

cmd_stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$pidfile"
    log "not running"
    return 0
  fi
  kill -QUIT "$pid" 2>/dev/null || true # graceful: finish requests, then exit
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  if kill -0 "$pid" 2>/dev/null; then
    local kids
    kids=$(pgrep -P "$pid" || true) # its own workers only, by pid
    [ -z "$kids" ] || kill -KILL $kids 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  log "stopped (pid $pid)"
}

cmd_start() {
  local ka=75s tls=0
  while [ $# -gt 0 ]; do
    case $1 in
      --keepalive-timeout) [ $# -ge 2 ] || die "--keepalive-timeout needs a value"; ka=$2; shift 2 ;;
      --keepalive-timeout=*) ka=${1#*=}; shift ;;
      --tls) tls=1; shift ;;
      *) die "unknown start flag $1 (start [--keepalive-timeout T] [--tls])" ;;
    esac
  done
  [[ $ka =~ ^[0-9]+(ms|s|m|h)?$ ]] || die "keepalive timeout $ka: want an nginx time such as 75s, 999ms or 0"
  [[ $port =~ ^[0-9]+$ && $tls_port =~ ^[0-9]+$ ]] || die "NGINX_PORT and NGINX_TLS_PORT must be numbers"
  install_nginx
  local ng
  ng=$(nginx_bin)
  mkdir -p "$dir/tmp"
  [ "$tls" = 1 ] && make_cert
  write_conf "$ka" "$tls" "$conf.new"
  if running_pid >/dev/null; then
    if cmp -s "$conf.new" "$conf"; then
      rm -f "$conf.new"
      log "already running with this config"
      urls
      return 0
    fi
    log "running with another config: restarting"
    cmd_stop
  fi
  mv "$conf.new" "$conf"
  # -e: the error log before the config is read (else nginx opens /var/log/nginx).
  "$ng" -q -t -p "$dir/" -e "$dir/error.log" -c "$conf" || die "config test failed: $conf"
  "$ng" -p "$dir/" -e "$dir/error.log" -c "$conf" || die "nginx did not start (see $dir/error.log)"
  for _ in $(seq 50); do running_pid >/dev/null && break; sleep 0.1; done
  running_pid >/dev/null || die "nginx did not write its pid file (see $dir/error.log)"
  wait_up
  log "running (pid $(running_pid)) from $conf, keepalive_timeout $ka"
  urls
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) running_pid >/dev/null || { log "not running"; exit 1; }; urls ;;
  install) install_nginx ;;
  *) die "usage: bench/nginx.sh start [--keepalive-timeout T] [--tls] | stop | status | install" ;;
esac
