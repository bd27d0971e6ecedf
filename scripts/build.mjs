// Builds pkg/: wasm-pack's release output (size-optimised: opt-level "z", LTO, wasm-opt -Oz)
// plus the files of pkg-template/, with the version taken from Cargo.toml.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const pkg = join(root, 'pkg');
// wasm-pack cannot download wasm-opt here: it uses the one npm's `binaryen` puts on PATH.
const env = { ...process.env, PATH: [join(root, 'node_modules', '.bin'), join(process.env.HOME ?? '', '.cargo', 'bin'), process.env.PATH].join(delimiter) };

execFileSync('wasm-pack', ['build', '--release', '--target', 'web', '--out-dir', 'pkg', '--out-name', 'oauth_prefab', '--no-pack'], { cwd: root, env, stdio: 'inherit' });

cpSync(join(root, 'pkg-template'), pkg, { recursive: true });
rmSync(join(pkg, '.gitignore'), { force: true });
const version = readFileSync(join(root, 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)[1];
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
manifest.version = version;
writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
for (const file of manifest.files) {
  if (!existsSync(join(pkg, file))) throw new Error(`pkg/ is missing ${file}, which package.json lists`);
}
console.log(`build: pkg/ holds oauth-prefab ${version}`);
