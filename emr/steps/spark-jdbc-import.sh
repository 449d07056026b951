#!/usr/bin/env bash
# EMR step (run through script-runner.jar) for importer "spark-jdbc": one Spark application reads every table of the
# run over JDBC and writes its target, in one step (no Sqoop, no staging).
#
#   spark-jdbc-import.sh [--jdbc-url URL] [--username USER]
#                        (--password-parameter SSM_NAME | --password-secret SECRET_ID [--password-key KEY])
#                        --tls-mode MODE --job-jar S3_URI [--region REGION] -- INGEST_JOB_ARGUMENTS...
#
# The arguments after "--" go to dev.emringest.spark.IngestJob as they are, after the source's --jdbc-url, --username
# and --password-alias: the run's options, then one group per table starting at its --table (see RunArguments and
# JobArguments in emr/spark-job, which check every one of them, typed, and fail the step naming the option). They
# are never evaluated by a shell: each is one element of spark-submit's argument array. The run's tables (their
# --table values) are named in this script's messages.
#
# The option rules (the source's among them: where the password is, what a secret may give, the TLS mode), the private
# work directory and the password's read are import-step.sh's, shared with sqoop-import.sh. The JDBC URL the Spark job
# gets carries the TLS options; its executors find the trust store on their own nodes. spark-submit runs the Spark job
# in client mode, so its driver runs here, on the master node. When the options give the URL and the user, the
# password goes from the AWS CLI through a pipe to the driver's standard input (--password-stdin text, or json:KEY for
# a secret), with no credential store and no JVM started to write one. Otherwise the secret must give the user or the
# server: as for Sqoop, it is stored with StoreCredential from the --job-jar (the job's spark-job.jar) in a Hadoop
# credential store (jceks), and the driver gets the store's path through
# spark.hadoop.hadoop.security.credential.provider.path and only the alias (--password-alias) on its command line.
# Either way the driver hands the password to the JDBC reader as a connection property.
#
# The MySQL Connector/J jar installed by emr/bootstrap/install-mysql-driver.sh goes to spark-submit as --jars, which
# in client mode also puts it on the driver's class path. Not --driver-class-path: that replaces the cluster's
# spark.driver.extraClassPath (EMR's AWS SDKs and the rest of its spark-defaults entry) instead of adding to it.
#
# Exit status: 0 when every table was written, 2 on invalid arguments, spark-submit's exit status (or 1) on any other
# failure, including a run in which some tables failed (each table's _manifest.json says whether and why).
#
# Environment (for local tests; EMR sets none of these), besides import-step.sh's:
#   EMR_INGEST_SPARK_SUBMIT       spark-submit command, split on whitespace (default "spark-submit")
#   EMR_INGEST_SPARK_SUBMIT_OPTS  extra spark-submit options placed before the application jar, split on whitespace
#                                 (e.g. "--master local[2]")
set -euo pipefail

readonly synopsis='[--jdbc-url URL] [--username USER]
(--password-parameter SSM_NAME | --password-secret SECRET_ID [--password-key KEY])
--tls-mode MODE --job-jar S3_URI [--region REGION] -- INGEST_JOB_ARGUMENTS...'
readonly options=(--jdbc-url --username --password-parameter --password-secret --password-key --tls-mode --job-jar
  --region)
readonly required=(--tls-mode --job-jar)

# shellcheck source=import-step.sh
source "$(dirname -- "$0")/import-step.sh"

# ---------------------------------------------------------------------------------------------------- arguments
step_args=()
while [[ $# -gt 0 && $1 != -- ]]; do
  step_args+=("$1")
  shift
done
parse_options ${step_args[@]+"${step_args[@]}"}
check_shared_options
check_jar --job-jar
if [[ $# -eq 0 ]]; then
  usage_error "missing '--' and the Spark job's arguments"
fi
shift
if [[ $# -eq 0 ]]; then
  usage_error "no Spark job arguments after '--'"
fi
job_args=("$@")
# The run's tables, for the messages: the value after each --table (names sit at even positions).
tables=()
for ((i = 0; i + 1 < ${#job_args[@]}; i += 2)); do
  if [[ ${job_args[i]} == --table ]]; then
    tables+=("${job_args[i + 1]}")
  fi
done
table=$(IFS=,; printf '%s' "${tables[*]-}")

# ---------------------------------------------------------------------------------------------------- environment
command_from_env spark_submit_cmd EMR_INGEST_SPARK_SUBMIT spark-submit
read -r -a spark_submit_opts <<<"${EMR_INGEST_SPARK_SUBMIT_OPTS:-}"
prepare_node
start_secret_read spark-jdbc --job-jar spark-job.jar
if [[ -n $jdbc_url && -n $username ]]; then
  # Only the password to take from the secret: the driver reads it from the pipe, as its standard input.
  await_secret
  password_args=(--password-stdin text)
  [[ -z $password_secret ]] || password_args=(--password-stdin "json:$password_key")
  store_conf=()
else
  store_password
  password_args=(--password-alias "$alias")
  store_conf=(--conf "spark.hadoop.hadoop.security.credential.provider.path=$provider")
fi

# ---------------------------------------------------------------------------------------------------- spark-submit
submit_args=(
  --deploy-mode client
  --class dev.emringest.spark.IngestJob
  ${store_conf[@]+"${store_conf[@]}"}
  --jars "$driver_jar"
  ${spark_submit_opts[@]+"${spark_submit_opts[@]}"}
  "$jar"
  --jdbc-url "$jdbc_url"
  --username "$username"
  "${password_args[@]}"
  "${job_args[@]}"
)

printf '%s: importing table %s over JDBC\n' "$prog" "$table"
run_import "spark-jdbc import" "their targets" "${spark_submit_cmd[@]}" "${submit_args[@]}"
