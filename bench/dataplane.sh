#!/usr/bin/env bash
# Data-plane benchmark (bench/README.md, "Data plane"): builds the modules it runs (the launcher with the assets it
# publishes, the Spark job, the local cluster, Sqoop's class path) and runs dev.emringest.bench.dataplane.DataPlane,
# which starts MariaDB and moto server, generates the tables, times the raw read and each importer's jobs as the
# cluster runs them, checks every row count and prints the table (Markdown on stdout, progress on stderr).
#   bench/dataplane.sh [--runs N (default 3)] [--raw FILE.json]      (JAVA_HOME picks the JVM; default: java on PATH)
# Set BENCH_SKIP_BUILD=1 to reuse the build. Exit status 1 when a step fails or a row count differs.
set -euo pipefail
args=()
while [[ $# -gt 0 ]]; do
  if [[ $1 == --raw && $# -ge 2 ]]; then
    args+=(--raw "$(realpath -m -- "$2")") # relative to where the command was given, not the repository root
    shift 2
  else
    args+=("$1")
    shift
  fi
done
cd "$(dirname "$0")/.."
if [[ "${BENCH_SKIP_BUILD:-}" != 1 ]]; then
  echo "building (./mvnw -q -pl bench/dataplane -am package -DskipTests) ..." >&2
  ./mvnw -q -pl bench/dataplane -am package -DskipTests >&2
fi
bash testing/install-mariadb.sh >&2
java=java
[[ -n "${JAVA_HOME:-}" ]] && java=$JAVA_HOME/bin/java
export SPARK_LOCAL_IP=127.0.0.1 # the jobs' Spark on loopback, not the host's own interface
exec "$java" -Xmx512m -XX:+UseSerialGC -Duser.timezone=UTC \
  -cp "bench/dataplane/target/classes:$(cat bench/dataplane/target/dataplane.classpath)" \
  dev.emringest.bench.dataplane.DataPlane ${args[@]+"${args[@]}"}
