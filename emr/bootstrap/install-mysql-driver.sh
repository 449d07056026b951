#!/usr/bin/env bash
# EMR bootstrap action: install the MySQL Connector/J jar on every node.
#
#   install-mysql-driver.sh s3://bucket/path/mysql-connector-j-<version>.jar
#
# Bootstrap actions run before EMR installs its applications, so Sqoop's lib directory does not exist yet. The jar
# goes to a fixed path instead, /opt/emr-ingest/lib/mysql-connector-j.jar, which emr/steps/sqoop-import.sh puts on
# HADOOP_CLASSPATH. The action runs on every node (harmless on core and task nodes).
#
# Environment (for local tests; EMR sets none of these):
#   EMR_INGEST_LIB_DIR  destination directory (default /opt/emr-ingest/lib)
#   EMR_INGEST_S3_CP    copy command, split on whitespace, called as "<cmd> SRC DEST" (default "aws s3 cp")
set -euo pipefail

readonly prog=${0##*/}
readonly jar_name=mysql-connector-j.jar

die() {
  printf '%s: %s\n' "$prog" "$*" >&2
  exit 1
}

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
dest=$lib_dir/$jar_name
read -r -a s3_cp <<<"${EMR_INGEST_S3_CP:-aws s3 cp}"
if [[ ${#s3_cp[@]} -eq 0 ]]; then
  die "EMR_INGEST_S3_CP is set but empty"
fi

# Root privileges only where needed: not when already root, nor when the destination is (or can be made) ours.
use_sudo=false
if [[ $EUID -ne 0 ]]; then
  mkdir -p -- "$lib_dir" 2>/dev/null || true
  if [[ ! -d $lib_dir || ! -w $lib_dir ]]; then
    use_sudo=true
  fi
fi
as_root() {
  if [[ $use_sudo == true ]]; then
    sudo "$@"
  else
    "$@"
  fi
}

# Download into a private temporary directory first, then install atomically with the right mode: a failed or
# partial download never leaves a broken jar at the fixed path.
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/emr-ingest-bootstrap.XXXXXX")
trap 'rm -rf -- "$work_dir"' EXIT
download=$work_dir/$jar_name

echo "$prog: copying $src to $dest"
if ! "${s3_cp[@]}" "$src" "$download"; then
  die "could not copy $src (command: ${s3_cp[*]}); check the URI and that the cluster's instance role may read it"
fi
if [[ ! -s $download ]]; then
  die "copy of $src produced no file or an empty file"
fi
if [[ $(head -c 2 "$download") != PK ]]; then
  die "$src is not a jar (no zip header)"
fi

as_root install -d -m 0755 "$lib_dir" || die "could not create $lib_dir"
as_root install -m 0644 "$download" "$dest.tmp" || die "could not write $dest.tmp"
as_root mv -f "$dest.tmp" "$dest" || die "could not move the jar into place at $dest"
echo "$prog: installed $dest"
