#!/usr/bin/env bash
set -euo pipefail
# Builds riskgate-bench and runs its benchmarks: rule evaluation (compiled vs lambdas), ruleset
# compilation, and the class-loader memory check. JMH results go to riskgate-bench/target/jmh-*.json.
#
# Usage: scripts/bench.sh [--quick] [--no-build] [--no-gc-prof] [-- extra JMH options]
#   --quick        short iterations (-wi 2 -i 3 -w 1s -r 1s), about 2 minutes in all
#   --no-build     use the existing riskgate-bench/target/benchmarks.jar
#   --no-gc-prof   do not add '-prof gc' (allocation per op) to the evaluation benchmark
# A full run takes about 4 minutes on 2 cores.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
select_jdk

quick=0 build=1 gcprof=1
extra=()
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --no-build) build=0 ;;
    --no-gc-prof) gcprof=0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

cd "$RISKGATE_ROOT"
out=riskgate-bench/target
jar=$out/benchmarks.jar

if ((build)); then
  echo "== building riskgate-bench"
  # offline first; go online only when something is missing from the local repository
  ./mvnw -q -o -pl riskgate-bench -am package -DskipTests || ./mvnw -q -pl riskgate-bench -am package -DskipTests
fi
[[ -f "$jar" ]] || { echo "bench.sh: $jar is missing (build first)" >&2; exit 1; }

jmh=()
if ((quick)); then
  jmh+=(-wi 2 -i 3 -w 1s -r 1s -f 1)
fi
jmh+=("${extra[@]}")
prof=()
if ((gcprof)); then
  prof=(-prof gc)
fi

echo "== RulesetEvalBenchmark (compiled ruleset vs lambda trees, us per event)"
java -jar "$jar" RulesetEvalBenchmark "${prof[@]}" "${jmh[@]}" \
  -rf json -rff "$out/jmh-eval.json" -o "$out/jmh-eval.txt"

echo "== CompileBenchmark (ms per compile, warm JVM)"
java -jar "$jar" '\.CompileBenchmark\.' "${jmh[@]}" \
  -rf json -rff "$out/jmh-compile.json" -o "$out/jmh-compile.txt"

echo "== ColdCompileBenchmark (ms for the first compile in a fresh JVM, one per fork)"
java -jar "$jar" ColdCompileBenchmark \
  -rf json -rff "$out/jmh-cold-compile.json" -o "$out/jmh-cold-compile.txt"

echo "== RulesetMemory"
if ((quick)); then
  java -Xmx1g -cp "$jar" io.riskgate.bench.RulesetMemory 500 10 60 | tee "$out/memory.txt"
else
  java -Xmx1g -cp "$jar" io.riskgate.bench.RulesetMemory 500 20 200 | tee "$out/memory.txt"
fi

echo
echo "== Summary (full logs: $out/jmh-eval.txt, $out/jmh-compile.txt; JSON: $out/jmh-*.json)"
for f in "$out/jmh-eval.txt" "$out/jmh-compile.txt" "$out/jmh-cold-compile.txt"; do
  # the JMH summary table starts at the line beginning with "Benchmark"
  awk '/^Benchmark +/ {p=1} p && !/gc\.(count|time|alloc\.rate )/' "$f"
  echo
done
