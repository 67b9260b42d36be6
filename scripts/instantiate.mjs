// Instantiates a built bundle with its wasm-bindgen glue, as a browser does before hydrating:
// `node scripts/instantiate.mjs target/site/pkg/sightline.js target/site/pkg/sightline.wasm`.
// An optimiser that mistranslates the module (Debian's wasm-opt 108 turned wasm-bindgen's
// externref table into one of functions) fails here rather than in every visitor's browser.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [glue, wasm] = process.argv.slice(2);
const { initSync } = await import(pathToFileURL(glue).href);
initSync({ module: readFileSync(wasm) });
