#!/usr/bin/env bash
set -euo pipefail
# Starts and stops the external services Riskgate can use (for tests, and for trying the engine
# against them): PostgreSQL and Redis from Debian's packages, bound to 127.0.0.1 on ports of the
# project's own, with their data under $RISKGATE_SERVICES_DIR (default /tmp/riskgate-services);
# and a single-node Kafka broker in KRaft mode, from its Maven Central artifacts (scripts/kafka/pom.xml).
# Idempotent: starting a running service does nothing; a port taken by anything else is an error.
#
#   scripts/services.sh start [postgres|redis|kafka|all]   # all: postgres and redis
#   scripts/services.sh stop  [postgres|redis|kafka|all]   # all: the three
#   scripts/services.sh env        # prints the variables that point the engine and tests at them
#   scripts/services.sh running postgres   # exit status 0 when it runs
#
# Ports: RISKGATE_PG_PORT (default 15432), RISKGATE_REDIS_PORT (default 16379),
# RISKGATE_KAFKA_PORT (default 19092; its controller listens on the next port).

dir=${RISKGATE_SERVICES_DIR:-${TMPDIR:-/tmp}/riskgate-services}
pg_port=${RISKGATE_PG_PORT:-15432}
redis_port=${RISKGATE_REDIS_PORT:-16379}
kafka_port=${RISKGATE_KAFKA_PORT:-19092}
kafka_controller_port=$((kafka_port + 1))
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

kafka_dir="$dir/kafka"

kafka_java() { # a JDK 17+ for the broker: the project's own choice when scripts/lib.sh made one
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi
}

kafka_running() { [[ -f "$kafka_dir/kafka.pid" ]] && kill -0 "$(cat "$kafka_dir/kafka.pid")" 2>/dev/null; }

start_kafka() {
  local root java cluster
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if kafka_running; then
    log "kafka already running on 127.0.0.1:$kafka_port"
    return
  fi
  for p in "$kafka_port" "$kafka_controller_port"; do
    if port_busy "$p"; then
      log "port $p is taken by another process: set RISKGATE_KAFKA_PORT"
      exit 1
    fi
  done
  mkdir -p "$kafka_dir"
  if [[ ! -f "$kafka_dir/lib/.complete" ]]; then
    log "fetching the Kafka broker from Maven Central"
    rm -rf "$kafka_dir/lib"
    "$root/mvnw" -q -B -f "$root/scripts/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$kafka_dir/lib" >"$kafka_dir/fetch.log" 2>&1 \
      || { tail -20 "$kafka_dir/fetch.log" >&2; exit 1; }
    touch "$kafka_dir/lib/.complete"
  fi
  java=$(kafka_java)
  cat >"$kafka_dir/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$kafka_controller_port
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$kafka_controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$kafka_dir/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
default.replication.factor=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=24
CONF
  cat >"$kafka_dir/log4j2.properties" <<CONF
rootLogger.level=WARN
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$kafka_dir/kafka.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=%d{ISO8601} %p [%c] %m%n
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.server.name=org.apache.kafka.server
logger.server.level=INFO
CONF
  if [[ ! -f "$kafka_dir/data/meta.properties" ]]; then
    cluster=$("$java" -cp "$kafka_dir/lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
    "$java" -Dlog4j2.configurationFile="$kafka_dir/log4j2.properties" -cp "$kafka_dir/lib/*" kafka.tools.StorageTool \
      format --ignore-formatted -t "$cluster" -c "$kafka_dir/server.properties" >"$kafka_dir/format.log" 2>&1 \
      || { cat "$kafka_dir/format.log" >&2; exit 1; }
  fi
  # setsid: the broker outlives the shell that started it, and is stopped by its process id
  setsid "$java" -Xms512m -Xmx512m -XX:+UseG1GC -Dlog4j2.configurationFile="$kafka_dir/log4j2.properties" \
    -cp "$kafka_dir/lib/*" kafka.Kafka "$kafka_dir/server.properties" >"$kafka_dir/stdout.log" 2>&1 < /dev/null &
  echo $! >"$kafka_dir/kafka.pid"
  for _ in $(seq 1 300); do
    if grep -q 'Kafka Server started' "$kafka_dir/kafka.log" 2>/dev/null && port_busy "$kafka_port"; then
      log "kafka ready on 127.0.0.1:$kafka_port"
      return
    fi
    kafka_running || break
    sleep 0.1
  done
  log "kafka did not start"; tail -30 "$kafka_dir/kafka.log" "$kafka_dir/stdout.log" >&2 2>/dev/null; stop_kafka; exit 1
}

stop_kafka() {
  local pid
  if kafka_running; then
    pid=$(cat "$kafka_dir/kafka.pid")
    kill "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "kafka stopped"
  fi
  rm -f "$kafka_dir/kafka.pid"
}

print_env() {
  echo "export RISKGATE_POSTGRES_URL=jdbc:postgresql://127.0.0.1:$pg_port/riskgate"
  echo "export RISKGATE_POSTGRES_USER=riskgate"
  echo "export RISKGATE_POSTGRES_PASSWORD=$pg_password"
  echo "export RISKGATE_REDIS_URL=redis://127.0.0.1:$redis_port"
  echo "export RISKGATE_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$kafka_port"
}

cmd=${1:-}
what=${2:-all}
case "$cmd" in
  start)
    [[ $what == postgres || $what == all ]] && start_postgres
    [[ $what == redis || $what == all ]] && start_redis
    [[ $what == kafka ]] && start_kafka
    true ;;
  stop)
    [[ $what == postgres || $what == all ]] && stop_postgres
    [[ $what == redis || $what == all ]] && stop_redis
    [[ $what == kafka || $what == all ]] && stop_kafka
    true ;;
  env) print_env ;;
  running)
    case "$what" in
      postgres) b=$(pg_bin); [[ -n "$b" && -f "$dir/postgres/data/postmaster.pid" ]] && as_pg "$b/pg_ctl" -D "$dir/postgres/data" status >/dev/null 2>&1 ;;
      redis) [[ -f "$dir/redis/redis.pid" ]] && kill -0 "$(cat "$dir/redis/redis.pid")" 2>/dev/null ;;
      kafka) kafka_running ;;
      *) exit 2 ;;
    esac ;;
  *) echo "usage: scripts/services.sh start|stop|running [postgres|redis|kafka|all] | env" >&2; exit 2 ;;
esac
