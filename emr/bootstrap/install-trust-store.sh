#!/usr/bin/env bash
# EMR bootstrap action: install the trust store for verified TLS to the source database on every node.
#
#   install-trust-store.sh s3://bucket/path/ca-bundle.pem
#
# Copies a PEM bundle of CA certificates (by default the Amazon RDS global bundle, emr/bootstrap/rds-global-bundle.pem)
# and builds a PKCS12 trust store from it at a fixed path, /opt/emr-ingest/tls/truststore.p12, which the step scripts
# name in the JDBC URL (sslMode=VERIFY_IDENTITY&trustCertificateKeyStoreUrl=file:/opt/emr-ingest/tls/truststore.p12
# &trustCertificateKeyStoreType=PKCS12&trustCertificateKeyStorePassword=emr-ingest-truststore). The action runs on
# every node, before EMR installs its applications.
#
# The store's password is the fixed string "emr-ingest-truststore". It protects nothing secret: a trust store holds
# only public CA certificates (the store is mode 0644), and keytool merely requires one (it keys the file's integrity
# check). It is not the database's password, and no secret may ever be put in this store: a PEM holding a private key
# is refused.
#
# Each certificate becomes its own entry (alias ca-1, ca-2, ... in the bundle's order): keytool reads only the first
# certificate of a file, so the bundle is split first. Expired certificates are imported as the bundle has them (the
# RDS bundle still lists CAs that have expired). The store is built in a private temporary directory and installed
# atomically (mode 0644, directory 0755): a failure never leaves a broken file at the fixed path. Every failure exits 1
# with a message on stderr naming what failed.
#
# Environment (for local tests; EMR sets none of these):
#   EMR_INGEST_TLS_DIR   destination directory (default /opt/emr-ingest/tls)
#   EMR_INGEST_S3_CP     copy command, split on whitespace, called as "<cmd> SRC DEST" (default "aws s3 cp")
#   EMR_INGEST_KEYTOOL   keytool to use, a path or a command name (default: keytool on PATH, else
#                        $JAVA_HOME/bin/keytool, else the first /usr/lib/jvm/*/bin/keytool)
#   TMPDIR               where the private work directory is created (default /tmp)
#
# Bash 4.2 (EMR 6 on Amazon Linux 2) runs this.
set -euo pipefail

