// Builds pkg/: wasm-pack's release output (opt-level "z", LTO, wasm-opt -Oz), bundled with
// js/oauth-login.js into one script, pkg/oauth-login.js, beside the wasm; plus the files of
// pkg-template/, with the version taken from Cargo.toml.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import binaryen from 'binaryen';
import { buildSync } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const pkg = join(root, 'pkg');
// wasm-pack cannot download wasm-opt here: it uses the one npm's `binaryen` puts on PATH.
const env = { ...process.env, PATH: [join(root, 'node_modules', '.bin'), join(process.env.HOME ?? '', '.cargo', 'bin'), process.env.PATH].join(delimiter) };
// The wasm features the module uses (Rust's wasm32 defaults), for binaryen's reader and writer.
// (binaryen's CLI turns on the -opt and -overlong parts with their proposals; its JS API does not.)
const WASM_FEATURES = {
  'reference-types': ['ReferenceTypes', 'CallIndirectOverlong'], multivalue: ['Multivalue'], 'bulk-memory': ['BulkMemory', 'BulkMemoryOpt'],
  'nontrapping-float-to-int': ['NontrappingFPToInt'], 'sign-ext': ['SignExt'], 'mutable-globals': ['MutableGlobals'],
};

rmSync(pkg, { recursive: true, force: true });
// The release wasm is built with the image's nightly toolchain and `panic=immediate-abort`
// (std rebuilt with -Zbuild-std): a panic then traps at once, and the panic machinery with its
// message formatting leaves the module (5.3 KB gzipped, measured). Everything else stays on
// stable. Without a usable nightly the build falls back to stable, and says so.
// -Zlocation-detail=none: a trap needs no file name, so the source paths leave the data (-206 B).
const nightly = nightlyReady();
const wasmEnv = nightly ? {
  ...env,
  RUSTUP_TOOLCHAIN: 'nightly',
  CARGO_TARGET_DIR: join(root, 'target', 'nightly'),
  // RUSTFLAGS replaces .cargo/config.toml's flags for the target: the stack size is repeated here.
  RUSTFLAGS: '-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -C link-arg=-zstack-size=65536',
} : env;
const cargoArgs = nightly ? ['--', '-Zbuild-std=std,panic_abort'] : [];
if (!nightly) console.warn('build: no nightly toolchain with rust-src and wasm32: building on stable (a larger wasm)');
// --weak-refs: a Widget's Rust memory is freed when its JS wrapper (and so its element) is
// collected, through a FinalizationRegistry in the glue.
execFileSync('wasm-pack', ['build', root, '--release', '--target', 'web', '--weak-refs', '--out-dir', 'pkg', '--out-name', 'oauth_prefab', '--no-pack', '--no-typescript', ...cargoArgs], { cwd: root, env: wasmEnv, stdio: 'inherit' });

pruneUncallableTableEntries(join(pkg, 'oauth_prefab_bg.wasm'));
minifyBoundaryNames(join(pkg, 'oauth_prefab_bg.wasm'), join(pkg, 'oauth_prefab.js'));

