#!/usr/bin/env bash
# EMR bootstrap action: install the trust store for verified TLS to the source database on every node.
#
#   install-trust-store.sh s3://bucket/path/ca-bundle.pem s3://bucket/path/spark-job.jar
#
# Copies a PEM bundle of CA certificates (by default the Amazon RDS global bundle, emr/bootstrap/rds-global-bundle.pem)
# and builds a PKCS12 trust store from it at a fixed path, /opt/emr-ingest/tls/truststore.p12, which the step scripts
# name in the JDBC URL (sslMode=VERIFY_IDENTITY&trustCertificateKeyStoreUrl=file:/opt/emr-ingest/tls/truststore.p12
# &trustCertificateKeyStoreType=PKCS12&trustCertificateKeyStorePassword=emr-ingest-truststore). The action runs on
# every node (Sqoop's mappers and Spark's executors connect from the core nodes too), before EMR installs its
# applications.
#
# dev.emringest.credentials.TrustStoreBuilder, from the job's spark-job.jar (argument 2), builds the store in one JVM
# with the JDK alone: each certificate a trusted entry (ca-1, ca-2, ... in the bundle's order, expired ones too), text
# outside the PEM blocks ignored, a private key or any other block refused without being printed. keytool would take
# a JVM per certificate. The store has no MAC and no encrypted entries (a trust store holds public certificates; the
# store is mode 0644): it loads under any password, such as the URL's fixed "emr-ingest-truststore", which is not the
# database's.
#
# The store is built in a private temporary directory and installed atomically (mode 0644, directory 0755;
# node-install.sh): a failure never leaves a broken file at the fixed path. Every failure exits 1 with a message on
# stderr naming what failed.
#
# Environment (for local tests; EMR sets none of these), besides node-install.sh's:
#   EMR_INGEST_TLS_DIR   destination directory (default /opt/emr-ingest/tls)
#   EMR_INGEST_JAVA      java to use, a path or a command name (default: java on PATH, else $JAVA_HOME/bin/java, else
#                        the first /usr/lib/jvm/*/bin/java)
set -euo pipefail

# shellcheck source=node-install.sh
source "$(dirname -- "$0")/node-install.sh"

readonly store_name=truststore.p12

if [[ $# -ne 2 || -z $1 || -z $2 ]]; then
  die "expected 2 arguments, the S3 URIs of the PEM CA bundle and of spark-job.jar (usage: $prog s3://bucket/ca.pem s3://bucket/spark-job.jar)"
fi
src=$1
jar_src=$2
if [[ $src != s3://?*/?* ]]; then
  die "argument 1 must be an S3 URI of the form s3://bucket/key, got '$src'"
fi
if [[ $jar_src != s3://?*/?*.jar ]]; then
  die "argument 2 must be the S3 URI of a jar (s3://bucket/key.jar), got '$jar_src'"
fi
tls_dir=${EMR_INGEST_TLS_DIR:-/opt/emr-ingest/tls}

# java: EMR_INGEST_JAVA, else on PATH, else the JDK's or JRE's under JAVA_HOME or /usr/lib/jvm.
java=
if [[ -n ${EMR_INGEST_JAVA+set} ]]; then
  java=$(command -v -- "$EMR_INGEST_JAVA") || true
  if [[ -z $java || ! -x $java ]]; then
    die "EMR_INGEST_JAVA '$EMR_INGEST_JAVA' is not an executable command"
  fi
elif java=$(command -v java); then
  :
elif [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
  java=$JAVA_HOME/bin/java
else
  for candidate in /usr/lib/jvm/*/bin/java; do
    if [[ -x $candidate ]]; then
      java=$candidate
      break
    fi
  done
  if [[ -z $java ]]; then
    die "no java found (not on PATH, not in \$JAVA_HOME/bin with JAVA_HOME='${JAVA_HOME:-}', none in /usr/lib/jvm/*/bin); install a Java runtime on the node or set EMR_INGEST_JAVA"
  fi
fi

make_work_dir
download=$work_dir/ca-bundle.pem
jar=$work_dir/spark-job.jar
store=$work_dir/$store_name
echo "$prog: copying $src and $jar_src"
copy_from_s3 "$src" "$download"
copy_from_s3 "$jar_src" "$jar"
require_jar "$jar" "$jar_src"

if ! count=$("$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$jar" dev.emringest.credentials.TrustStoreBuilder \
  "$download" "$store" </dev/null 2>"$work_dir/builder.err"); then
  die "could not build a trust store from $src: $(sed 's/^TrustStoreBuilder: //' "$work_dir/builder.err" | tr '\n' ' ')"
fi
if [[ ! -s $store || ! $count =~ ^[1-9][0-9]*$ ]]; then
  die "TrustStoreBuilder wrote no trust store from $src"
fi
certificates=certificates
if [[ $count -eq 1 ]]; then
  certificates=certificate
fi

install_file "$store" "$tls_dir" "$store_name"
echo "$prog: installed $count $certificates from $src into $tls_dir/$store_name (PKCS12)"
