// Starts the dev provider (built with cargo) and resolves once it listens.
import { execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/** Builds the dev provider binary once (cargo skips it when up to date) and returns its path. */
export function buildProvider() {
  execFileSync('cargo', ['build', '--quiet', '-p', 'dev-provider'], { cwd: root, stdio: 'inherit' });
  return join(root, 'target', 'debug', 'dev-provider');
}

/** Starts the provider on `port` with extra `args`; resolves with the child process. */
export function startProvider({ port, args = [], binary = buildProvider() }) {
  const child = spawn(binary, ['--port', String(port), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`dev-provider did not start: ${out}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`dev-provider exited with ${code}: ${out}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolvePromise(child);
      }
    });
  });
}
