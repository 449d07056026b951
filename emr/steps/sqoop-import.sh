#!/usr/bin/env bash
# EMR step (run through script-runner.jar): import one table with Sqoop into a staging directory.
#
#   sqoop-import.sh --jdbc-url URL --username USER --password-parameter SSM_NAME --table TABLE
#                   --target-dir DIR --format parquet|avro --num-mappers N --tools-jar S3_URI
#                   [--split-by COL] [--columns a,b,c] [--region REGION]
#                   [--where-column COL [--lower-bound INSTANT] --upper-bound INSTANT
#                    | --where-column COL [--above-key N [--up-to-key M]]]
#
# Incremental tables (the launcher's window): --where-column names the column, which must be an identifier
# ([A-Za-z_][A-Za-z0-9_]{0,63}). By time (lastmodified): --lower-bound/--upper-bound are ISO-8601 UTC instants
# (2026-11-25T02:00:00Z, optionally with a fraction of up to 6 significant digits) and the import reads
# `COL` >= 'lower' AND `COL` < 'upper' (no lower bound before the first success). By key (append): --above-key and
# --up-to-key are 64-bit integers and the import reads `COL` > N [AND `COL` <= M]; --where-column alone reads all rows
# (the first run of an append table). The predicate is built here from the validated values only and passed to Sqoop
# as one --where argument. For a time window the script also adds connectionTimeZone=UTC and
# forceConnectionTimeZoneToSession=true to the JDBC URL (unless the URL sets either already), so the session's
# time_zone is +00:00: TIMESTAMP columns compare in UTC, DATETIME columns are taken to hold UTC.
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
       ${prog//?/ } [--where-column COL [--lower-bound INSTANT] --upper-bound INSTANT
       ${prog//?/ }  | --where-column COL [--above-key N [--up-to-key M]]]
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
      --tools-jar | --split-by | --columns | --region | --where-column | --lower-bound | --upper-bound | \
      --above-key | --up-to-key)
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


# ---------------------------------------------------------------------------------------------------- window
# An ISO-8601 UTC instant (as java.time.Instant prints it) as a DATETIME literal 'YYYY-MM-DD HH:MM:SS[.ffffff]'.
datetime_literal() {
  local name=$1 value=$2
  if [[ ! $value =~ ^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.([0-9]{1,9}))?Z$ ]]; then
    usage_error "option $name must be an ISO-8601 UTC instant (YYYY-MM-DDTHH:MM:SS[.fraction]Z), got '$value'"
  fi
  local year=${BASH_REMATCH[1]} month=${BASH_REMATCH[2]} day=${BASH_REMATCH[3]} hour=${BASH_REMATCH[4]}
  local minute=${BASH_REMATCH[5]} second=${BASH_REMATCH[6]} fraction=${BASH_REMATCH[8]}
  if ((10#$year < 1000 || 10#$month < 1 || 10#$month > 12 || 10#$day < 1 || 10#$day > 31 || 10#$hour > 23 ||
    10#$minute > 59 || 10#$second > 59)); then
    usage_error "option $name is not a valid date and time, got '$value'"
  fi
  if [[ ${#fraction} -gt 6 && ! ${fraction:6} =~ ^0+$ ]]; then
    usage_error "option $name has a fraction finer than microseconds (DATETIME keeps 6 digits), got '$value'"
  fi
  fraction=${fraction:0:6}
  REPLY="'$year-$month-$day $hour:$minute:$second${fraction:+.$fraction}'"
}

# A decimal 64-bit signed integer, checked without bash arithmetic (which wraps silently).
check_key() {
  local name=$1 value=$2 digits=${2#-}
  # shellcheck disable=SC2071 # 19 digits each: comparing as strings compares as numbers, without overflow
  if [[ ! $value =~ ^(0|-?[1-9][0-9]{0,18})$ ]] ||
    [[ ${#digits} -eq 19 && $value != -* && $digits > 9223372036854775807 ]] ||
    [[ ${#digits} -eq 19 && $value == -* && $digits > 9223372036854775808 ]]; then
    usage_error "option $name must be a 64-bit integer, got '$value'"
  fi
}

where=
time_window=
if [[ -n ${opt[--where-column]+set} ]]; then
  where_column=${opt[--where-column]}
  if [[ ! $where_column =~ ^[A-Za-z_][A-Za-z0-9_]{0,63}$ ]]; then
    usage_error "option --where-column must be a column name ([A-Za-z_][A-Za-z0-9_]{0,63}), got '$where_column'"
  fi
  if [[ ( -n ${opt[--lower-bound]+set} || -n ${opt[--upper-bound]+set} ) &&
    ( -n ${opt[--above-key]+set} || -n ${opt[--up-to-key]+set} ) ]]; then
    usage_error "option --lower-bound/--upper-bound (by time) cannot be combined with --above-key/--up-to-key (by key)"
  fi
  quoted="\`$where_column\`"
  if [[ -n ${opt[--lower-bound]+set} || -n ${opt[--upper-bound]+set} ]]; then
    if [[ -z ${opt[--upper-bound]+set} ]]; then
      usage_error "option --lower-bound needs --upper-bound"
    fi
    datetime_literal --upper-bound "${opt[--upper-bound]}"
    where="$quoted < $REPLY"
    if [[ -n ${opt[--lower-bound]+set} ]]; then
      datetime_literal --lower-bound "${opt[--lower-bound]}"
      where="$quoted >= $REPLY AND $where"
    fi
    time_window=1
  elif [[ -n ${opt[--above-key]+set} ]]; then
    check_key --above-key "${opt[--above-key]}"
    where="$quoted > ${opt[--above-key]}"
    if [[ -n ${opt[--up-to-key]+set} ]]; then
      check_key --up-to-key "${opt[--up-to-key]}"
      where="$where AND $quoted <= ${opt[--up-to-key]}"
    fi
  elif [[ -n ${opt[--up-to-key]+set} ]]; then
    usage_error "option --up-to-key needs --above-key"
  fi
else
  for name in --lower-bound --upper-bound --above-key --up-to-key; do
    if [[ -n ${opt[$name]+set} ]]; then
      usage_error "option $name needs --where-column"
    fi
  done
fi
if [[ -n $time_window && ! $jdbc_url =~ [?\&](connectionTimeZone|serverTimezone|forceConnectionTimeZoneToSession)= ]]; then
  if [[ $jdbc_url == *\?* ]]; then
    jdbc_url+="&"
  else
    jdbc_url+="?"
  fi
  jdbc_url+="connectionTimeZone=UTC&forceConnectionTimeZoneToSession=true"
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
if [[ -n $where ]]; then
  sqoop_args+=(--where "$where")
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
