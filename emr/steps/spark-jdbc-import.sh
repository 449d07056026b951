#!/usr/bin/env bash
# EMR step (run through script-runner.jar) for importer "spark-jdbc": read one table over JDBC with Spark and write
# it to the target, in one step (no Sqoop, no staging).
#
#   spark-jdbc-import.sh --jdbc-url URL --username USER --password-parameter SSM_NAME --table TABLE
#                        --output URI --run-key KEY --job-jar S3_URI
#                        [--split-by COL --num-partitions N] [--source-columns a,b,c] [--run-id ID]
#                        [--ingest-date YYYY-MM-DD] [--columns a,b,c] [--sql SQL] [--region REGION]
#                        [--where-column COL ([--lower-bound INSTANT] --upper-bound INSTANT
#                                             | [--above-key N [--up-to-key M]])] [--max-key-column COL]
#                        [--target-table CATALOG.DATABASE.TABLE --mode append|merge [--merge-key a,b]
#                         [--order-column COL]]
#
# The Iceberg target's options are checked here (the table's three parts [a-z0-9_], the mode, the key a list, the
# order column an identifier) and passed to IngestJob, which reads a merge's default key (the primary key) itself.
#
# The window options (an incremental table's run window) and --max-key-column are checked here (the window by
# import-step.sh's rules, --max-key-column an identifier) and passed to IngestJob, which parses them into typed values
# and reads only the window's rows (a dbtable subquery built from those values), and writes "maxKey" (the highest
# value of --max-key-column read) into _manifest.json.
#
# The option rules, the private work directory and the password's way into a Hadoop credential store (jceks) are
# import-step.sh's, shared with sqoop-import.sh; --sql is free text, which may start with "--" (an SQL comment). The
# password is stored with StoreCredential from the --job-jar (the job's spark-job.jar). spark-submit runs the Spark
# job in client mode, so its driver runs here, on the master node, next to the store: it gets the store's path through
# spark.hadoop.hadoop.security.credential.provider.path and only the alias on its command line, reads the password
# with Configuration.getPassword and hands it to the JDBC reader as a connection property.
#
# The MySQL Connector/J jar installed by emr/bootstrap/install-mysql-driver.sh goes to spark-submit as --jars and
# --driver-class-path.
#
# Exit status: 0 on success, 2 on invalid arguments, spark-submit's exit status (or 1) on any other failure.
#
# Environment (for local tests; EMR sets none of these), besides import-step.sh's:
#   EMR_INGEST_SPARK_SUBMIT       spark-submit command, split on whitespace (default "spark-submit")
#   EMR_INGEST_SPARK_SUBMIT_OPTS  extra spark-submit options placed before the application jar, split on whitespace
#                                 (e.g. "--master local[2]")
set -euo pipefail

readonly synopsis='--jdbc-url URL --username USER --password-parameter SSM_NAME --table TABLE
--output URI --run-key KEY --job-jar S3_URI
[--split-by COL --num-partitions N] [--source-columns a,b,c] [--run-id ID]
[--ingest-date YYYY-MM-DD] [--columns a,b,c] [--sql SQL] [--region REGION]
[--where-column COL ([--lower-bound INSTANT] --upper-bound INSTANT
                     | [--above-key N [--up-to-key M]])] [--max-key-column COL]
[--target-table CATALOG.DATABASE.TABLE --mode append|merge [--merge-key a,b] [--order-column COL]]'
readonly options=(--jdbc-url --username --password-parameter --table --output --run-key --job-jar --split-by
  --num-partitions --source-columns --run-id --ingest-date --columns --sql --region --where-column --lower-bound
  --upper-bound --above-key --up-to-key --max-key-column --target-table --mode --merge-key --order-column)
readonly required=(--jdbc-url --username --password-parameter --table --output --run-key --job-jar)
readonly free_text=(--sql)

# shellcheck source=import-step.sh
source "$(dirname -- "$0")/import-step.sh"

# ---------------------------------------------------------------------------------------------------- arguments
parse_options "$@"
check_shared_options
check_jar --job-jar
check_count --num-partitions
output=${opt[--output]}

if [[ ! $output =~ ^[a-z][a-z0-9+.-]*://[^[:space:]]+$ ]]; then
  usage_error "option --output must be a URI (s3://bucket/path), got '$output'"
fi
if [[ -n ${opt[--num-partitions]+set} && -z ${opt[--split-by]+set} ]]; then
  usage_error "option --num-partitions needs --split-by (the partition column)"
fi
check_lists --source-columns
check_identifier --max-key-column "a column name"
check_identifier --order-column "a column name"
check_lists --merge-key
if [[ -n ${opt[--target-table]+set} && ! ${opt[--target-table]} =~ ^[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$ ]]; then
  usage_error "option --target-table must be catalog.database.table (each part [a-z0-9_]), got '${opt[--target-table]}'"
fi
if [[ -n ${opt[--mode]+set} && ! ${opt[--mode]} =~ ^(append|merge)$ ]]; then
  usage_error "option --mode must be append or merge, got '${opt[--mode]}'"
fi
for name in --mode --merge-key --order-column; do
  if [[ -n ${opt[$name]+set} && -z ${opt[--target-table]+set} ]]; then
    usage_error "option $name needs --target-table"
  fi
done
if [[ -n ${opt[--target-table]+set} && -z ${opt[--mode]+set} ]]; then
  usage_error "missing required option --mode (with --target-table)"
fi
for name in --merge-key --order-column; do
  if [[ -n ${opt[$name]+set} && ${opt[--mode]-} != merge ]]; then
    usage_error "option $name needs --mode merge"
  fi
done
if [[ -n ${opt[--run-id]+set} && ! ${opt[--run-id]} =~ ^[A-Za-z0-9_]{1,64}$ ]]; then
  usage_error "option --run-id may contain only letters, digits and '_', got '${opt[--run-id]}'"
fi
if [[ -n ${opt[--ingest-date]+set} && ! ${opt[--ingest-date]} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then
  usage_error "option --ingest-date must be a date YYYY-MM-DD, got '${opt[--ingest-date]}'"
fi

# ---------------------------------------------------------------------------------------------------- environment
command_from_env spark_submit_cmd EMR_INGEST_SPARK_SUBMIT spark-submit
read -r -a spark_submit_opts <<<"${EMR_INGEST_SPARK_SUBMIT_OPTS:-}"
prepare_node
store_password spark-jdbc --job-jar spark-job.jar

# ---------------------------------------------------------------------------------------------------- spark-submit
submit_args=(
  --deploy-mode client
  --class dev.emringest.spark.IngestJob
  --conf "spark.hadoop.hadoop.security.credential.provider.path=$provider"
  --jars "$driver_jar"
  --driver-class-path "$driver_jar"
  ${spark_submit_opts[@]+"${spark_submit_opts[@]}"}
  "$jar"
  --jdbc-url "$jdbc_url"
  --username "$username"
  --password-alias "$alias"
  --table "$table"
  --output "$output"
  --run-key "${opt[--run-key]}"
)
for name in --split-by --num-partitions --source-columns --run-id --ingest-date --columns --sql --where-column \
  --lower-bound --upper-bound --above-key --up-to-key --max-key-column --target-table --mode --merge-key --order-column; do
  if [[ -n ${opt[$name]+set} ]]; then
    submit_args+=("$name" "${opt[$name]}")
  fi
done

printf '%s: importing table %s over JDBC into %s\n' "$prog" "$table" "$output"
run_import "spark-jdbc import" "$output" "${spark_submit_cmd[@]}" "${submit_args[@]}"
