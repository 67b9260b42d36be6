#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests, installing and starting
# Debian's if there is none, and prints the URL the tests should use.
set -euo pipefail

trust_url="postgres://postgres@127.0.0.1:5432/postgres"
password_url="postgres://postgres:sightline-test@127.0.0.1:5432/postgres"

answers() { PGCONNECT_TIMEOUT=3 psql "$1" -Atc 'SELECT 1' >/dev/null 2>&1; }

if [ -n "${SIGHTLINE_TEST_POSTGRES:-}" ]; then echo "$SIGHTLINE_TEST_POSTGRES"; exit 0; fi
if command -v psql >/dev/null 2>&1; then
  answers "$trust_url" && { echo "$trust_url"; exit 0; }
  answers "$password_url" && { echo "$password_url"; exit 0; }
fi

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "==> Installing PostgreSQL from Debian's packages" >&2
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
$sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  $sudo -u postgres psql -Atc 'SELECT 1' >/dev/null 2>&1 && break
  sleep 1
done
answers "$trust_url" && { echo "$trust_url"; exit 0; }
# A fresh Debian cluster asks for a password over TCP: give the postgres role a test password.
$sudo -u postgres psql -qc "ALTER USER postgres PASSWORD 'sightline-test'" >&2
answers "$password_url" || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
echo "$password_url"
