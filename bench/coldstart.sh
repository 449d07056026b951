#!/usr/bin/env bash
# Cold-start benchmark: builds the deployment packages and the harness, then runs bench/coldstart.py
# (a moto server on loopback, a fresh JVM / python3 per sample) and prints the table.
#   bench/coldstart.sh [--samples N] [--raw samples.json]      (JAVA_HOME picks the JVM; default Temurin 25)
# Set BENCH_SKIP_BUILD=1 to reuse the jars already built.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [[ "${BENCH_SKIP_BUILD:-}" != 1 ]]; then
  echo "building (./mvnw -q package -DskipTests) ..." >&2
  ./mvnw -q package -DskipTests >&2
fi
exec python3 bench/coldstart.py "$@"
