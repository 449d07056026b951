# import-step.sh: what the import steps (sqoop-import.sh, spark-jdbc-import.sh) share: their option rules, the node's
# commands, the private work directory and its traps, the password's way from SSM or Secrets Manager into a Hadoop
# credential store, the source's TLS options, and running the importer. Not a step itself, and not published: the
# launcher's build (functions/launcher/pom.xml) writes this file in place of the line that sources it in each step
# script, so every published step script is one self-contained file (script-runner.jar fetches only the script its
# step names). From a checkout, a step script sources it from beside itself.
#
# Options. Each option and each value is its own argument; "--opt=value" is not accepted. Every option takes one value
# and is given at most once. A value may not be empty, and may not start with "--" (a forgotten value would take the
# next option's name). The options both steps take follow the same rules in both:
#   --jdbc-url                   jdbc:mysql://host[:port]/db[?options] without whitespace (MySQL, MariaDB and Aurora
#                                MySQL all use it), without TLS options: --tls-mode decides TLS. Optional with
#                                --password-secret: then built from the secret's host, port (default 3306) and dbname
#   --username, --table          identifiers, [A-Za-z_][A-Za-z0-9_]{0,63}, as the job definition's schema has them
#                                (spark-jdbc-import.sh takes its tables after "--", for the Spark job to check);
#                                --username is optional with --password-secret: then the secret's username
#   --password-parameter         an SSM SecureString's name, /path/name; or
#   --password-secret            a Secrets Manager secret's name or ARN (a JSON object), with
#   --password-key               the key of the password in it (default password)
#   --tls-mode                   verify-identity | verify-ca | required | disabled (Connector/J's sslMode); the two
#                                that verify use the trust store install-trust-store.sh built on every node
#   --split-by, --where-column   identifiers
#   --columns                    a comma-separated list without whitespace
#   the jar option               the S3 URI of a jar, s3://bucket/key.jar
#   the count option             a positive integer, 1-9999
#   the window                   --where-column COL ([--lower-bound INSTANT] --upper-bound INSTANT
#                                                   | [--above-key N [--up-to-key M]]): instants ISO-8601 UTC
#                                (2026-11-25T02:00:00Z, optionally with a fraction no finer than microseconds, a valid
#                                date and time), keys 64-bit integers, by time and by key not combined
# Invalid arguments exit 2 with a message that names the option, followed by the usage.
#
# The password is read from the SSM SecureString named by --password-parameter, or the Secrets Manager secret named by
# --password-secret, with the cluster's own role and piped straight into dev.emringest.credentials.StoreCredential (in
# the step's jar, the job's spark-job.jar), which writes it into a Hadoop credential store (jceks) in a private
# directory (0700, store 0600); from a secret it also writes the connection fields the secret holds (username, host,
# port, dbname: none of them secret) for this script to take the ones the options leave out. The importer gets only the
# store's path and the alias. Or, for an importer that reads it itself (spark-jdbc-import.sh, when the options give the
# URL and user), the pipe is the importer's standard input (await_secret, run_import). Either way the secret is never
# in a shell variable, a command line, step arguments or output. The
# password is read once per step: a rotation during the step reaches only connections opened after it by a process
# that read it later. The directory is removed on every exit; HUP, INT and TERM stop the importer first.
#
# Environment (for local tests; EMR sets none of these):
#   EMR_INGEST_HADOOP   hadoop launcher, split on whitespace, run as "<cmd> CLASS ARGS" with HADOOP_CLASSPATH set
#                       (default "hadoop")
#   EMR_INGEST_AWS      AWS CLI command, split on whitespace (default "aws"); used for "ssm get-parameter",
#                       "secretsmanager get-secret-value" and "s3 cp"
#   EMR_INGEST_LIB_DIR  directory holding mysql-connector-j.jar (default /opt/emr-ingest/lib)
#   EMR_INGEST_TLS_DIR  directory holding truststore.p12 (default /opt/emr-ingest/tls)
#   TMPDIR              where the private work directory is created (default /tmp)
#
# The step script sets, before this file: `synopsis` (its options, one usage line each), `options` (every option it
# takes) and `required` (those it needs). EMR 7 (Amazon Linux 2023) runs this with bash 5.2; it keeps to bash 4.4
# (waiting for a process substitution's $!), with empty arrays expanded as ${a[@]+"${a[@]}"}.

