#!/usr/bin/env bash
# Makes sure a MariaDB (or MySQL) server answers on 127.0.0.1:3306 for the data-connection tests,
# installing and starting Debian's if there is none; gives them a database and a user with a
# password of their own, and prints the URL the tests use (SIGHTLINE_TEST_MARIADB).
set -euo pipefail

url="mysql://sightline_test:sightline-test@127.0.0.1:3306/sightline_source"
if [ -n "${SIGHTLINE_TEST_MARIADB:-}" ]; then echo "$SIGHTLINE_TEST_MARIADB"; exit 0; fi

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
root() { $sudo mariadb --protocol=socket -uroot "$@" 2>/dev/null || mariadb -uroot -h127.0.0.1 "$@"; }
answers() { root -e 'SELECT 1' >/dev/null 2>&1; }

if ! command -v mariadb >/dev/null 2>&1 || ! command -v mariadbd >/dev/null 2>&1; then
  echo "==> Installing MariaDB from Debian's packages" >&2
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq mariadb-server mariadb-client >/dev/null
fi
if ! answers; then
  echo "==> Starting MariaDB" >&2
  $sudo service mariadb start >&2 2>/dev/null || $sudo service mysql start >&2 2>/dev/null || {
    $sudo mkdir -p /run/mysqld && $sudo chown mysql:mysql /run/mysqld 2>/dev/null || true
    ( $sudo mysqld_safe >/dev/null 2>&1 & )
  }
  for _ in $(seq 1 30); do answers && break; sleep 1; done
fi
answers || { echo "MariaDB does not answer on 127.0.0.1:3306" >&2; exit 1; }
root <<'SQL' >&2
CREATE DATABASE IF NOT EXISTS sightline_source;
CREATE USER IF NOT EXISTS 'sightline_test'@'%' IDENTIFIED BY 'sightline-test';
CREATE USER IF NOT EXISTS 'sightline_test'@'localhost' IDENTIFIED BY 'sightline-test';
GRANT ALL ON sightline_source.* TO 'sightline_test'@'%';
GRANT ALL ON sightline_source.* TO 'sightline_test'@'localhost';
FLUSH PRIVILEGES;
SQL
echo "$url"
