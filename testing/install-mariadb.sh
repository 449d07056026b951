#!/usr/bin/env bash
# Installs MariaDB's server and client (Debian/Ubuntu packages) when neither mariadbd nor mysqld is there: the data
# plane's source database for ./verify's tests and the local run. Prints nothing when MariaDB is installed.
set -euo pipefail
if ! { command -v mariadbd || command -v mysqld || [ -x /usr/sbin/mariadbd ] || [ -x /usr/sbin/mysqld ]; } >/dev/null 2>&1; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "installing mariadb-server and mariadb-client (apt-get)"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends mariadb-server mariadb-client
fi
