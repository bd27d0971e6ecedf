// Starts the dev provider (built with cargo) and resolves once it listens.
import { execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/** Builds the dev provider binary once (cargo skips it when up to date) and returns its path. */
export function buildProvider() {
  execFileSync('cargo', ['build', '--quiet', '-p', 'dev-provider'], { cwd: root, stdio: 'inherit' });
  return join(root, 'target', 'debug', 'dev-provider');
}

/**
 * Starts the provider on `port` (0: any free port) with extra `args`; resolves with the child
 * process, whose `port` is the one it listens on, read from its startup line.
 */
export function startProvider({ port = 0, args = [], binary = buildProvider() }) {
  const child = spawn(binary, ['--port', String(port), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`dev-provider did not start: ${out}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`dev-provider exited with ${code}: ${out}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const listening = out.match(/listening on http:\/\/[^:]+:(\d+)/);
      if (listening) {
        clearTimeout(timer);
        child.port = Number(listening[1]);
        resolvePromise(child);
      }
    });
  });
}