// One request for all the JS: the element, its driver and wasm-bindgen's glue. The glue finds the
// wasm with `new URL('oauth_prefab_bg.wasm', import.meta.url)`, which bundling keeps as it is.
buildSync({
  entryPoints: [join(root, 'js', 'oauth-login.js')],
  outfile: join(pkg, 'oauth-login.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
});
rmSync(join(pkg, 'oauth_prefab.js'));

cpSync(join(root, 'pkg-template'), pkg, { recursive: true });
rmSync(join(pkg, '.gitignore'), { force: true });
const version = readFileSync(join(root, 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)[1];
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
manifest.version = version;
writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
for (const file of manifest.files) {
  if (!existsSync(join(pkg, file))) throw new Error(`pkg/ is missing ${file}, which package.json lists`);
}
console.log(`build: pkg/ holds oauth-prefab ${version}${nightly ? ` (wasm built with ${nightly})` : ''}`);

/**
 * Renames the wasm's imports, exports and import module to one or two letters, and the glue's
 * references to match: wasm-bindgen's hashed names (`__wbg_getItem_49556a3e59cfb688`) are
 * random hex that gzip cannot shrink, and each appears in the wasm and again in the glue
 * (measured: -444 B gzipped for the wasm alone). The glue is rewritten by exact name; a name
 * left behind (a wasm-bindgen whose glue takes another shape) fails the build.
 */
function minifyBoundaryNames(wasmFile, glueFile) {
  const features = Object.keys(WASM_FEATURES).map((f) => `--enable-${f}`);
  const printed = execFileSync('wasm-opt', [wasmFile, '-o', wasmFile, '--minify-imports-and-exports-and-modules', ...features], { env, encoding: 'utf8' });
  const { imports, exports } = JSON.parse(printed.slice(printed.indexOf('{')));
  const module = 'a'; // binaryen renames every import module to "a"
  let glue = readFileSync(glueFile, 'utf8');
  const replaceAll = (pattern, to, what) => {
    const before = glue;
    glue = glue.replace(pattern, to);
    if (glue === before) throw new Error(`build: the glue has no ${what}; wasm-bindgen's glue changed shape`);
  };
  const modules = new Set(imports.map(([from]) => from));
  for (const from of modules) replaceAll(`"${from}":`, `"${module}":`, `import module ${from}`);
  for (const [, name, to] of imports) replaceAll(new RegExp(`\\b${name}(?=:)`, 'g'), to, `import ${name}`);
  // Exports the glue never reads (wasm-bindgen's abort handler) need no rewrite.
  for (const [name, to] of exports) {
    if (glue.includes(`wasm.${name}`)) replaceAll(new RegExp(`\\bwasm\\.${name}\\b`, 'g'), `wasm.${to}`, `export ${name}`);
  }
  const left = [
    ...imports.filter(([, name]) => new RegExp(`\\b${name}:`).test(glue)).map(([, name]) => name),
    ...exports.filter(([name]) => new RegExp(`\\bwasm\\.${name}\\b`).test(glue)).map(([name]) => name),
  ];
  if (left.length) throw new Error(`build: the glue still names ${left.join(', ')} after the rename`);
  writeFileSync(glueFile, glue);
}

/**
 * Takes out of the wasm's function table the functions nothing can call, which wasm-bindgen
 * leaves there (measured: -0.96 KB gzipped). Rust puts a function in the table when its address
 * is taken; wasm-bindgen's type descriptors take the address of a closure "invoke" shim for
 * every closure type js-sys declares, and wasm-bindgen removes the descriptors but not the table
 * entries. Two kinds go, each for a reason checked here, else the build fails:
 * - closure invoke shims: JS enters a Rust closure only through them, by index in an exported
 *   function table. This table is not exported, so no JS can reach them (Rust calls a closure
 *   through its own vtable, never through a shim).
 * - js-sys's futures task wakers: only a task polled through the `__wbg_jspi_task_poll` export
 *   builds one, and wasm-bindgen deletes that export from a module with no JSPI export.
 * Each entry becomes one trapping stub (the table keeps its indices); the functions only the
 * entries held then leave the module, and so must every function of both kinds, which is checked.
 * The names come from wasm-opt's `-g` (Cargo.toml); the wasm is written without them.
 */
function pruneUncallableTableEntries(wasmFile) {
  const uncallable = /closures::_::invoke|js_sys(\[[0-9a-f]+\])?::futures::/;
  const module = binaryen.readBinary(readFileSync(wasmFile));
  module.setFeatures(Object.values(WASM_FEATURES).flat().reduce((all, f) => all | binaryen.Features[f], 0));
  const exports = Array.from({ length: module.getNumExports() }, (_, i) => binaryen.getExportInfo(module.getExportByIndex(i)));
  const functions = () => Array.from({ length: module.getNumFunctions() }, (_, i) => binaryen.getFunctionInfo(module.getFunctionByIndex(i)).name);
  if (!functions().some((name) => uncallable.test(name))) throw new Error('build: the wasm names no closure shim or futures function; did wasm-opt drop the names (-g in Cargo.toml)?');
  if (exports.some((e) => e.name === '__wbg_jspi_task_poll')) throw new Error('build: the wasm exports __wbg_jspi_task_poll, so js-sys task wakers can be called');
  const segments = Array.from({ length: module.getNumElementSegments() }, (_, i) => binaryen.getElementSegmentInfo(module.getElementSegmentByIndex(i)));
  const stub = 'uncallable_table_entry';
  module.addFunction(stub, binaryen.none, binaryen.none, [], module.unreachable());
  for (const segment of segments) {
    if (exports.some((e) => e.kind === binaryen.ExternalTable && e.value === segment.table)) {
      throw new Error(`build: wasm table ${segment.table} is exported, so JS could call any function in it`);
    }
    const offset = binaryen.getExpressionInfo(segment.offset);
    if (offset.id !== binaryen.ConstId) throw new Error('build: a table segment has no constant offset');
    module.removeElementSegment(segment.name);
    module.addActiveElementSegment(segment.table, segment.name, segment.data.map((name) => (uncallable.test(name) ? stub : name)), module.i32.const(offset.value));
  }
  module.runPasses(['remove-unused-module-elements']);
  const left = functions().filter((name) => uncallable.test(name));
  if (left.length) throw new Error(`build: still called after the prune: ${left.join(', ')}`);
  if (!module.validate()) throw new Error('build: the pruned wasm does not validate');
  binaryen.setDebugInfo(false);
  writeFileSync(wasmFile, module.emitBinary());
  module.dispose();
}

/** The nightly rustc's version line when it can build std for wasm32, else null. */
function nightlyReady() {
  try {
    const version = execFileSync('rustc', ['+nightly', '--version'], { env, encoding: 'utf8' }).trim();
    const sysroot = execFileSync('rustc', ['+nightly', '--print', 'sysroot'], { env, encoding: 'utf8' }).trim();
    const ok = existsSync(join(sysroot, 'lib', 'rustlib', 'src', 'rust', 'library'))
      && existsSync(join(sysroot, 'lib', 'rustlib', 'wasm32-unknown-unknown'));
    return ok ? version : null;
  } catch {
    return null;
  }
}
