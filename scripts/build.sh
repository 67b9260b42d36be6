#!/usr/bin/env bash
# Builds what `cargo leptos build` builds, with cargo alone (wasm-bindgen's library is built into
# wasm-split), so that a fresh machine installs neither cargo-leptos (16 minutes) nor the
# wasm-bindgen CLI (3) before its first build:
#   1. the portal's WASM bundle (crate `frontend`, target wasm32) into target/front, as
#      cargo-leptos does (visitor and embed pages run none: assets/visitor.js);
#   2. split at its lazy routes (app/src/shell/chunks.rs; what `cargo leptos build --split`
#      does), then wasm-bindgen's JS glue and the main module into target/site/pkg as
#      sightline.js/.wasm, beside the chunks (split_*.wasm, chunk_*.wasm for shared code), their
#      loader and the manifest Leptos reads;
#   3. style/main.css as target/site/pkg/sightline.css, and assets/ into target/site;
#   3b. the built files named by their contents (sightline.<hash>.wasm, ...; `wasm-split names`
#      writes target/site/hash.txt, which Leptos and the server read), so the server can let
#      browsers keep them for a year; then every text and WASM file of the site compressed once,
#      beside itself, as .br (brotli) and .gz (gzip), for the server to send as the browser asks;
#   4. the server binary target/debug/sightline (or target/release/sightline), beside 1 to 3.
# The names and directories are those of [[workspace.metadata.leptos]] in Cargo.toml, so
# `cargo leptos watch` keeps working for whoever has cargo-leptos.
#
#   scripts/build.sh                  debug build of both halves
#   scripts/build.sh --release        release server, size-optimised WASM (wasm-opt -Oz)
#   scripts/build.sh --frontend-only  only steps 1 to 3
#   scripts/build.sh --tests          step 4 as `cargo test` builds it, with every test (make test):
#                                     tests turn on features of shared crates (reqwest's of hyper),
#                                     so a plain `cargo build` and `cargo test` would each compile
#                                     the server and everything under it; this compiles them once
set -euo pipefail
cd "$(dirname "$0")/.."

release=no
frontend_only=no
tests=no
for arg in "$@"; do
  case "$arg" in
    --release) release=yes ;;
    --frontend-only) frontend_only=yes ;;
    --tests) tests=yes ;;
    *) echo "build.sh: unknown option $arg (known: --release, --frontend-only, --tests)" >&2; exit 2 ;;
  esac
done

name=sightline
site=target/site
pkg=$site/pkg

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# `--cfg erase_components` (faster to compile, same pages) comes from .cargo/config.toml for
# every cargo command, so that `cargo test` reuses these artifacts.
if [ "$release" = yes ]; then
  wasm_profile=(--profile wasm-release)
  wasm_dir=wasm-release
  bin_profile=(--release)
  bin_dir=release
else
  wasm_profile=()
  wasm_dir=debug
  bin_profile=()
  bin_dir=debug
fi

# The server builds beside the WASM (two target directories: two cargos at once). Each spends
# long stretches compiling one crate (app) on one core; side by side they keep both busy.
server_pid=""
if [ "$frontend_only" = no ]; then
  say "Server ($bin_dir), beside the WASM"
  if [ "$tests" = yes ]; then
    # Integration tests need the binary: cargo builds it beside them, into target/debug/sightline.
    cargo test -p app -p engine -p server --no-run "${bin_profile[@]}" &
  else
    cargo build -p server --bin sightline --no-default-features "${bin_profile[@]}" &
  fi
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null || true' EXIT
fi

# The splitter (wasm-split/, a small crate of the workspace) in a target directory of its own,
# so that it builds beside the rest instead of waiting for their lock.
cargo build -q --release -p wasm-split --target-dir target/tools &
splitter_pid=$!

say "WASM bundle ($wasm_dir)"
# Relocations kept in the module: the splitter moves each lazy route's code into a chunk of its
# own (RUSTFLAGS replaces .cargo/config.toml's flags for this build, hence the cfg again).
RUSTFLAGS="--cfg erase_components -Clink-args=--emit-relocs" \
  cargo build -p frontend --lib --target wasm32-unknown-unknown \
  --target-dir target/front --no-default-features "${wasm_profile[@]}"
wait "$splitter_pid" || { echo "build.sh: the WASM splitter did not build (above)" >&2; exit 1; }

say "wasm-split and wasm-bindgen"
# Every file of pkg/ is made again below: names of earlier builds must not pile up.
rm -rf "$pkg" "$site/hash.txt"
mkdir -p "$pkg"
wasm=target/front/wasm32-unknown-unknown/$wasm_dir/frontend.wasm
target/tools/release/wasm-split "$wasm" "$pkg" "$name" >/dev/null
target/tools/release/wasm-split bindgen "${wasm%.wasm}_split.wasm" "$pkg" "$name"
# Leptos' hydration script asks for <name>.wasm (LEPTOS_OUTPUT_NAME is set at compile time).
mv "$pkg/${name}_bg.wasm" "$pkg/$name.wasm"
if [ "$release" = yes ]; then
  # binaryen from npm, pinned (scripts/setup.sh size installs it): Debian's is too old.
  wasm_opt=scripts/release-tools/node_modules/.bin/wasm-opt
  [ -x "$wasm_opt" ] || { echo "build.sh: $wasm_opt is missing; run scripts/setup.sh size" >&2; exit 1; }
  say "wasm-opt -Oz"
  for module in "$pkg/$name.wasm" "$pkg"/split_*.wasm "$pkg"/chunk_*.wasm; do
    "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-reference-types "$module" -o "$module"
  done
  node scripts/instantiate.mjs "$pkg/$name.js" "$pkg/$name.wasm" || {
    echo "build.sh: the optimised bundle does not instantiate (above)" >&2
    exit 1
  }
fi

cp style/main.css "$pkg/$name.css"
cp -R assets/. "$site/"
target/tools/release/wasm-split names "$pkg" "$name" "$site"

say "brotli and gzip, once"
# Release builds are compressed as hard as brotli goes; debug builds (WASM ten times bigger,
# rebuilt often) at a quality that takes seconds rather than minutes.
quality=5
[ "$release" = yes ] && quality=11
find "$site" -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.css' -o -name '*.json' -o -name '*.svg' \) -print0 |
  xargs -0 -P "$(nproc)" -I{} sh -c 'brotli -f -q '"$quality"' -o "$1.br" "$1" && gzip -f -k -9 "$1"' _ {}

if [ -n "$server_pid" ]; then
  if ! wait "$server_pid"; then
    echo "build.sh: the server did not build (its errors are above)" >&2
    exit 1
  fi
  trap - EXIT
  say "Built target/$bin_dir/sightline and $site"
fi
