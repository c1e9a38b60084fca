#!/usr/bin/env bash
set -euo pipefail
# The end-to-end load generator: a synthetic payment stream (Zipf keys, one merchant at 20% of
# traffic, 10% out of order by up to 5 minutes, 1% repeats) decided by 500 rules and 30 features
# over five dimensions. Bounded in time; stops by itself.
#
# Usage:
#   scripts/load.sh inprocess [--keys 1000000] [--threads 2] [--seconds 30] [--warmup 10] [--store rocksdb|memory]
#   scripts/load.sh http [--keys 1000000] [--connections 32] [--rate 0] [--seconds 30] [--warmup 5]
#       starts its own server (127.0.0.1:18787, embedded state in a temporary folder) with the
#       load-test ruleset, runs the load, and stops the server.
#   scripts/load.sh kafka [--keys 1000000] [--rate 0] [--seconds 30] [--warmup 10] [--rules 500|demo]
#       starts the project's Kafka broker (scripts/services.sh) and a server reading it (new topics,
#       2 partitions, RISKGATE_KAFKA_CONSUMERS threads, default 1), sends the stream to the input
#       topic and measures until each decision is read back; stops the server, not the broker.
#   --no-build   use the existing riskgate-bench/target/benchmarks.jar and server jar
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
select_jdk
cd "$RISKGATE_ROOT"
build=1
args=()
for a in "$@"; do
  if [[ "$a" == --no-build ]]; then build=0; else args+=("$a"); fi
done
mode=${args[0]:-inprocess}
jar=riskgate-bench/target/benchmarks.jar
if ((build)); then
  ./mvnw -q -o -pl riskgate-bench,riskgate-server -am package -DskipTests || ./mvnw -q -pl riskgate-bench,riskgate-server -am package -DskipTests
fi
java_opts=(-Xms8g -Xmx8g -XX:+UseZGC --enable-native-access=ALL-UNNAMED)
port=18787

# start_server RULES [VAR=value ...]: a server on $port with the load-test ruleset of RULES rules
# (or the payment demo's ruleset when RULES is 'demo'), state in a temporary folder, stopped at
# exit; returns once it is ready.
start_server() {
  local rules=$1
  shift
  work=$(mktemp -d /tmp/riskgate-load.XXXXXX)
  mkdir -p "$work/rules"
  if [[ "$rules" == demo ]]; then
    cp examples/payment-demo/payment.yaml "$work/rules/"
  else
    "$JAVA_HOME/bin/java" -cp "$jar" io.riskgate.bench.LoadGenerator rules --rules "$rules" > "$work/rules/load.yaml"
  fi
  env RISKGATE_SERVER_PORT=$port RISKGATE_DATA_DIR="$work/data" RISKGATE_RULES_PATH="$work/rules" \
    RISKGATE_RULES_WATCH=false RISKGATE_TAGS_STORE=memory RISKGATE_LOG_LEVEL=warn "$@" \
    "$JAVA_HOME/bin/java" "${java_opts[@]}" -jar riskgate-server/target/riskgate.jar run > "$work/server.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/ready" > /dev/null && return
    kill -0 $server 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.5
  done
  echo "load.sh: the server did not become ready" >&2
  exit 1
}

case "$mode" in
  inprocess)
    exec "$JAVA_HOME/bin/java" "${java_opts[@]}" -cp "$jar" io.riskgate.bench.LoadGenerator "${args[@]}"
    ;;
  http)
    start_server 500
    "$JAVA_HOME/bin/java" -Xms2g -Xmx2g -XX:+UseZGC -cp "$jar" io.riskgate.bench.LoadGenerator "${args[@]}" --url "http://127.0.0.1:$port"
    ;;
  kafka)
    bash scripts/services.sh start kafka
    eval "$(bash scripts/services.sh env | grep KAFKA)"
    rules=500
    for ((i = 1; i < ${#args[@]}; i++)); do [[ "${args[$i]}" == --rules ]] && rules=${args[$((i + 1))]}; done
    run=$(date +%s)
    start_server "$rules" RISKGATE_KAFKA_ENABLED=true RISKGATE_KAFKA_BOOTSTRAP_SERVERS="$RISKGATE_KAFKA_BOOTSTRAP_SERVERS" \
      RISKGATE_KAFKA_INPUT_TOPIC="load-$run" RISKGATE_KAFKA_DECISIONS_TOPIC="load-$run-decisions" \
      RISKGATE_KAFKA_DEAD_LETTER_TOPIC="load-$run-dead" RISKGATE_KAFKA_PARTITIONS=2 RISKGATE_KAFKA_GROUP_ID="load-$run" \
      RISKGATE_KAFKA_TRANSACTIONAL_ID="load-$run" RISKGATE_KAFKA_CONSUMERS="${RISKGATE_KAFKA_CONSUMERS:-1}"
    "$JAVA_HOME/bin/java" -Xms1g -Xmx1g -XX:+UseZGC -cp "$jar" io.riskgate.bench.LoadGenerator kafka "${args[@]:1}" \
      --bootstrap "$RISKGATE_KAFKA_BOOTSTRAP_SERVERS" --input "load-$run" --decisions "load-$run-decisions"
    curl -s "http://127.0.0.1:$port/metrics" | grep -E '^riskgate_kafka_(records|transactions)_total' || true
    ;;
  *) echo "load.sh: mode is inprocess, http or kafka" >&2; exit 2 ;;
esac
