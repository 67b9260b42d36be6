#!/usr/bin/env bash
# `cargo test -p app -p engine -p server` in two cargos at once, from the artifacts
# `scripts/build.sh --tests` compiled (the same packages, so the same features: nothing is
# compiled again): the server's integration tests, which wait on PostgreSQL, MariaDB and sockets
# much of the time, and beside them every other test target (the rules' unit tests and the
# engine's, among them the differential test against DuckDB, over a minute of CPU). The second
# one's output follows the first's; either failing fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(-p app -p engine -p server)
# Every test target but `integration`, as cargo finds them: tests/*.rs and tests/*/main.rs.
others=(--lib)
for crate in app engine server; do
  for target in "$crate"/tests/*.rs "$crate"/tests/*/main.rs; do
    [ -e "$target" ] || continue
    name=$(basename "${target%/main.rs}" .rs)
    [ "$name" = integration ] || others+=(--test "$name")
  done
done
SIGHTLINE_TEST_POSTGRES=$(scripts/postgres.sh)
SIGHTLINE_TEST_MARIADB=$(scripts/mariadb.sh)
export SIGHTLINE_TEST_POSTGRES SIGHTLINE_TEST_MARIADB
mkdir -p target
log=target/unit-tests-beside.log
cargo test "${packages[@]}" "${others[@]}" >"$log" 2>&1 &
beside=$!
status=0
cargo test "${packages[@]}" --test integration || status=$?
wait "$beside" || status=$?
cat "$log"
exit "$status"