readonly prog=${0##*/}
readonly identifier='^[A-Za-z_][A-Za-z0-9_]{0,63}$'
# Not a secret: a trust store holds public certificates (install-trust-store.sh sets it).
readonly trust_store_password=emr-ingest-truststore
declare -A opt=()
work_dir=
child_pid=
secret_pipe=

usage() {
  local line lead="usage: $prog"
  while IFS= read -r line; do
    printf '%s %s\n' "$lead" "$line" >&2
    lead="       ${prog//?/ }"
  done <<<"$synopsis"
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

# Whether $1 is one of the other arguments.
is_one_of() {
  local item=$1 each
  shift
  for each in "$@"; do
    if [[ $each == "$item" ]]; then
      return 0
    fi
  done
  return 1
}

# ---------------------------------------------------------------------------------------------------- arguments
# The arguments into opt[--name]=value, or exit 2 (exit 0 after the usage for -h/--help).
parse_options() {
  local name value
  while [[ $# -gt 0 ]]; do
    name=$1
    if [[ $name == -h || $name == --help ]]; then
      usage
      exit 0
    fi
    if ! is_one_of "$name" "${options[@]}"; then
      usage_error "unknown option '$name'"
    fi
    if [[ $# -lt 2 || -z $2 ]]; then
      usage_error "option $name requires a value"
    fi
    value=$2
    if [[ $value == --* ]]; then
      usage_error "option $name requires a value, got '$value' (a value may not start with '--')"
    fi
    if [[ -n ${opt[$name]+set} ]]; then
      usage_error "option $name given more than once"
    fi
    opt[$name]=$value
    shift 2
  done
  for name in "${required[@]}"; do
    if [[ -z ${opt[$name]+set} ]]; then
      usage_error "missing required option $name"
    fi
  done
}

# Option $1, if given, must be an identifier; $2 says what it names ("a column name").
check_identifier() {
  local name=$1 what=$2
  if [[ -n ${opt[$name]+set} && ! ${opt[$name]} =~ $identifier ]]; then
    usage_error "option $name must be $what ([A-Za-z_][A-Za-z0-9_]{0,63}), got '${opt[$name]}'"
  fi
}

# The options both steps take, checked (the window by check_window); the source's in jdbc_url and username (empty
# when the secret is to give them), password_parameter or password_secret and password_key, tls_mode and table.
check_shared_options() {
  jdbc_url=${opt[--jdbc-url]-}
  username=${opt[--username]-}
  password_parameter=${opt[--password-parameter]-}
  password_secret=${opt[--password-secret]-}
  password_key=${opt[--password-key]-password}
  tls_mode=${opt[--tls-mode]}
  table=${opt[--table]-}
  if [[ -n $password_parameter && -n $password_secret ]]; then
    usage_error "options --password-parameter and --password-secret cannot be combined"
  elif [[ -n $password_parameter ]]; then
    if [[ ! $password_parameter =~ ^/[A-Za-z0-9_./-]+$ ]]; then
      usage_error "option --password-parameter must be an SSM parameter name (/path/name), got '$password_parameter'"
    fi
    if [[ -n ${opt[--password-key]+set} ]]; then
      usage_error "option --password-key needs --password-secret"
    fi
    if [[ -z $jdbc_url || -z $username ]]; then
      usage_error "options --jdbc-url and --username are required with --password-parameter"
    fi
  elif [[ -n $password_secret ]]; then
    if [[ ! $password_secret =~ ^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:)?[A-Za-z0-9/_+=.@!-]{1,512}$ ]]; then
      usage_error "option --password-secret must be a Secrets Manager secret's name or ARN, got '$password_secret'"
    fi
    if [[ ! $password_key =~ ^[A-Za-z0-9_.-]{1,64}$ ]]; then
      usage_error "option --password-key must be a JSON key ([A-Za-z0-9_.-]{1,64}), got '$password_key'"
    fi
  else
    usage_error "one of --password-parameter and --password-secret is required"
  fi
  if [[ -n $jdbc_url ]]; then
    check_jdbc_url "option --jdbc-url" "$jdbc_url"
  fi
  check_identifier --username "a database user name"
  check_identifier --table "a table name"
  case $tls_mode in
    verify-identity | verify-ca | required | disabled) ;;
    *) usage_error "option --tls-mode must be verify-identity, verify-ca, required or disabled, got '$tls_mode'" ;;
  esac
  check_identifier --split-by "one column name"
  check_lists --columns
  check_window
}

# A JDBC URL ($2, from option or field $1): jdbc:mysql://, no whitespace, and no TLS option of its own.
check_jdbc_url() {
  local name=$1 url=$2
  if [[ $url != jdbc:mysql://?* || $url =~ [[:space:]] ]]; then
    usage_error "$name must be a jdbc:mysql:// URL (MySQL, MariaDB and Aurora MySQL all use it), got '$url'"
  fi
  local lower=${url,,}
  if [[ $lower =~ [?\&]([a-z]*(ssl|tls|keystore|verifyservercertificate)[a-z]*)= ]]; then
    usage_error "$name sets TLS option '${BASH_REMATCH[1]}': --tls-mode decides TLS"
  fi
}

# Option $1 (required) must name a jar in S3.
check_jar() {
  if [[ ${opt[$1]} != s3://?*/?*.jar ]]; then
    usage_error "option $1 must be the S3 URI of a jar (s3://bucket/key.jar), got '${opt[$1]}'"
  fi
}

# Option $1, if given, must be a positive integer up to 9999.
check_count() {
  if [[ -n ${opt[$1]+set} && ! ${opt[$1]} =~ ^[1-9][0-9]{0,3}$ ]]; then
    usage_error "option $1 must be a positive integer (1-9999), got '${opt[$1]}'"
  fi
}

# Each named option, if given, must be a comma-separated list without whitespace.
check_lists() {
  local name
  for name in "$@"; do
    if [[ -n ${opt[$name]+set} && ${opt[$name]} =~ [[:space:]] ]]; then
      usage_error "option $name must be a comma-separated list without spaces, got '${opt[$name]}'"
    fi
  done
}

# ---------------------------------------------------------------------------------------------------- window
# An ISO-8601 UTC instant (as java.time.Instant prints it) as a DATETIME literal 'YYYY-MM-DD HH:MM:SS[.ffffff]', in
# REPLY.
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

# The run window's options, checked. A window by time sets lower_literal (unless open) and upper_literal, the bounds
# as DATETIME literals; a window by key leaves both empty.
check_window() {
  local name
  lower_literal=
  upper_literal=
  if [[ -z ${opt[--where-column]+set} ]]; then
    for name in --lower-bound --upper-bound --above-key --up-to-key; do
      if [[ -n ${opt[$name]+set} ]]; then
        usage_error "option $name needs --where-column"
      fi
    done
    return 0
  fi
  check_identifier --where-column "a column name"
  if [[ ( -n ${opt[--lower-bound]+set} || -n ${opt[--upper-bound]+set} ) &&
    ( -n ${opt[--above-key]+set} || -n ${opt[--up-to-key]+set} ) ]]; then
    usage_error "option --lower-bound/--upper-bound (by time) cannot be combined with --above-key/--up-to-key (by key)"
  fi
  if [[ -n ${opt[--lower-bound]+set} && -z ${opt[--upper-bound]+set} ]]; then
    usage_error "option --lower-bound needs --upper-bound"
  fi
  if [[ -n ${opt[--up-to-key]+set} && -z ${opt[--above-key]+set} ]]; then
    usage_error "option --up-to-key needs --above-key"
  fi
  if [[ -n ${opt[--upper-bound]+set} ]]; then
    datetime_literal --upper-bound "${opt[--upper-bound]}"
    upper_literal=$REPLY
  fi
  if [[ -n ${opt[--lower-bound]+set} ]]; then
    datetime_literal --lower-bound "${opt[--lower-bound]}"
    lower_literal=$REPLY
  fi
  for name in --above-key --up-to-key; do
    if [[ -n ${opt[$name]+set} ]]; then
      check_key "$name" "${opt[$name]}"
    fi
  done
}

# ---------------------------------------------------------------------------------------------------- environment
# The command in environment variable $2 (default $3), split on whitespace, into array $1.
command_from_env() {
  local value=${!2:-$3}
  if [[ $value != *[![:space:]]* ]]; then
    die "$2 is set but empty"
  fi
  read -r -a "$1" <<<"$value"
}

# The node: hadoop_cmd, aws_cmd, the MySQL driver the bootstrap action installed (driver_jar) and region_args.
prepare_node() {
  command_from_env hadoop_cmd EMR_INGEST_HADOOP hadoop
  command_from_env aws_cmd EMR_INGEST_AWS aws
  driver_jar=${EMR_INGEST_LIB_DIR:-/opt/emr-ingest/lib}/mysql-connector-j.jar
  if [[ ! -r $driver_jar ]]; then
    die "MySQL driver $driver_jar not found: did the bootstrap action install-mysql-driver.sh run?"
  fi
  region_args=()
  if [[ -n ${opt[--region]+set} ]]; then
    region_args=(--region "${opt[--region]}")
  fi
}

# ---------------------------------------------------------------------------------------------------- private work dir
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

# The private work dir emr-ingest-$1.XXXXXXXX (work_dir), with the jar of option $2 copied into it as $3 (jar). The
# secret's read starts first, while the jar is copied: the AWS CLI (read_pid) writes it into a pipe, which the file
# descriptor secret_pipe reads. Until a process reads it there, the secret waits in the pipe, not on disk; it is in no
# shell variable, no process's argv and no output.
start_secret_read() {
  local kind=$1 jar_uri=${opt[$2]} jar_name=$3 read_args
  trap cleanup EXIT
  trap 'on_signal 129' HUP
  trap 'on_signal 130' INT
  trap 'on_signal 143' TERM
  umask 077
  work_dir=$(mktemp -d "${TMPDIR:-/tmp}/emr-ingest-$kind.XXXXXXXX") || die "could not create a private work directory"
  chmod 0700 "$work_dir"
  jar=$work_dir/$jar_name
  if [[ -n $password_parameter ]]; then
    read_args=(ssm get-parameter --name "$password_parameter" --with-decryption --query Parameter.Value --output text)
  else
    read_args=(secretsmanager get-secret-value --secret-id "$password_secret" --query SecretString --output text)
  fi
  exec {secret_pipe}< <("${aws_cmd[@]}" "${read_args[@]}" ${region_args[@]+"${region_args[@]}"})
  read_pid=$!

  if ! "${aws_cmd[@]}" s3 cp --only-show-errors "$jar_uri" "$jar" ${region_args[@]+"${region_args[@]}"} >&2; then
    exec {secret_pipe}<&-
    die "could not copy $jar_uri (does the cluster's instance role allow s3:GetObject on the assets?)"
  fi
}

# The step's end when the secret could not be $1 (read or store).
secret_failed() {
  local verb=$1
  if [[ -n $password_parameter ]]; then
    die "could not $verb the password from SSM parameter $password_parameter for table $table (does the cluster's instance role allow ssm:GetParameter and kms:Decrypt on it?)"
  fi
  die "could not $verb the password from secret $password_secret for table $table (is it under the stack's SourceSecretPrefixes, so the cluster's instance role may read it, and does it hold key '$password_key'?)"
}

# The secret from the pipe into a Hadoop credential store in the work dir (StoreCredential, from the jar): the store's
# URI in provider, its alias in alias. Then the source's connection (resolve_source), with what the secret gave.
store_password() {
  local store_args=() fields=$work_dir/source.fields read_status=0 store_status=0
  store=$work_dir/creds.jceks
  provider="jceks://file$store"
  alias=emr-ingest.jdbc.password
  if [[ -n $password_secret ]]; then
    store_args=(--json-key "$password_key" --fields "$fields")
  fi
  HADOOP_CLASSPATH="$jar" "${hadoop_cmd[@]}" dev.emringest.credentials.StoreCredential "$provider" "$alias" \
    ${store_args[@]+"${store_args[@]}"} <&"$secret_pipe" >&2 || store_status=$?
  exec {secret_pipe}<&-
  secret_pipe=
  wait "$read_pid" || read_status=$?
  if [[ $read_status -ne 0 ]]; then
    secret_failed read
  elif [[ $store_status -ne 0 ]]; then
    secret_failed store
  fi
  [[ -s $store ]] || die "credential store $store was not written"
  chmod 0600 "$store"
  resolve_source "$fields"
}

# For an importer that takes the secret on its standard input (run_import gives it the pipe): waits for the AWS CLI to
# end, so a secret that cannot be read fails the step before the importer starts. The secret waits in the pipe
# meanwhile; one larger than the pipe (64 KiB) would keep the CLI from ending, so the wait has a deadline.
await_secret() {
  local read_status=0 deadline=$((SECONDS + 300))
  while kill -0 "$read_pid" 2>/dev/null; do
    if ((SECONDS > deadline)); then
      kill -TERM "$read_pid" 2>/dev/null || true
      die "the read of the password did not end within 300 s (a secret larger than 64 KiB does not fit the pipe it waits in)"
    fi
    sleep 0.02
  done
  wait "$read_pid" || read_status=$?
  if [[ $read_status -ne 0 ]]; then
    secret_failed read
  fi
  resolve_source /dev/null
}

# The connection: what the options left out (jdbc_url, username) from the secret's fields file $1, checked as the
# options are; then the TLS options --tls-mode gives, added to jdbc_url.
resolve_source() {
  local fields=$1 key value secret_username= host= port=3306 dbname=
  if [[ -n $password_secret ]]; then
    while IFS='=' read -r key value; do
      case $key in
        username) secret_username=$value ;;
        host) host=$value ;;
        port) port=$value ;;
        dbname) dbname=$value ;;
      esac
    done <"$fields"
  fi
  if [[ -z $username ]]; then
    if [[ ! $secret_username =~ $identifier ]]; then
      die "no --username, and secret $password_secret holds no 'username' that is a database user name ([A-Za-z_][A-Za-z0-9_]{0,63})"
    fi
    username=$secret_username
  fi
  if [[ -z $jdbc_url ]]; then
    if [[ ! $host =~ ^[A-Za-z0-9._-]+$ || ! $port =~ ^[0-9]{1,5}$ || ! $dbname =~ ^[A-Za-z0-9_\$]+$ ]]; then
      die "no --jdbc-url, and secret $password_secret does not hold 'host', 'dbname' (and optionally 'port') of a MySQL server"
    fi
    jdbc_url="jdbc:mysql://$host:$port/$dbname"
  fi
  add_tls_options
}

# Connector/J's TLS options for --tls-mode, appended to jdbc_url: the only place they are set. The modes that verify
# trust the store the bootstrap action install-trust-store.sh built on every node (mappers and executors connect
# from the core nodes too).
add_tls_options() {
  local tls_options
  case $tls_mode in
    verify-identity | verify-ca)
      local trust_store=${EMR_INGEST_TLS_DIR:-/opt/emr-ingest/tls}/truststore.p12
      if [[ ! -r $trust_store ]]; then
        die "trust store $trust_store not found: did the bootstrap action install-trust-store.sh run?"
      fi
      local ssl_mode=${tls_mode^^}
      tls_options="sslMode=${ssl_mode//-/_}&trustCertificateKeyStoreUrl=file:$trust_store"
      tls_options+="&trustCertificateKeyStoreType=PKCS12&trustCertificateKeyStorePassword=$trust_store_password"
      ;;
    required) tls_options=sslMode=REQUIRED ;;
    disabled) tls_options=sslMode=DISABLED ;;
  esac
  if [[ $jdbc_url == *\?* ]]; then
    jdbc_url+="&$tls_options"
  else
    jdbc_url+="?$tls_options"
  fi
}

# ---------------------------------------------------------------------------------------------------- import
# Runs the importer (the arguments after $1 and $2) and exits with its status, naming $1 ("sqoop import") as what
# failed, or says the table is in $2. It runs in the background and is waited for, so a signal (step cancelled) is
# handled at once and the store removed.
run_import() {
  local what=$1 destination=$2 status=0
  shift 2
  printf '%s: running:' "$prog"
  printf ' %q' "$@"
  printf '\n'
  if [[ -n ${secret_pipe-} ]]; then
    "$@" <&"$secret_pipe" &
    child_pid=$!
    exec {secret_pipe}<&-
    secret_pipe=
  else
    "$@" </dev/null &
    child_pid=$!
  fi
  wait "$child_pid" || status=$?
  child_pid=
  if [[ $status -ne 0 ]]; then
    printf '%s: %s of table %s failed with exit status %d\n' "$prog" "$what" "$table" "$status" >&2
    exit "$status"
  fi
  printf '%s: imported table %s into %s\n' "$prog" "$table" "$destination"
}

# ------------------------------------------------------------------------------------------- end of import-step.sh
