#!/usr/bin/env bash
# EMR step (run through script-runner.jar): import one table with Sqoop into a staging directory.
#
#   sqoop-import.sh [--jdbc-url URL] [--username USER]
#                   (--password-parameter SSM_NAME | --password-secret SECRET_ID [--password-key KEY])
#                   --tls-mode MODE --table TABLE
#                   --target-dir DIR --format parquet|avro --num-mappers N --tools-jar S3_URI
#                   [--split-by COL] [--columns a,b,c] [--region REGION]
#                   [--where-column COL [--lower-bound INSTANT] --upper-bound INSTANT
#                    | --where-column COL [--above-key N [--up-to-key M]]]
#                   [--primary-key-file URI]
#
# --primary-key-file (an Iceberg target merged by the source's primary key): before the import, the table's primary
# key is read from the database's metadata (dev.emringest.spark.PrimaryKey from the --tools-jar, with the password
# from the credential store) and written there, comma-separated, for the Spark step. A table without one fails here,
# before anything is imported.
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
# The option rules (the source's among them: where the password is, what a secret may give, the TLS mode), the private
# work directory and the password's way into a Hadoop credential store (jceks) are import-step.sh's, shared with
# spark-jdbc-import.sh. The JDBC URL Sqoop gets carries the TLS options; its mappers find the trust store on their own
# nodes. The password is stored with StoreCredential from the --tools-jar
# (the job's spark-job.jar); Sqoop gets only the store's path and --password-alias.
#
# The MySQL Connector/J jar installed by emr/bootstrap/install-mysql-driver.sh is put on HADOOP_CLASSPATH, so Sqoop's
# own MySQL connection manager (chosen for jdbc:mysql: URLs) loads the driver and ships its jar to the mappers.
# --driver is deliberately not passed: it would make Sqoop fall back to its generic JDBC manager.
#
# Exit status: 0 on success, 2 on invalid arguments, the Sqoop exit status (or 1) on any other failure.
#
# Environment (for local tests; EMR sets none of these), besides import-step.sh's:
#   EMR_INGEST_SQOOP       Sqoop command, split on whitespace (default "sqoop")
#   EMR_INGEST_SQOOP_OPTS  extra arguments placed right after "import", split on whitespace (e.g. "-fs file:/// -jt
#                          local --bindir /tmp/classes")
set -euo pipefail

readonly synopsis='[--jdbc-url URL] [--username USER]
(--password-parameter SSM_NAME | --password-secret SECRET_ID [--password-key KEY])
--tls-mode MODE --table TABLE
--target-dir DIR --format parquet|avro --num-mappers N --tools-jar S3_URI
[--split-by COL] [--columns a,b,c] [--region REGION]
[--where-column COL [--lower-bound INSTANT] --upper-bound INSTANT
 | --where-column COL [--above-key N [--up-to-key M]]]
[--primary-key-file URI]'
readonly options=(--jdbc-url --username --password-parameter --password-secret --password-key --tls-mode --table
  --target-dir --format --num-mappers --tools-jar
  --split-by --columns --region --where-column --lower-bound --upper-bound --above-key --up-to-key --primary-key-file)
readonly required=(--tls-mode --table --target-dir --format --num-mappers --tools-jar)

# shellcheck source=import-step.sh
source "$(dirname -- "$0")/import-step.sh"

# ---------------------------------------------------------------------------------------------------- arguments
parse_options "$@"
check_shared_options
check_jar --tools-jar
check_count --num-mappers
target_dir=${opt[--target-dir]}
format=${opt[--format]}
num_mappers=${opt[--num-mappers]}

case $format in
  parquet) format_arg=--as-parquetfile ;;
  avro) format_arg=--as-avrodatafile ;;
  *) usage_error "option --format must be parquet or avro, got '$format'" ;;
esac
# Kite, which writes Sqoop's Parquet output, takes the last path segment as a dataset name and rejects anything but
# letters, digits and '_' ("run-1" fails, "run_1" works). Checked for both formats so one layout serves both.
last_segment=${target_dir%"${target_dir##*[!/]}"}
last_segment=${last_segment##*/}
if [[ ! $last_segment =~ ^[A-Za-z0-9_]+$ ]]; then
  usage_error "option --target-dir: last path segment '$last_segment' of '$target_dir' may contain only letters, digits and '_' (Kite rejects others)"
fi

if [[ -n ${opt[--primary-key-file]+set} && ! ${opt[--primary-key-file]} =~ ^[a-z][a-z0-9+.-]*://[^[:space:]]+$ ]]; then
  usage_error "option --primary-key-file must be a URI (hdfs:///path), got '${opt[--primary-key-file]}'"
fi

# ---------------------------------------------------------------------------------------------------- window
# The predicate, from the values check_window validated: `COL` >= 'lower' AND `COL` < 'upper' by time, `COL` > N
# [AND `COL` <= M] by key.
where=
if [[ -n ${opt[--where-column]+set} ]]; then
  quoted="\`${opt[--where-column]}\`"
  if [[ -n $upper_literal ]]; then
    where="$quoted < $upper_literal"
    if [[ -n $lower_literal ]]; then
      where="$quoted >= $lower_literal AND $where"
    fi
  elif [[ -n ${opt[--above-key]+set} ]]; then
    where="$quoted > ${opt[--above-key]}"
    if [[ -n ${opt[--up-to-key]+set} ]]; then
      where="$where AND $quoted <= ${opt[--up-to-key]}"
    fi
  fi
fi

# ---------------------------------------------------------------------------------------------------- environment
command_from_env sqoop_cmd EMR_INGEST_SQOOP sqoop
read -r -a sqoop_opts <<<"${EMR_INGEST_SQOOP_OPTS:-}"
prepare_node
export HADOOP_CLASSPATH="$driver_jar${HADOOP_CLASSPATH:+:$HADOOP_CLASSPATH}"
start_secret_read sqoop --tools-jar tools.jar
store_password
if [[ -n $upper_literal && ! $jdbc_url =~ [?\&](connectionTimeZone|serverTimezone|forceConnectionTimeZoneToSession)= ]]; then
  jdbc_url+="&connectionTimeZone=UTC&forceConnectionTimeZoneToSession=true"
fi

if [[ -n ${opt[--primary-key-file]+set} ]]; then
  # In the background and waited for, as the import is: a cancelled step stops it and removes the store at once.
  HADOOP_CLASSPATH="$jar:$driver_jar" "${hadoop_cmd[@]}" dev.emringest.spark.PrimaryKey "$jdbc_url" "$username" \
    "$provider" "$alias" "$table" "${opt[--primary-key-file]}" >&2 </dev/null &
  child_pid=$!
  key_status=0
  wait "$child_pid" || key_status=$?
  child_pid=
  if [[ $key_status -ne 0 ]]; then
    die "could not record the primary key of table $table (a merge without target.mergeKey needs one)"
  fi
fi

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
run_import "sqoop import" "$target_dir" "${sqoop_cmd[@]}" "${sqoop_args[@]}"
