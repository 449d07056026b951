#!/usr/bin/env bash
# EMR bootstrap action: install the MySQL Connector/J jar on every node.
#
#   install-mysql-driver.sh s3://bucket/path/mysql-connector-j-<version>.jar
#
# Bootstrap actions run before EMR installs its applications, so Sqoop's lib directory does not exist yet. The jar
# goes to a fixed path instead, /opt/emr-ingest/lib/mysql-connector-j.jar, which emr/steps/sqoop-import.sh puts on
# HADOOP_CLASSPATH. The action runs on every node (harmless on core and task nodes). Downloaded into a private
# directory first, checked to be a jar, then installed atomically (node-install.sh): a failed or partial download
# never leaves a broken jar at the fixed path.
#
# Environment (for local tests; EMR sets none of these), besides node-install.sh's:
#   EMR_INGEST_LIB_DIR  destination directory (default /opt/emr-ingest/lib)
set -euo pipefail

# shellcheck source=node-install.sh
source "$(dirname -- "$0")/node-install.sh"

readonly jar_name=mysql-connector-j.jar

if [[ $# -lt 1 || -z $1 ]]; then
  die "missing argument 1: the S3 URI of the MySQL Connector/J jar (usage: $prog s3://bucket/key.jar)"
fi
if [[ $# -gt 1 ]]; then
  die "expected exactly one argument (the S3 URI of the MySQL Connector/J jar), got $#"
fi
src=$1
if [[ $src != s3://?*/?* ]]; then
  die "argument 1 must be an S3 URI of the form s3://bucket/key, got '$src'"
fi
lib_dir=${EMR_INGEST_LIB_DIR:-/opt/emr-ingest/lib}

make_work_dir
download=$work_dir/$jar_name
echo "$prog: copying $src to $lib_dir/$jar_name"
copy_from_s3 "$src" "$download"
require_jar "$download" "$src"
install_file "$download" "$lib_dir" "$jar_name"
echo "$prog: installed $lib_dir/$jar_name"
