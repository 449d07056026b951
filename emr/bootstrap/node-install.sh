# node-install.sh: what the bootstrap actions (install-mysql-driver.sh, install-trust-store.sh) share: their messages,
# the S3 copy command, a private work directory, and installing a file at a fixed path on the node, atomically and
# with root privileges only where needed. Not an action itself, and not published: the launcher's build
# (functions/launcher/pom.xml) writes this file in place of the line that sources it in each bootstrap script, as it
# does with emr/steps/import-step.sh, because EMR fetches only the script an action names.
#
# Environment (for local tests; EMR sets none of these):
#   EMR_INGEST_S3_CP  copy command, split on whitespace, called as "<cmd> SRC DEST" (default "aws s3 cp")
#   TMPDIR            where the private work directory is created (default /tmp)
#
# Bash 4.2 (EMR 6 on Amazon Linux 2) runs this.

readonly prog=${0##*/}

die() {
  printf '%s: %s\n' "$prog" "$*" >&2
  exit 1
}

read -r -a s3_cp <<<"${EMR_INGEST_S3_CP:-aws s3 cp}"
if [[ ${#s3_cp[@]} -eq 0 ]]; then
  die "EMR_INGEST_S3_CP is set but empty"
fi

# The private work directory (work_dir), removed on exit: downloads and builds happen there, never at the fixed path.
make_work_dir() {
  work_dir=$(mktemp -d "${TMPDIR:-/tmp}/emr-ingest-bootstrap.XXXXXX")
  trap 'rm -rf -- "$work_dir"' EXIT
}

# Copies S3 object $1 to file $2, or exits naming it; an empty copy is a failure too.
copy_from_s3() {
  local src=$1 dest=$2
  if ! "${s3_cp[@]}" "$src" "$dest"; then
    die "could not copy $src (command: ${s3_cp[*]}); check the URI and that the cluster's instance role may read it"
  fi
  if [[ ! -s $dest ]]; then
    die "copy of $src produced no file or an empty file"
  fi
}

# File $1 must be a jar (from S3 object $2).
require_jar() {
  if [[ $(head -c 2 "$1") != PK ]]; then
    die "$2 is not a jar (no zip header)"
  fi
}

# Installs file $1 as $2/$3 (directory 0755, file 0644), through a temporary name and a rename, so the fixed path
# never holds a partial file; through sudo unless already root or the directory is (or can be made) ours.
install_file() {
  local file=$1 dir=$2 name=$3 sudo=()
  if [[ $EUID -ne 0 ]]; then
    mkdir -p -- "$dir" 2>/dev/null || true
    if [[ ! -d $dir || ! -w $dir ]]; then
      sudo=(sudo)
    fi
  fi
  ${sudo[@]+"${sudo[@]}"} install -d -m 0755 "$dir" || die "could not create $dir"
  if ! ${sudo[@]+"${sudo[@]}"} install -m 0644 "$file" "$dir/$name.tmp"; then
    ${sudo[@]+"${sudo[@]}"} rm -f -- "$dir/$name.tmp" || true
    die "could not write $dir/$name.tmp"
  fi
  ${sudo[@]+"${sudo[@]}"} mv -f -- "$dir/$name.tmp" "$dir/$name" || die "could not move $name into place at $dir/$name"
}

# ------------------------------------------------------------------------------------------ end of node-install.sh
