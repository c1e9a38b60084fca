#!/usr/bin/env bash
set -euo pipefail
# Tag lookup latency at each cache level (local, Redis, PostgreSQL): starts the project's PostgreSQL
# and Redis (scripts/services.sh), builds riskgate-bench and runs TagLookupLatency, then stops the
# services it started.
#   scripts/bench-tags.sh [LOOKUPS]
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
select_jdk
cd "$RISKGATE_ROOT"
started=()
for service in postgres redis; do
  bash scripts/services.sh running "$service" || started+=("$service")
done
trap 'for s in "${started[@]}"; do bash scripts/services.sh stop "$s"; done' EXIT
for service in postgres redis; do
  bash scripts/services.sh start "$service"
done
eval "$(bash scripts/services.sh env)"
mvnw -q -B -pl riskgate-bench -am package -Dmaven.test.skip=true
"$JAVA_HOME/bin/java" -Xmx512m -cp riskgate-bench/target/benchmarks.jar io.riskgate.bench.TagLookupLatency "${1:-20000}"
