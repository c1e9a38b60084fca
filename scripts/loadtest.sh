#!/usr/bin/env bash
set -euo pipefail
# End-to-end HTTP load test: starts the server on the demo ruleset (port 18787, a temporary data
# folder), drives POST /v1/decisions with wrk (installed from Debian's packages when missing) and
# scripts/loadtest.lua, then stops the server it started. Every run is bounded in time.
#   scripts/loadtest.sh [SECONDS]
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
select_jdk
seconds=${1:-20}
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v ps >/dev/null || missing+=(procps)
if ((${#missing[@]})); then
  echo "loadtest: installing ${missing[*]} from Debian's packages" >&2
  sudo=(); [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get install -y -q "${missing[@]}" >/dev/null \
    || { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
cd "$RISKGATE_ROOT"
mvnw -q -B -pl riskgate-server -am install -Dmaven.test.skip=true
data=$(mktemp -d)
port=18787
if (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
  echo "loadtest: port $port is already in use" >&2
  exit 1
fi
RISKGATE_SERVER_PORT=$port RISKGATE_DATA_DIR="$data" RISKGATE_RULES_WATCH=false RISKGATE_LOG_LEVEL=warn \
  "$JAVA_HOME/bin/java" -Xms512m -Xmx1g -jar riskgate-server/target/riskgate.jar run --config config/riskgate.yaml \
  > "$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$port/ready" >/dev/null || { cat "$data/server.log"; exit 1; }
url="http://127.0.0.1:$port/v1/decisions"
wrk -t1 -c16 -d5s -s scripts/loadtest.lua "$url" >/dev/null   # warm-up, not reported
for c in 32 4 1; do
  printf 'connections=%-3s ' "$c"
  wrk -t1 -c"$c" -d"${seconds}s" -s scripts/loadtest.lua "$url" | tail -1
done
echo "server: $(ps -o rss= -p $server | awk '{printf "%.0f MB RSS", $1/1024}') after the runs"
