#!/usr/bin/env bash
# nginx as a load balancer in front of copies of the exchange: for the scale-out bench
# (bench/exchange-lb.mjs) and the e2e test (tests/e2e/loadbalancer.test.mjs).
#
#   scripts/lb.sh install
#       Installs Debian's nginx package when no nginx is on PATH (apt-get, through sudo when not
#       root), without starting its service (a policy-rc.d that refuses is in place for the
#       install). Idempotent: with nginx present it does nothing.
#   scripts/lb.sh run --dir DIR --port PORT --upstream HOST:PORT [--upstream HOST:PORT ...]
#                     [--keepalive N] [--read-timeout 20s] [--nofile N]
#       Installs nginx if needed, writes DIR/nginx.conf from bench/lb/nginx.conf.template (its
#       pid file, access log DIR/access.log and temporary files in DIR too), raises the
#       open-file limit (`ulimit -n`, soft, up to the hard limit; default 16384) and execs nginx
#       in the foreground: the caller's child process is nginx's master. SIGTERM stops it at
#       once, SIGQUIT gracefully. Errors go to stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

nginx_bin() {
  command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}

install_nginx() {
  [ -n "$(nginx_bin)" ] && return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "lb.sh: nginx is missing, and installing it needs root or sudo" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "lb.sh: installing nginx (apt-get install nginx)" >&2
  # Keep the package's service from starting (no init system here, and it would take port 80).
  local policy
  policy=$(mktemp)
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  if [ ! -e /usr/sbin/policy-rc.d ]; then $sudo cp "$policy" /usr/sbin/policy-rc.d; local placed=1; fi
  rm -f "$policy"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx >&2 \
    || { $sudo apt-get update -q >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx >&2; }
  [ "${placed:-0}" = 1 ] && $sudo rm -f /usr/sbin/policy-rc.d
  [ -n "$(nginx_bin)" ] || { echo "lb.sh: nginx is still missing after apt-get" >&2; exit 1; }
}

run_nginx() {
  local dir="" port="" keepalive=16 read_timeout=20s nofile=16384
  local -a upstreams=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir=$2; shift 2 ;;
      --port) port=$2; shift 2 ;;
      --upstream) upstreams+=("$2"); shift 2 ;;
      --keepalive) keepalive=$2; shift 2 ;;
      --read-timeout) read_timeout=$2; shift 2 ;;
      --nofile) nofile=$2; shift 2 ;;
      *) echo "lb.sh run: unknown argument $1" >&2; exit 2 ;;
    esac
  done
  [ -n "$dir" ] && [ -n "$port" ] && [ ${#upstreams[@]} -gt 0 ] \
    || { echo "lb.sh run: --dir, --port and at least one --upstream are required" >&2; exit 2; }
  install_nginx
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # nginx's worker runs as nobody when started as root: it must reach the temporary paths.
  chmod 755 "$dir"

  # The open-file limit: each connection through nginx takes two descriptors.
  local hard
  hard=$(ulimit -Hn)
  if [ "$hard" != unlimited ] && [ "$hard" -lt "$nofile" ]; then nofile=$hard; fi
  ulimit -Sn "$nofile"

  local servers=""
  for upstream in "${upstreams[@]}"; do
    servers+="        server ${upstream} max_fails=1 fail_timeout=10s;"$'\n'
  done
  local template="$root/bench/lb/nginx.conf.template"
  local conf="$dir/nginx.conf"
  local line
  : >"$conf"
  while IFS= read -r line || [ -n "$line" ]; do
    if [ "$line" = "{{SERVERS}}" ]; then printf '%s' "$servers" >>"$conf"; continue; fi
    line=${line//\{\{DIR\}\}/$dir}
    line=${line//\{\{PORT\}\}/$port}
    line=${line//\{\{KEEPALIVE\}\}/$keepalive}
    line=${line//\{\{READ_TIMEOUT\}\}/$read_timeout}
    line=${line//\{\{NOFILE\}\}/$nofile}
    line=${line//\{\{WORKER_CONNECTIONS\}\}/$((nofile / 2))}
    printf '%s\n' "$line" >>"$conf"
  done <"$template"
  if grep -q '{{' "$conf"; then echo "lb.sh: a placeholder of the template is left in $conf" >&2; exit 1; fi

  local nginx
  nginx=$(nginx_bin)
  # -e: errors before the configuration is read go to stderr too, not /var/log/nginx.
  "$nginx" -t -q -e stderr -p "$dir" -c "$conf"
  exec "$nginx" -e stderr -p "$dir" -c "$conf"
}

case "${1:-}" in
  install) install_nginx ;;
  run) shift; run_nginx "$@" ;;
  *) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2; exit 2 ;;
esac
