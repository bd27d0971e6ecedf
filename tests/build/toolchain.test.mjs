// scripts/build/toolchain.mjs: the nightly build's RUSTFLAGS replace .cargo/config.toml's flags
// for the wasm target, so it reads them from there; a config without them fails the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wasmRustflags } from '../../scripts/build/toolchain.mjs';

test("the wasm target's flags are read from .cargo/config.toml", () => {
  const config = readFileSync(join(import.meta.dirname, '..', '..', '.cargo', 'config.toml'), 'utf8');
  assert.deepEqual(wasmRustflags(config), ['-C', 'link-arg=-zstack-size=65536', '-C', 'llvm-args=--inline-threshold=-5']);
  assert.deepEqual(wasmRustflags('[build]\nrustflags = ["-Cother"]\n[target.wasm32-unknown-unknown]\nrustflags = ["-C", "x=1"]\n[alias]\n'), ['-C', 'x=1']);
});

test('a config without them, or with another shape, fails the build', () => {
  assert.throws(() => wasmRustflags('[build]\nrustflags = ["-C", "x=1"]\n'), /no \[target/);
  assert.throws(() => wasmRustflags('[target.wasm32-unknown-unknown]\nrunner = "x"\n'), /no \[target/);
  assert.throws(() => wasmRustflags('[target.wasm32-unknown-unknown]\nrustflags = []\n'), /no \[target/);
});
