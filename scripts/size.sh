#!/usr/bin/env bash
# What each kind of page downloads to run, from a release build in target/site (`make size`):
# the portal's main module and glue, the chunks of each lazy route (the manifest Leptos reads),
# and the script visitor and embed pages run instead of WASM. Sizes raw and brotli (-q 11).
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=target/site/pkg
br() { brotli -c -q 11 "$1" | wc -c; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
main=$(br "$pkg/sightline.wasm")
glue=$(( $(br "$pkg/sightline.js") + $(br "$pkg/__wasm_split.______________________.js") ))
echo "portal, main module (sightline.wasm): $(stat -c %s "$pkg/sightline.wasm") bytes raw, $main bytes brotli ($(kb "$main"); target at most 300 KB); its JS glue and chunk loader: $glue bytes brotli"
echo "every page loads the main module; the home page and sign-in need nothing more."
python3 - "$pkg" <<'PY'
import json, os, subprocess, sys
pkg = sys.argv[1]
manifest = json.load(open(os.path.join(pkg, "__wasm_split_manifest.json")))
def br(name):
    data = open(os.path.join(pkg, name + ".wasm"), "rb").read()
    return len(subprocess.run(["brotli", "-c", "-q", "11"], input=data, capture_output=True).stdout)
main = br("sightline")
for split, chunks in sorted(manifest.items()):
    kind = split.strip("_").split("_pages_")[0]
    sizes = [br(c) for c in chunks]
    print(f"  a page of the {kind} chunk also loads {len(chunks)} file(s), {sum(sizes)} bytes brotli"
          f" ({', '.join(f'{c}: {s}' for c, s in zip(chunks, sizes))}): {main + sum(sizes)} bytes in all")
PY
raw=$(stat -c %s assets/visitor.js)
echo "visitor and embed pages: no WASM; visitor.js $raw bytes raw, $(br assets/visitor.js) bytes brotli (target at most 150 KB)"
echo "CSS: $(stat -c %s "$pkg/sightline.css") bytes, $(br "$pkg/sightline.css") brotli"
