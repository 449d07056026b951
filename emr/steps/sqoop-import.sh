#!/usr/bin/env bash
# EMR step (run through script-runner.jar): import one table with Sqoop into a staging directory.
#
#   sqoop-import.sh --jdbc-url URL --username USER --password-parameter SSM_NAME --table TABLE
#                   --target-dir DIR --format parquet|avro --num-mappers N --tools-jar S3_URI
#                   [--split-by COL] [--columns a,b,c] [--region REGION]
#
# Each option and each value is its own argument; "--opt=value" is not accepted. The password is read from the SSM
# SecureString named by --password-parameter with the cluster's own role and piped straight into
# dev.emringest.credentials.StoreCredential (in the --tools-jar, the job's spark-job.jar), which writes it into a
# Hadoop credential store (jceks) in a private directory (0700, store 0600). Sqoop gets only the store's path and
# --password-alias: the secret is never in a shell variable, a command line, step arguments or output. The directory
# is removed on every exit.
#
# The MySQL Connector/J jar installed by emr/bootstrap/install-mysql-driver.sh is put on HADOOP_CLASSPATH, so Sqoop's
# own MySQL connection manager (chosen for jdbc:mysql: URLs) loads the driver and ships its jar to the mappers.
# --driver is deliberately not passed: it would make Sqoop fall back to its generic JDBC manager.
#
# Exit status: 0 on success, 2 on invalid arguments, the Sqoop exit status (or 1) on any other failure.
#
# Environment (for local tests; EMR sets none of these):
#   EMR_INGEST_SQOOP       Sqoop command, split on whitespace (default "sqoop")
#   EMR_INGEST_HADOOP      hadoop launcher, split on whitespace, run as "<cmd> CLASS ARGS" with HADOOP_CLASSPATH set
#                          (default "hadoop")
#   EMR_INGEST_AWS         AWS CLI command, split on whitespace (default "aws"); used for "ssm get-parameter" and
#                          "s3 cp"
#   EMR_INGEST_SQOOP_OPTS  extra arguments placed right after "import", split on whitespace (e.g. "-fs file:/// -jt
#                          local --bindir /tmp/classes")
#   EMR_INGEST_LIB_DIR     directory holding mysql-connector-j.jar (default /opt/emr-ingest/lib)
#   TMPDIR                 where the private work directory is created (default /tmp)
set -euo pipefail