readonly prog=${0##*/}
readonly store_name=truststore.p12
# Not a secret: see above.
readonly store_password=emr-ingest-truststore

die() {
  printf '%s: %s\n' "$prog" "$*" >&2
  exit 1
}

if [[ $# -lt 1 || -z $1 ]]; then
  die "missing argument 1: the S3 URI of the PEM CA bundle (usage: $prog s3://bucket/key.pem)"
fi
if [[ $# -gt 1 ]]; then
  die "expected exactly one argument (the S3 URI of the PEM CA bundle), got $#"
fi
src=$1
if [[ $src != s3://?*/?* ]]; then
  die "argument 1 must be an S3 URI of the form s3://bucket/key, got '$src'"
fi

tls_dir=${EMR_INGEST_TLS_DIR:-/opt/emr-ingest/tls}
dest=$tls_dir/$store_name
read -r -a s3_cp <<<"${EMR_INGEST_S3_CP:-aws s3 cp}"
if [[ ${#s3_cp[@]} -eq 0 ]]; then
  die "EMR_INGEST_S3_CP is set but empty"
fi

# keytool: EMR_INGEST_KEYTOOL, else on PATH, else the JDK's or JRE's under JAVA_HOME or /usr/lib/jvm.
keytool=
if [[ -n ${EMR_INGEST_KEYTOOL+set} ]]; then
  if [[ -z $EMR_INGEST_KEYTOOL ]]; then
    die "EMR_INGEST_KEYTOOL is set but empty"
  fi
  keytool=$(command -v -- "$EMR_INGEST_KEYTOOL") || true
  if [[ -z $keytool || ! -x $keytool ]]; then
    die "EMR_INGEST_KEYTOOL '$EMR_INGEST_KEYTOOL' is not an executable command"
  fi
elif keytool=$(command -v keytool); then
  :
elif [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/keytool ]]; then
  keytool=$JAVA_HOME/bin/keytool
else
  keytool=
  for candidate in /usr/lib/jvm/*/bin/keytool; do
    if [[ -x $candidate ]]; then
      keytool=$candidate
      break
    fi
  done
  if [[ -z $keytool ]]; then
    die "no keytool found (not on PATH, not in \$JAVA_HOME/bin with JAVA_HOME='${JAVA_HOME:-}', none in /usr/lib/jvm/*/bin); install a Java runtime on the node or set EMR_INGEST_KEYTOOL"
  fi
fi

# Root privileges only where needed: not when already root, nor when the destination is (or can be made) ours.
use_sudo=false
if [[ $EUID -ne 0 ]]; then
  mkdir -p -- "$tls_dir" 2>/dev/null || true
  if [[ ! -d $tls_dir || ! -w $tls_dir ]]; then
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

# Everything is built in a private temporary directory first, then installed atomically with the right mode.
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/emr-ingest-bootstrap.XXXXXX")
trap 'rm -rf -- "$work_dir"' EXIT
download=$work_dir/ca-bundle.pem
certs_dir=$work_dir/certs
store=$work_dir/$store_name
mkdir -- "$certs_dir"

echo "$prog: copying $src"
if ! "${s3_cp[@]}" "$src" "$download"; then
  die "could not copy $src (command: ${s3_cp[*]}); check the URI and that the cluster's instance role may read it"
fi
if [[ ! -s $download ]]; then
  die "copy of $src produced no file or an empty file"
fi
# The key itself is never printed.
if grep -q -a -e 'PRIVATE KEY' -- "$download"; then
  die "$src holds a private key (a PEM block or line with \"PRIVATE KEY\"): refusing it; a trust store takes CA certificates only, so check the URI names the CA bundle (and remove the key from S3 if it got there by mistake)"
fi
if ! grep -q -a -e '^-----BEGIN CERTIFICATE-----' -- "$download"; then
  die "$src is not a PEM CA bundle: no line '-----BEGIN CERTIFICATE-----'"
fi

# One file per certificate, ca-<n>.pem; text outside the BEGIN/END blocks is skipped, any other PEM block refused.
count=0
cert=
line_no=0
while IFS= read -r line || [[ -n $line ]]; do
  line_no=$((line_no + 1))
  line=${line%$'\r'}
  case $line in
    '-----BEGIN CERTIFICATE-----')
      if [[ -n $cert ]]; then
        die "$src line $line_no: a BEGIN CERTIFICATE line inside certificate $count (its END line is missing)"
      fi
      count=$((count + 1))
      cert=$certs_dir/ca-$count.pem
      printf '%s\n' "$line" >"$cert"
      ;;
    '-----END CERTIFICATE-----')
      if [[ -z $cert ]]; then
        die "$src line $line_no: an END CERTIFICATE line without its BEGIN line"
      fi
      printf '%s\n' "$line" >>"$cert"
      cert=
      ;;
    -----BEGIN* | -----END*)
      die "$src line $line_no: a PEM block other than a certificate ('$line'); a CA bundle holds certificates only"
      ;;
    *)
      if [[ -n $cert ]]; then
        printf '%s\n' "$line" >>"$cert"
      fi
      ;;
  esac
done <"$download"
if [[ -n $cert ]]; then
  die "$src ends inside certificate $count (no END CERTIFICATE line): is the file truncated?"
fi
if [[ $count -eq 0 ]]; then
  die "$src holds no certificate (no line that is exactly '-----BEGIN CERTIFICATE-----')"
fi

# One keytool run per certificate, each a short JVM (C1 only, serial GC, no perf data file). The certificates are
# stored unencrypted (keystore.pkcs12.certProtectionAlgorithm=NONE): they are public, and encrypting them under a
# published password only costs a PBKDF2 derivation at every load and every store (each of these runs, and each time
# a JDBC driver loads the store); the store's integrity MAC stays as keytool makes it. keytool's "Certificate was added" lines are
# dropped and any warning is summarised below (JDK 17 and 25 print none for an expired CA); an error fails the action
# with keytool's message.
certificates=certificates
if [[ $count -eq 1 ]]; then
  certificates=certificate
fi
echo "$prog: importing $count $certificates with $keytool"
keytool_jvm=(-J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
  -J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE)
warnings=$work_dir/keytool-warnings
: >"$warnings"
for ((n = 1; n <= count; n++)); do
  if ! output=$("$keytool" "${keytool_jvm[@]}" -importcert -noprompt -trustcacerts -storetype PKCS12 \
    -keystore "$store" -storepass "$store_password" -alias "ca-$n" -file "$certs_dir/ca-$n.pem" \
    </dev/null 2>&1); then
    die "keytool could not import certificate $n of $src (alias ca-$n): ${output//$'\n'/ }"
  fi
  printf '%s\n' "$output" | grep -v -e '^Certificate was added to keystore$' -e '^Warning:$' -e '^[[:space:]]*$' \
    >>"$warnings" || true
done
if [[ ! -s $store ]]; then
  die "keytool wrote no trust store at $store"
fi
if [[ -s $warnings ]]; then
  echo "$prog: keytool's warnings (the certificates were imported all the same), with how often each came:"
  sort "$warnings" | uniq -c | sort -rn
fi

as_root install -d -m 0755 "$tls_dir" || die "could not create $tls_dir"
if ! as_root install -m 0644 "$store" "$dest.tmp"; then
  as_root rm -f -- "$dest.tmp" || true
  die "could not write $dest.tmp"
fi
as_root mv -f -- "$dest.tmp" "$dest" || die "could not move the trust store into place at $dest"
echo "$prog: installed $count $certificates from $src into $dest (PKCS12)"
