// Builds pkg/: wasm-pack's release output (opt-level "z", LTO, wasm-opt -Oz), bundled with
// js/oauth-login.js into one script, pkg/oauth-login.js, beside the wasm; plus the files of
// pkg-template/, with the version taken from Cargo.toml.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const pkg = join(root, 'pkg');
// wasm-pack cannot download wasm-opt here: it uses the one npm's `binaryen` puts on PATH.
const env = { ...process.env, PATH: [join(root, 'node_modules', '.bin'), join(process.env.HOME ?? '', '.cargo', 'bin'), process.env.PATH].join(delimiter) };

rmSync(pkg, { recursive: true, force: true });
// The release wasm is built with the image's nightly toolchain and `panic=immediate-abort`
// (std rebuilt with -Zbuild-std): a panic then traps at once, and the panic machinery with its
// message formatting leaves the module (5.3 KB gzipped, measured). Everything else stays on
// stable. Without a usable nightly the build falls back to stable, and says so.
const nightly = nightlyReady();
const wasmEnv = nightly ? {
  ...env,
  RUSTUP_TOOLCHAIN: 'nightly',
  CARGO_TARGET_DIR: join(root, 'target', 'nightly'),
  // RUSTFLAGS replaces .cargo/config.toml's flags for the target: the stack size is repeated here.
  RUSTFLAGS: '-Zunstable-options -Cpanic=immediate-abort -C link-arg=-zstack-size=65536',
} : env;
const cargoArgs = nightly ? ['--', '-Zbuild-std=std,panic_abort'] : [];
if (!nightly) console.warn('build: no nightly toolchain with rust-src and wasm32: building on stable (a larger wasm)');
// --weak-refs: a Widget's Rust memory is freed when its JS wrapper (and so its element) is
// collected, through a FinalizationRegistry in the glue.
execFileSync('wasm-pack', ['build', root, '--release', '--target', 'web', '--weak-refs', '--out-dir', 'pkg', '--out-name', 'oauth_prefab', '--no-pack', '--no-typescript', ...cargoArgs], { cwd: root, env: wasmEnv, stdio: 'inherit' });

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
