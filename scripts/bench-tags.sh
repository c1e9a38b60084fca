#!/usr/bin/env bash
set -euo pipefail
# Tag lookup latency at each cache level (local, Redis, PostgreSQL): starts the project's PostgreSQL
# and Redis (scripts/services.sh), builds riskgate-bench and runs TagLookupLatency, then stops the
# services it started.
#   scripts/bench-tags.sh [LOOKUPS]
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
select_jdk
cd "$RISKGATE_ROOT"
# a real PostgreSQL and Redis, started here and stopped at the end (those already running stay)
use_services postgres redis
mvnw -q -B -pl riskgate-bench -am package -Dmaven.test.skip=true
"$JAVA_HOME/bin/java" -Xmx512m -cp riskgate-bench/target/benchmarks.jar io.riskgate.bench.TagLookupLatency "${1:-20000}"
