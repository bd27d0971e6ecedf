// Which Rust toolchain builds the release wasm, and how.
//
// The wasm is built on the image's nightly, named by its date below, with `panic=immediate-abort`
// and std rebuilt (-Zbuild-std): a panic then traps at once, and the panic machinery with its
// message formatting leaves the module. Everything else (tests, clippy, the servers) stays on
// stable. Without a usable nightly, or with OAUTH_PREFAB_TOOLCHAIN=stable, the wasm is built on
// stable: larger, and tests/size-budget.test.mjs then applies the stable budget.
//
// No toolchain can be downloaded on this machine kind: the nightly is the image's. When the image
// moves to another nightly, the build warns; check that -Zbuild-std, -Cpanic=immediate-abort and
// -Zlocation-detail still exist under those names, measure the size, and change NIGHTLY_DATE.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The nightly the build was measured with. */
export const NIGHTLY_DATE = '2026-05-19';

/**
 * The toolchain to build with: `{ name, version, env, cargoArgs, warnings }`. `env` is the
 * environment for cargo and wasm-pack; `cargoArgs` are cargo's own (wasm-pack takes them after
 * its `--`).
 */
export function chooseToolchain(root, env) {
  const warnings = [];
  const forced = process.env.OAUTH_PREFAB_TOOLCHAIN;
  const nightly = forced === 'stable' ? null : nightlyVersion(env);
  if (nightly) {
    if (!nightly.includes(NIGHTLY_DATE)) warnings.push(`the nightly is ${nightly}, not the one of ${NIGHTLY_DATE} the size was measured with: check the flags still exist and measure again`);
    return {
      name: 'nightly',
      version: nightly,
      warnings,
      env: {
        ...env,
        RUSTUP_TOOLCHAIN: 'nightly',
        CARGO_TARGET_DIR: join(root, 'target', 'nightly'),
        // RUSTFLAGS replaces .cargo/config.toml's flags for the target, so they are read from
        // there and added (the stack size, the inliner's threshold).
        // -Zlocation-detail=none: a trap needs no file name, so source paths leave the data.
        // -reference-types (std is rebuilt with it): nothing crosses as a JS reference (strings
        // and numbers only), so wasm-bindgen leaves out its externref table, the import that
        // fills it and the start export that calls it (measured -62 B gzipped).
        RUSTFLAGS: ['-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Ctarget-feature=-reference-types', ...wasmRustflags(readFileSync(join(root, '.cargo', 'config.toml'), 'utf8'))].join(' '),
      },
      cargoArgs: ['-Zbuild-std=std,panic_abort'],
    };
  }
  warnings.push(forced === 'stable'
    ? 'OAUTH_PREFAB_TOOLCHAIN=stable: building the wasm on stable (larger; the stable size budget applies)'
    : 'no nightly toolchain with rust-src and the wasm32 target: building the wasm on stable (larger; the stable size budget applies)');
  const version = execFileSync('rustc', ['--version'], { env, encoding: 'utf8' }).trim();
  return { name: 'stable', version, warnings, env, cargoArgs: [] };
}

/** The nightly rustc's version line when it can build std for wasm32, else null. */
function nightlyVersion(env) {
  try {
    const version = execFileSync('rustc', ['+nightly', '--version'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const sysroot = execFileSync('rustc', ['+nightly', '--print', 'sysroot'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const ready = existsSync(join(sysroot, 'lib', 'rustlib', 'src', 'rust', 'library'))
      && existsSync(join(sysroot, 'lib', 'rustlib', 'wasm32-unknown-unknown'));
    return ready ? version : null;
  } catch {
    return null;
  }
}

/**
 * The `rustflags` of `[target.wasm32-unknown-unknown]` in a `.cargo/config.toml` text (an array
 * of double-quoted strings on one line, as that file writes it); throws when they are not there,
 * so the nightly build never silently loses them.
 */
export function wasmRustflags(config) {
  const section = config.split(/^\[target\.wasm32-unknown-unknown\]\s*$/m)[1]?.split(/^\[/m)[0];
  const line = section?.match(/^rustflags\s*=\s*(\[.*\])\s*$/m)?.[1];
  const flags = line && JSON.parse(line);
  if (!Array.isArray(flags) || !flags.length || flags.some((f) => typeof f !== 'string' || /\s/.test(f))) {
    throw new Error('build: .cargo/config.toml has no [target.wasm32-unknown-unknown] rustflags = ["...", ...] line');
  }
  return flags;
}
