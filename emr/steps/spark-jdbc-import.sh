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
#
# The window options (an incremental table's run window) and --max-key-column are checked here for their form
# (column names identifiers, bounds ISO-8601 UTC instants, keys integers) and passed to IngestJob, which parses them
# into typed values and reads only the window's rows (a dbtable subquery built from those values), and writes
# "maxKey" (the highest value of --max-key-column read) into _manifest.json.
#
# Each option and each value is its own argument; "--opt=value" is not accepted. The password is read from the SSM
# SecureString named by --password-parameter with the cluster's own role and piped straight into
# dev.emringest.credentials.StoreCredential (in the --job-jar, the job's spark-job.jar), which writes it into a
# Hadoop credential store (jceks) in a private directory (0700, store 0600). spark-submit runs the Spark job in
# client mode, so its driver runs here, on the master node, next to the store: it gets the store's path through
# spark.hadoop.hadoop.security.credential.provider.path and only the alias on its command line, reads the password
# with Configuration.getPassword and hands it to the JDBC reader as a connection property. The secret is never in a
# shell variable, a command line, step arguments or output. The directory is removed on every exit.
#
# The MySQL Connector/J jar installed by emr/bootstrap/install-mysql-driver.sh goes to spark-submit as --jars and
# --driver-class-path.
#
# Exit status: 0 on success, 2 on invalid arguments, spark-submit's exit status (or 1) on any other failure.
#
# Environment (for local tests; EMR sets none of these):
#   EMR_INGEST_SPARK_SUBMIT       spark-submit command, split on whitespace (default "spark-submit")
#   EMR_INGEST_SPARK_SUBMIT_OPTS  extra spark-submit options placed before the application jar, split on whitespace
#                                 (e.g. "--master local[2]")
#   EMR_INGEST_HADOOP             hadoop launcher, split on whitespace, run as "<cmd> CLASS ARGS" with HADOOP_CLASSPATH
#                                 set (default "hadoop")
#   EMR_INGEST_AWS                AWS CLI command, split on whitespace (default "aws"); used for "ssm get-parameter"
#                                 and "s3 cp"
#   EMR_INGEST_LIB_DIR            directory holding mysql-connector-j.jar (default /opt/emr-ingest/lib)
#   TMPDIR                        where the private work directory is created (default /tmp)
set -euo pipefail

