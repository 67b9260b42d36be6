#!/usr/bin/env bash
# What each kind of page downloads to run, from a release build (`make size`):
#  1. the files: the portal's main module and glue, the chunks of each lazy route (the manifest
#     Leptos reads), the script visitor and embed pages run instead of WASM, the stylesheet; raw
#     and as the server sends them (the brotli copy the build made);
#  2. what Chromium transfers for a home page, a sheet, an admin page, a visitor page and an
#     embed, on a first visit and on a second (scripts/transfer.cjs, against the demo served by
#     the release binary).
set -euo pipefail
# The server is stopped with SIGTERM when done: nothing to drain for.
export SIGHTLINE_SHUTDOWN_DRAIN_SECONDS=0
cd "$(dirname "$0")/.."
site=target/site
pkg=$site/pkg
hash() { awk -v k="$1:" '$1 == k { print $2 }' "$site/hash.txt"; }
sent() { stat -c %s "$1.br"; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
wasm=$pkg/sightline.$(hash wasm).wasm
main=$(sent "$wasm")
glue=$(( $(sent "$pkg/sightline.$(hash js).js") + $(sent "$pkg/__wasm_split.$(hash split).js") ))
echo "portal, main module ($(basename "$wasm")): $(stat -c %s "$wasm") bytes raw, $main bytes brotli ($(kb "$main"); target at most 300 KB); its JS glue and chunk loader: $glue bytes brotli"
echo "every page loads the main module; the home page and sign-in need nothing more."
python3 - "$pkg" "$pkg/__wasm_split_manifest.$(hash manifest).json" <<'PY'
import json, os, sys
pkg, manifest = sys.argv[1], json.load(open(sys.argv[2]))
def br(name):
    return os.path.getsize(os.path.join(pkg, name + ".wasm.br"))
for split, chunks in sorted(manifest.items()):
    kind = split.strip("_").split("_pages_")[0]
    sizes = [br(c) for c in chunks]
    print(f"  a page of the {kind} chunk also loads {len(chunks)} file(s), {sum(sizes)} bytes brotli"
          f" ({', '.join(f'{c}: {s}' for c, s in zip(chunks, sizes))})")
PY
echo "visitor and embed pages: no WASM; visitor.js $(stat -c %s "$site/visitor.js") bytes raw, $(sent "$site/visitor.js") bytes brotli, marks.js $(stat -c %s "$site/marks.js") raw, $(sent "$site/marks.js") brotli (target at most 150 KB)"
css=$pkg/sightline.$(hash css).css
echo "CSS: $(stat -c %s "$css") bytes raw, $(sent "$css") brotli"

echo "==> What Chromium transfers (release server, the demo, loopback)"
port=3195
data=$(mktemp -d /tmp/sightline-size-XXXX)
SIGHTLINE_DATA_DIR=$data SIGHTLINE_LISTEN=127.0.0.1:$port SIGHTLINE_LOG="warn,server::demo=info" \
  target/release/sightline serve --demo >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
link=$(sed 's/\x1b\[[0-9;]*m//g' "$data/server.log" | grep -o "http://[^ ]*/a/[0-9a-f]*?eac=[0-9a-f]*" | head -1 | sed "s#http://[^/]*#http://127.0.0.1:$port#")
node scripts/transfer.cjs "http://127.0.0.1:$port" "$link"
