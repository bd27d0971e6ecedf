// Builds pkg/: the release wasm (wasm-pack: opt-level "z", LTO, wasm-opt's passes in Cargo.toml),
// its import and export names shortened, bundled with js/ and wasm-bindgen's glue into one script,
// pkg/oauth-login.js, with the wasm inside it; plus the files of pkg-template/, with the version
// taken from Cargo.toml. Each step is a module of scripts/build/ with its own test in
// tests/build/; pkg/build.json records what built it, for the size test.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { embeddedWasmPlugin, embedWasm, packWasm } from './build/embed.mjs';
import { minifyBoundaryNames } from './build/minify-names.mjs';
import { terse } from './build/terse.mjs';
import { trimGlue } from './build/trim-glue.mjs';
import { chooseToolchain } from './build/toolchain.mjs';
import { buildUnpacker } from './build/unpacker.mjs';
import { bytesOf } from '../js/bytes.js';
import { unpack } from '../js/unpack.js';

const root = resolve(import.meta.dirname, '..');
const pkg = join(root, 'pkg');
// wasm-pack cannot download wasm-opt here: it uses the one npm's `binaryen` puts on PATH.
const env = { ...process.env, PATH: [join(root, 'node_modules', '.bin'), join(process.env.HOME ?? '', '.cargo', 'bin'), process.env.PATH].join(delimiter) };
// The wasm features the module uses (Rust's wasm32 defaults), for wasm-opt.
const WASM_FEATURES = ['reference-types', 'multivalue', 'bulk-memory', 'nontrapping-float-to-int', 'sign-ext', 'mutable-globals'].map((f) => `--enable-${f}`);

rmSync(pkg, { recursive: true, force: true });
const toolchain = chooseToolchain(root, env);
for (const warning of toolchain.warnings) console.warn(`build: ${warning}`);
// No --weak-refs: the wasm exports no struct (a controller is a number that js/driver.js frees
// through its own FinalizationRegistry).
execFileSync('wasm-pack', ['build', root, '--release', '--target', 'web', '--out-dir', 'pkg', '--out-name', 'oauth_prefab', '--no-pack', '--no-typescript', '--', ...toolchain.cargoArgs], { cwd: root, env: toolchain.env, stdio: 'inherit' });

const wasmFile = join(pkg, 'oauth_prefab_bg.wasm');
const glueFile = join(pkg, 'oauth_prefab.js');
// Trimmed first: an export only the cut parts read (`__wbindgen_realloc`) is then unread, and
// goes with the renaming.
writeFileSync(glueFile, trimGlue(readFileSync(glueFile, 'utf8')));
minifyBoundaryNames(wasmFile, glueFile, env, WASM_FEATURES);
const wasm = readFileSync(wasmFile);
const unpacker = buildUnpacker(root, toolchain, WASM_FEATURES);
const { packed, plan } = packWasm(wasm);
// Every build decodes what it packed, as the page will: an xz or a decoder that moved fails here.
if (!Buffer.from(unpack(packed, plan, wasm.length, new WebAssembly.Module(bytesOf(String.fromCharCode(...unpacker))))).equals(wasm)) throw new Error('build: the packed wasm does not decode to the wasm (xz or unpack/ changed?)');

// wasm-bindgen copies js/storage.js into pkg/snippets/ for the glue, and the driver imports
// js/storage.js too (its `localWrites`, which tell this page's elements of each other's writes):
// both must be one module, or the driver listens to a copy nobody writes to.
let storageJoined = 0;
const oneStorageModule = {
  name: 'one-storage-module',
  setup(b) {
    b.onResolve({ filter: /[\\/]snippets[\\/][^\\/]+[\\/]js[\\/]storage\.js$/ }, () => {
      storageJoined++;
      return { path: join(root, 'js', 'storage.js') };
    });
  },
};

// One request for everything: the element, its driver, the glue and the wasm (scripts/build/embed.mjs).
// esbuild bundles and simplifies; terser minifies (scripts/build/terse.mjs).
await build({
  entryPoints: [join(root, 'js', 'oauth-login.js')],
  outfile: join(pkg, 'oauth-login.js'),
  bundle: true,
  format: 'esm',
  minifySyntax: true,
  target: 'es2022',
  charset: 'utf8',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [embeddedWasmPlugin(plan, wasm.length, createHash('sha256').update(packed).digest('base64url').slice(0, 12)), oneStorageModule],
  // A property whose name starts with one `_` is js/'s own (the driver's state and methods, the
  // element's driver): shortened, the same everywhere in the bundle. No DOM or glue name does.
  mangleProps: /^_[^_]/,
});
if (storageJoined !== 1) throw new Error(`build: the glue should import js/storage.js's snippet once, found ${storageJoined}: see oneStorageModule`);
const script = join(pkg, 'oauth-login.js');
writeFileSync(script, embedWasm(await terse(readFileSync(script, 'utf8')), { packed, unpacker }));
for (const done of [glueFile, wasmFile, join(pkg, 'snippets')]) rmSync(done, { recursive: true, force: true });

cpSync(join(root, 'pkg-template'), pkg, { recursive: true });
rmSync(join(pkg, '.gitignore'), { force: true });
// The package carries its license texts (MIT OR Apache-2.0), which live at the repository's root.
for (const license of ['LICENSE-MIT', 'LICENSE-APACHE']) cpSync(join(root, license), join(pkg, license));
const version = readFileSync(join(root, 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)[1];
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
manifest.version = version;
writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
for (const file of manifest.files) {
  if (!existsSync(join(pkg, file))) throw new Error(`pkg/ is missing ${file}, which package.json lists`);
}
// Not published (package.json's files leave it out): what built the wasm, for the size test, and
// the wasm's own bytes before and after packing: a change to the Rust below LZMA's noise in the
// script (about 150 B) still shows in `wasmBytes`.
writeFileSync(join(pkg, 'build.json'), JSON.stringify({ toolchain: toolchain.name, rustc: toolchain.version, wasmBytes: wasm.length, packedChars: packed.length }, null, 2) + '\n');
console.log(`build: pkg/ holds oauth-prefab ${version} (wasm built on ${toolchain.name}: ${toolchain.version}; wasm ${wasm.length} B, packed ${packed.length} chars)`);