readonly prog=${0##*/}

usage() {
  cat >&2 <<EOF
usage: $prog --jdbc-url URL --username USER --password-parameter SSM_NAME --table TABLE
       ${prog//?/ } --target-dir DIR --format parquet|avro --num-mappers N --tools-jar S3_URI
       ${prog//?/ } [--split-by COL] [--columns a,b,c] [--region REGION]
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
readonly required=(--jdbc-url --username --password-parameter --table --target-dir --format --num-mappers --tools-jar)

while [[ $# -gt 0 ]]; do
  name=$1
  case $name in
    --jdbc-url | --username | --password-parameter | --table | --target-dir | --format | --num-mappers | \
      --tools-jar | --split-by | --columns | --region)
      if [[ $# -lt 2 || -z $2 || $2 == --* ]]; then
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
target_dir=${opt[--target-dir]}
format=${opt[--format]}
num_mappers=${opt[--num-mappers]}
tools_jar=${opt[--tools-jar]}

if [[ $jdbc_url != jdbc:mysql://?* ]]; then
  usage_error "option --jdbc-url must be a jdbc:mysql:// URL (MySQL, MariaDB and Aurora MySQL all use it), got '$jdbc_url'"
fi
case $format in
  parquet) format_arg=--as-parquetfile ;;
  avro) format_arg=--as-avrodatafile ;;
  *) usage_error "option --format must be parquet or avro, got '$format'" ;;
esac
if [[ ! $num_mappers =~ ^[1-9][0-9]{0,3}$ ]]; then
  usage_error "option --num-mappers must be a positive integer (1-9999), got '$num_mappers'"
fi
# Kite, which writes Sqoop's Parquet output, takes the last path segment as a dataset name and rejects anything but
# letters, digits and '_' ("run-1" fails, "run_1" works). Checked for both formats so one layout serves both.
last_segment=${target_dir%"${target_dir##*[!/]}"}
last_segment=${last_segment##*/}
if [[ ! $last_segment =~ ^[A-Za-z0-9_]+$ ]]; then
  usage_error "option --target-dir: last path segment '$last_segment' of '$target_dir' may contain only letters, digits and '_' (Kite rejects others)"
fi
if [[ $tools_jar != s3://?*/?*.jar ]]; then
  usage_error "option --tools-jar must be the S3 URI of a jar (s3://bucket/key.jar), got '$tools_jar'"
fi
if [[ ! $password_parameter =~ ^/[A-Za-z0-9_./-]+$ ]]; then
  usage_error "option --password-parameter must be an SSM parameter name (/path/name), got '$password_parameter'"
fi
if [[ ${opt[--split-by]+set} && ${opt[--split-by]} =~ [[:space:]] ]]; then
  usage_error "option --split-by must be one column name, got '${opt[--split-by]}'"
fi
if [[ ${opt[--columns]+set} && ${opt[--columns]} =~ [[:space:]] ]]; then
  usage_error "option --columns must be a comma-separated list without spaces, got '${opt[--columns]}'"
fi

# ---------------------------------------------------------------------------------------------------- environment
read -r -a sqoop_cmd <<<"${EMR_INGEST_SQOOP:-sqoop}"
read -r -a hadoop_cmd <<<"${EMR_INGEST_HADOOP:-hadoop}"
read -r -a aws_cmd <<<"${EMR_INGEST_AWS:-aws}"
read -r -a sqoop_opts <<<"${EMR_INGEST_SQOOP_OPTS:-}"
[[ ${#sqoop_cmd[@]} -gt 0 ]] || die "EMR_INGEST_SQOOP is set but empty"
[[ ${#hadoop_cmd[@]} -gt 0 ]] || die "EMR_INGEST_HADOOP is set but empty"
[[ ${#aws_cmd[@]} -gt 0 ]] || die "EMR_INGEST_AWS is set but empty"

driver_jar=${EMR_INGEST_LIB_DIR:-/opt/emr-ingest/lib}/mysql-connector-j.jar
if [[ ! -r $driver_jar ]]; then
  die "MySQL driver $driver_jar not found: did the bootstrap action install-mysql-driver.sh run?"
fi
export HADOOP_CLASSPATH="$driver_jar${HADOOP_CLASSPATH:+:$HADOOP_CLASSPATH}"

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
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/emr-ingest-sqoop.XXXXXXXX") || die "could not create a private work directory"
chmod 0700 "$work_dir"
tools=$work_dir/tools.jar
store=$work_dir/creds.jceks
provider="jceks://file$store"
alias=emr-ingest.jdbc.password

if ! "${aws_cmd[@]}" s3 cp --only-show-errors "$tools_jar" "$tools" ${region_args[@]+"${region_args[@]}"} >&2; then
  die "could not copy $tools_jar (does the cluster's instance role allow s3:GetObject on the assets?)"
fi

# ---------------------------------------------------------------------------------------------------- password
# The secret goes from the AWS CLI's stdout straight into StoreCredential's stdin: it is in no shell variable, no
# process's argv and no output. pipefail makes a failed read fail the step.
ssm_args=(ssm get-parameter --name "$password_parameter" --with-decryption --query Parameter.Value --output text)
if ! "${aws_cmd[@]}" "${ssm_args[@]}" ${region_args[@]+"${region_args[@]}"} |
  HADOOP_CLASSPATH="$tools" "${hadoop_cmd[@]}" dev.emringest.credentials.StoreCredential "$provider" "$alias" >&2; then
  die "could not store the password from SSM parameter $password_parameter for table $table (does the cluster's instance role allow ssm:GetParameter and kms:Decrypt on it?)"
fi
[[ -s $store ]] || die "credential store $store was not written"
chmod 0600 "$store"

# ---------------------------------------------------------------------------------------------------- sqoop
sqoop_args=(
  import
  -D "hadoop.security.credential.provider.path=$provider"
  -D sqoop.avro.logical_types.decimal.enable=true
  ${sqoop_opts[@]+"${sqoop_opts[@]}"}
  --connect "$jdbc_url"
  --username "$username"
  --password-alias "$alias"
  --table "$table"
  --target-dir "$target_dir"
  --outdir "$work_dir/src"
  "$format_arg"
  --num-mappers "$num_mappers"
)
if [[ -n ${opt[--split-by]+set} ]]; then
  sqoop_args+=(--split-by "${opt[--split-by]}")
fi
if [[ -n ${opt[--columns]+set} ]]; then
  sqoop_args+=(--columns "${opt[--columns]}")
fi

printf '%s: importing table %s into %s as %s\n' "$prog" "$table" "$target_dir" "$format"
printf '%s: running:' "$prog"
printf ' %q' "${sqoop_cmd[@]}" "${sqoop_args[@]}"
printf '\n'

# Run in the background and wait, so a signal (step cancelled) is handled at once and the store removed.
"${sqoop_cmd[@]}" "${sqoop_args[@]}" </dev/null &
child_pid=$!
status=0
wait "$child_pid" || status=$?
child_pid=

if [[ $status -ne 0 ]]; then
  printf '%s: sqoop import of table %s failed with exit status %d\n' "$prog" "$table" "$status" >&2
  exit "$status"
fi
printf '%s: imported table %s into %s\n' "$prog" "$table" "$target_dir"