readonly prog=${0##*/}

usage() {
  cat >&2 <<EOF
usage: $prog --jdbc-url URL --username USER --password-parameter SSM_NAME --table TABLE
       ${prog//?/ } --output URI --run-key KEY --job-jar S3_URI
       ${prog//?/ } [--split-by COL --num-partitions N] [--source-columns a,b,c] [--run-id ID]
       ${prog//?/ } [--ingest-date YYYY-MM-DD] [--columns a,b,c] [--sql SQL] [--region REGION]
       ${prog//?/ } [--where-column COL ([--lower-bound INSTANT] --upper-bound INSTANT
       ${prog//?/ }                      | [--above-key N [--up-to-key M]])] [--max-key-column COL]
EOF
}

usage_error() {
  printf '%s: %s\n' "$prog" "$*" >&2
  usage
  exit 2
}

die() {
  printf '%s: %s\n' "$prog" "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------------- arguments
declare -A opt=()
readonly required=(--jdbc-url --username --password-parameter --table --output --run-key --job-jar)
readonly options=" --jdbc-url --username --password-parameter --table --output --run-key --job-jar --split-by \
--num-partitions --source-columns --run-id --ingest-date --columns --sql --region --where-column --lower-bound \
--upper-bound --above-key --up-to-key --max-key-column "

while [[ $# -gt 0 ]]; do
  name=$1
  case $name in
    --jdbc-url | --username | --password-parameter | --table | --output | --run-key | --job-jar | --split-by | \
      --num-partitions | --source-columns | --run-id | --ingest-date | --columns | --sql | --region | \
      --where-column | --lower-bound | --upper-bound | --above-key | --up-to-key | --max-key-column)
      # A value may start with "--" (an SQL comment), but may not be another option's name.
      if [[ $# -lt 2 || -z $2 || $options == *" $2 "* ]]; then
        usage_error "option $name requires a value"
      fi
      if [[ -n ${opt[$name]+set} ]]; then
        usage_error "option $name given more than once"
      fi
      opt[$name]=$2
      shift 2
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage_error "unknown option '$name'"
      ;;
  esac
done

for name in "${required[@]}"; do
  if [[ -z ${opt[$name]+set} ]]; then
    usage_error "missing required option $name"
  fi
done

jdbc_url=${opt[--jdbc-url]}
username=${opt[--username]}
password_parameter=${opt[--password-parameter]}
table=${opt[--table]}
output=${opt[--output]}
job_jar=${opt[--job-jar]}

if [[ $jdbc_url != jdbc:mysql://?* || $jdbc_url =~ [[:space:]] ]]; then
  usage_error "option --jdbc-url must be a jdbc:mysql:// URL (MySQL, MariaDB and Aurora MySQL all use it), got '$jdbc_url'"
fi
if [[ ! $username =~ ^[A-Za-z_][A-Za-z0-9_]{0,63}$ ]]; then
  usage_error "option --username must be a database user name, got '$username'"
fi
if [[ ! $table =~ ^[A-Za-z_][A-Za-z0-9_]{0,63}$ ]]; then
  usage_error "option --table must be a table name, got '$table'"
fi
if [[ ! $output =~ ^[a-z][a-z0-9+.-]*://[^[:space:]]+$ ]]; then
  usage_error "option --output must be a URI (s3://bucket/path), got '$output'"
fi
if [[ $job_jar != s3://?*/?*.jar ]]; then
  usage_error "option --job-jar must be the S3 URI of a jar (s3://bucket/key.jar), got '$job_jar'"
fi
if [[ ! $password_parameter =~ ^/[A-Za-z0-9_./-]+$ ]]; then
  usage_error "option --password-parameter must be an SSM parameter name (/path/name), got '$password_parameter'"
fi
if [[ ${opt[--split-by]+set} && ! ${opt[--split-by]} =~ ^[A-Za-z_][A-Za-z0-9_]{0,63}$ ]]; then
  usage_error "option --split-by must be one column name, got '${opt[--split-by]}'"
fi
if [[ ${opt[--num-partitions]+set} ]]; then
  if [[ -z ${opt[--split-by]+set} ]]; then
    usage_error "option --num-partitions needs --split-by (the partition column)"
  fi
  if [[ ! ${opt[--num-partitions]} =~ ^[1-9][0-9]{0,3}$ ]]; then
    usage_error "option --num-partitions must be a positive integer (1-9999), got '${opt[--num-partitions]}'"
  fi
fi
for name in --source-columns --columns; do
  if [[ ${opt[$name]+set} && ${opt[$name]} =~ [[:space:]] ]]; then
    usage_error "option $name must be a comma-separated list without spaces, got '${opt[$name]}'"
  fi
done
if [[ ${opt[--run-id]+set} && ! ${opt[--run-id]} =~ ^[A-Za-z0-9_]{1,64}$ ]]; then
  usage_error "option --run-id may contain only letters, digits and '_', got '${opt[--run-id]}'"
fi
if [[ ${opt[--ingest-date]+set} && ! ${opt[--ingest-date]} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then
  usage_error "option --ingest-date must be a date YYYY-MM-DD, got '${opt[--ingest-date]}'"
fi
for name in --where-column --max-key-column; do
  if [[ ${opt[$name]+set} && ! ${opt[$name]} =~ ^[A-Za-z_][A-Za-z0-9_]{0,63}$ ]]; then
    usage_error "option $name must be a column name ([A-Za-z_][A-Za-z0-9_]{0,63}), got '${opt[$name]}'"
  fi
done
for name in --lower-bound --upper-bound; do
  if [[ ${opt[$name]+set} &&
    ! ${opt[$name]} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$ ]]; then
    usage_error "option $name must be an ISO-8601 UTC instant (YYYY-MM-DDTHH:MM:SS[.fraction]Z), got '${opt[$name]}'"
  fi
done
for name in --above-key --up-to-key; do
  if [[ ${opt[$name]+set} && ! ${opt[$name]} =~ ^(0|-?[1-9][0-9]{0,18})$ ]]; then
    usage_error "option $name must be a 64-bit integer, got '${opt[$name]}'"
  fi
done
for name in --lower-bound --upper-bound --above-key --up-to-key; do
  if [[ ${opt[$name]+set} && -z ${opt[--where-column]+set} ]]; then
    usage_error "option $name needs --where-column"
  fi
done
if [[ ${opt[--lower-bound]+set} && -z ${opt[--upper-bound]+set} ]]; then
  usage_error "option --lower-bound needs --upper-bound"
fi
if [[ ${opt[--up-to-key]+set} && -z ${opt[--above-key]+set} ]]; then
  usage_error "option --up-to-key needs --above-key"
fi
if [[ ( ${opt[--lower-bound]+set} || ${opt[--upper-bound]+set} ) && ( ${opt[--above-key]+set} || ${opt[--up-to-key]+set} ) ]]; then
  usage_error "option --lower-bound/--upper-bound (by time) cannot be combined with --above-key/--up-to-key (by key)"
fi

# ---------------------------------------------------------------------------------------------------- environment
read -r -a spark_submit_cmd <<<"${EMR_INGEST_SPARK_SUBMIT:-spark-submit}"
read -r -a spark_submit_opts <<<"${EMR_INGEST_SPARK_SUBMIT_OPTS:-}"
read -r -a hadoop_cmd <<<"${EMR_INGEST_HADOOP:-hadoop}"
read -r -a aws_cmd <<<"${EMR_INGEST_AWS:-aws}"
[[ ${#spark_submit_cmd[@]} -gt 0 ]] || die "EMR_INGEST_SPARK_SUBMIT is set but empty"
[[ ${#hadoop_cmd[@]} -gt 0 ]] || die "EMR_INGEST_HADOOP is set but empty"
[[ ${#aws_cmd[@]} -gt 0 ]] || die "EMR_INGEST_AWS is set but empty"

driver_jar=${EMR_INGEST_LIB_DIR:-/opt/emr-ingest/lib}/mysql-connector-j.jar
if [[ ! -r $driver_jar ]]; then
  die "MySQL driver $driver_jar not found: did the bootstrap action install-mysql-driver.sh run?"
fi

region_args=()
if [[ -n ${opt[--region]+set} ]]; then
  region_args=(--region "${opt[--region]}")
fi

# ---------------------------------------------------------------------------------------------------- private work dir
work_dir=
child_pid=
cleanup() {
  if [[ -n $work_dir ]]; then
    rm -rf -- "$work_dir"
  fi
}
on_signal() {
  local status=$1
  if [[ -n $child_pid ]]; then
    kill -TERM "$child_pid" 2>/dev/null || true
    wait "$child_pid" 2>/dev/null || true
  fi
  printf '%s: interrupted; import of table %s not completed\n' "$prog" "$table" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'on_signal 129' HUP
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

umask 077
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/emr-ingest-spark-jdbc.XXXXXXXX") || die "could not create a private work directory"
chmod 0700 "$work_dir"
app_jar=$work_dir/spark-job.jar
store=$work_dir/creds.jceks
provider="jceks://file$store"
alias=emr-ingest.jdbc.password

if ! "${aws_cmd[@]}" s3 cp --only-show-errors "$job_jar" "$app_jar" ${region_args[@]+"${region_args[@]}"} >&2; then
  die "could not copy $job_jar (does the cluster's instance role allow s3:GetObject on the assets?)"
fi

# ---------------------------------------------------------------------------------------------------- password
# The secret goes from the AWS CLI's stdout straight into StoreCredential's stdin: it is in no shell variable, no
# process's argv and no output. pipefail makes a failed read fail the step.
ssm_args=(ssm get-parameter --name "$password_parameter" --with-decryption --query Parameter.Value --output text)
if ! "${aws_cmd[@]}" "${ssm_args[@]}" ${region_args[@]+"${region_args[@]}"} |
  HADOOP_CLASSPATH="$app_jar" "${hadoop_cmd[@]}" dev.emringest.credentials.StoreCredential "$provider" "$alias" >&2; then
  die "could not store the password from SSM parameter $password_parameter for table $table (does the cluster's instance role allow ssm:GetParameter and kms:Decrypt on it?)"
fi
[[ -s $store ]] || die "credential store $store was not written"
chmod 0600 "$store"

# ---------------------------------------------------------------------------------------------------- spark-submit
submit_args=(
  --deploy-mode client
  --class dev.emringest.spark.IngestJob
  --conf "spark.hadoop.hadoop.security.credential.provider.path=$provider"
  --jars "$driver_jar"
  --driver-class-path "$driver_jar"
  ${spark_submit_opts[@]+"${spark_submit_opts[@]}"}
  "$app_jar"
  --jdbc-url "$jdbc_url"
  --username "$username"
  --password-alias "$alias"
  --table "$table"
  --output "$output"
  --run-key "${opt[--run-key]}"
)
for name in --split-by --num-partitions --source-columns --run-id --ingest-date --columns --sql --where-column \
  --lower-bound --upper-bound --above-key --up-to-key --max-key-column; do
  if [[ -n ${opt[$name]+set} ]]; then
    submit_args+=("$name" "${opt[$name]}")
  fi
done

printf '%s: importing table %s over JDBC into %s\n' "$prog" "$table" "$output"
printf '%s: running:' "$prog"
printf ' %q' "${spark_submit_cmd[@]}" "${submit_args[@]}"
printf '\n'

# Run in the background and wait, so a signal (step cancelled) is handled at once and the store removed.
"${spark_submit_cmd[@]}" "${submit_args[@]}" </dev/null &
child_pid=$!
status=0
wait "$child_pid" || status=$?
child_pid=

if [[ $status -ne 0 ]]; then
  printf '%s: spark-jdbc import of table %s failed with exit status %d\n' "$prog" "$table" "$status" >&2
  exit "$status"
fi
printf '%s: imported table %s into %s\n' "$prog" "$table" "$output"
