// Builds the decoder of unpack/ (scripts/build/embed.mjs says why the wasm travels compressed):
// a no_std wasm module of two exports, built with the toolchain the widget's wasm used, then
// shrunk by wasm-opt, which also names its exports by a letter (`EXPORTS`). Its bytes go into the
// script.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * wasm-opt's passes for the decoder: the widget's (Cargo.toml says why each), less its inlining
 * limit (+34 B gzipped here), run twice over. Measured against -Oz alone: 3,738 against 3,804 B,
 * 73 B less in the script, and decoding no slower (in Node, median of 21 fresh processes).
 */
const PASSES = ['--low-memory-unused', ...Array(2).fill(['--flatten', '--rereloop', '-Oz', '--gufa', '-Oz']).flat(), '--converge'];

/**
 * The decoder's exports as wasm-opt's --minify-imports-and-exports names them (in the order of
 * the module's exports), which js/unpack.js calls: the build fails if they move.
 */
export const EXPORTS = [['memory', 'a'], ['room', 'b'], ['unpack', 'c']];

/** The decoder module's bytes. `toolchain` is scripts/build/toolchain.mjs's choice. */
export function buildUnpacker(root, toolchain, features) {
  // The nightly build's -Zbuild-std reuses the std it already built for the widget.
  execFileSync('cargo', ['build', '--release', '--quiet', '--target', 'wasm32-unknown-unknown', '-p', 'oauth-prefab-unpack', ...toolchain.cargoArgs], { cwd: root, env: toolchain.env, stdio: 'inherit' });
  const target = toolchain.env.CARGO_TARGET_DIR ?? join(root, 'target');
  const built = join(target, 'wasm32-unknown-unknown', 'release', 'unpack.wasm');
  const shrunk = join(target, 'unpack.opt.wasm');
  // A stable build also exports the linker's `__heap_base` and `__data_end`, which nothing reads:
  // removed first, so the exports left are the three EXPORTS names, on either toolchain.
  const printed = execFileSync('wasm-opt', [built, '-o', shrunk, '--remove-exports', '--pass-arg=remove-exports@__*', ...PASSES, '--strip-debug', '--strip-producers', '--strip-target-features', '--minify-imports-and-exports', ...features], { env: toolchain.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  // The first map printed renames; --converge's later rounds print each name kept.
  const { exports } = JSON.parse(printed.slice(printed.indexOf('{'), printed.indexOf('\n}') + 2));
  if (JSON.stringify(exports) !== JSON.stringify(EXPORTS)) throw new Error(`build: wasm-opt named the decoder's exports ${JSON.stringify(exports)}, not as js/unpack.js calls them (${JSON.stringify(EXPORTS)})`);
  return readFileSync(shrunk);
}
