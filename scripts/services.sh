#!/usr/bin/env bash
set -euo pipefail
# Starts and stops the external services Riskgate can use (for tests, and for trying the engine
# against them): PostgreSQL and Redis from Debian's packages, bound to 127.0.0.1 on ports of the
# project's own, with their data under $RISKGATE_SERVICES_DIR (default /tmp/riskgate-services).
# Idempotent: starting a running service does nothing; a port taken by anything else is an error.
#
#   scripts/services.sh start [postgres|redis|all]
#   scripts/services.sh stop  [postgres|redis|all]
#   scripts/services.sh env        # prints the variables that point the engine and tests at them
#   scripts/services.sh running postgres   # exit status 0 when it runs
#
# Ports: RISKGATE_PG_PORT (default 15432), RISKGATE_REDIS_PORT (default 16379).

dir=${RISKGATE_SERVICES_DIR:-${TMPDIR:-/tmp}/riskgate-services}
pg_port=${RISKGATE_PG_PORT:-15432}
redis_port=${RISKGATE_REDIS_PORT:-16379}
pg_password=riskgate-test

log() { echo "services: $*" >&2; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  log "installing $* from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null \
    || { as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}

port_busy() { (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# the newest PostgreSQL server install (the client package alone has no initdb)
pg_bin() { ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 | sed 's:/initdb$::'; }

# run a PostgreSQL tool as the postgres user when we are root (initdb and pg_ctl refuse root)
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_postgres() {
  local bin data="$dir/postgres/data" sock="$dir/postgres"
  [[ -n "$(pg_bin)" ]] || apt_install postgresql
  bin=$(pg_bin)
  if [[ -f "$data/postmaster.pid" ]] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "postgres already running on 127.0.0.1:$pg_port"
    return
  fi
  if port_busy "$pg_port"; then
    log "port $pg_port is taken by another process: set RISKGATE_PG_PORT"
    exit 1
  fi
  mkdir -p "$sock"
  chmod 755 "$dir" 2>/dev/null || true
  # the socket folder is the postgres user's alone: local connections there need no password
  chmod 700 "$sock"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$sock"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    local pw="$sock/pwfile"
    echo "$pg_password" > "$pw"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$pw"
    as_pg "$bin/initdb" -D "$data" -U postgres --pwfile="$pw" --auth-host=scram-sha-256 --auth-local=trust \
      -E UTF8 --locale=C.UTF-8 >"$sock/initdb.log" 2>&1 || { cat "$sock/initdb.log" >&2; exit 1; }
    rm -f "$pw"
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
CONF
  fi
  as_pg "$bin/pg_ctl" -D "$data" -l "$sock/postgres.log" -w -t 30 start >/dev/null \
    || { tail -20 "$sock/postgres.log" >&2; exit 1; }
  if ! as_pg "$bin/psql" -h "$sock" -p "$pg_port" -U postgres -tAc "select 1 from pg_roles where rolname='riskgate'" | grep -q 1; then
    as_pg "$bin/psql" -q -h "$sock" -p "$pg_port" -U postgres \
      -c "create role riskgate login password '$pg_password'" -c "create database riskgate owner riskgate" >/dev/null
  fi
  log "postgres ready on 127.0.0.1:$pg_port (database riskgate, user riskgate)"
}

stop_postgres() {
  local bin data="$dir/postgres/data"
  bin=$(pg_bin)
  if [[ -n "$bin" && -f "$data/postmaster.pid" ]]; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    log "postgres stopped"
  fi
}

start_redis() {
  local rdir="$dir/redis"
  command -v redis-server >/dev/null || apt_install redis-server
  if [[ -f "$rdir/redis.pid" ]] && kill -0 "$(cat "$rdir/redis.pid")" 2>/dev/null; then
    log "redis already running on 127.0.0.1:$redis_port"
    return
  fi
  if port_busy "$redis_port"; then
    log "port $redis_port is taken by another process: set RISKGATE_REDIS_PORT"
    exit 1
  fi
  mkdir -p "$rdir"
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save "" --appendonly no \
    --pidfile "$rdir/redis.pid" --logfile "$rdir/redis.log" --dir "$rdir"
  for _ in $(seq 1 100); do
    port_busy "$redis_port" && { log "redis ready on 127.0.0.1:$redis_port"; return; }
    sleep 0.05
  done
  log "redis did not start"; tail -20 "$rdir/redis.log" >&2; exit 1
}

stop_redis() {
  local pid="$dir/redis/redis.pid"
  if [[ -f "$pid" ]] && kill -0 "$(cat "$pid")" 2>/dev/null; then
    kill "$(cat "$pid")"
    log "redis stopped"
  fi
  rm -f "$pid"
}

print_env() {
  echo "export RISKGATE_POSTGRES_URL=jdbc:postgresql://127.0.0.1:$pg_port/riskgate"
  echo "export RISKGATE_POSTGRES_USER=riskgate"
  echo "export RISKGATE_POSTGRES_PASSWORD=$pg_password"
  echo "export RISKGATE_REDIS_URL=redis://127.0.0.1:$redis_port"
}

cmd=${1:-}
what=${2:-all}
case "$cmd" in
  start) [[ $what == postgres || $what == all ]] && start_postgres; [[ $what == redis || $what == all ]] && start_redis; true ;;
  stop) [[ $what == postgres || $what == all ]] && stop_postgres; [[ $what == redis || $what == all ]] && stop_redis; true ;;
  env) print_env ;;
  running)
    case "$what" in
      postgres) b=$(pg_bin); [[ -n "$b" && -f "$dir/postgres/data/postmaster.pid" ]] && as_pg "$b/pg_ctl" -D "$dir/postgres/data" status >/dev/null 2>&1 ;;
      redis) [[ -f "$dir/redis/redis.pid" ]] && kill -0 "$(cat "$dir/redis/redis.pid")" 2>/dev/null ;;
      *) exit 2 ;;
    esac ;;
  *) echo "usage: scripts/services.sh start|stop|running [postgres|redis|all] | env" >&2; exit 2 ;;
esac
