// Starts the exchange (oauth-prefab-exchange, built with cargo) and resolves once it listens.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/**
 * The demo's exchange configuration, as `npm start` runs it and the demo's e2e test repeats it:
 * demo-app (the dev provider's confidential client) redeems codes at `providerOrigin`'s token
 * endpoint for the demo page on `demoOrigin`. Its secret is read from the exchange's environment
 * (`DEMO_APP_CLIENT_SECRET`), never written into the configuration.
 */
export function demoExchangeConfig({ providerOrigin, demoOrigin }) {
  return {
    clients: [{
      client_id: 'demo-app',
      token_endpoint: `${providerOrigin}/oauth/access_token`,
      // The demo's logout revokes demo-app's tokens through the exchange, which adds the secret.
      revocation_endpoint: `${providerOrigin}/revoke`,
      client_secret_env: 'DEMO_APP_CLIENT_SECRET',
      client_auth: 'client_secret_post',
      redirect_uris: [`${demoOrigin}/`],
      allowed_origins: [demoOrigin],
    }],
  };
}

/**
 * Builds the exchange binary (cargo skips it when up to date) and returns its path. `release`
 * builds with the workspace's release profile, which is tuned for the wasm package's size.
 */
export function buildExchange({ release = false } = {}) {
  const args = ['build', '--quiet', '-p', 'oauth-prefab-exchange', ...(release ? ['--release'] : [])];
  execFileSync('cargo', args, { cwd: root, stdio: 'inherit' });
  const targetDir = process.env.CARGO_TARGET_DIR
    ? (isAbsolute(process.env.CARGO_TARGET_DIR) ? process.env.CARGO_TARGET_DIR : join(root, process.env.CARGO_TARGET_DIR))
    : join(root, 'target');
  return join(targetDir, release ? 'release' : 'debug', 'oauth-prefab-exchange');
}

/**
 * Starts the exchange on `port` (0: any free port). `config` is a path to a config file, or an
 * object written to a temporary one (removed when the process exits); `env` adds environment
 * variables (the client secrets the config names). `stderr` is `'inherit'` (default) or
 * `'pipe'` (then read `child.stderr`, or the server blocks once the pipe is full).
 * Resolves with the child process, whose `port` is the one it listens on, read from its
 * startup line, and `url` its base URL.
 */
export function startExchange({ port = 0, config, env = {}, args = [], stderr = 'inherit', binary = buildExchange() }) {
  if (!config) throw new Error('startExchange: `config` (a path or an object) is required');
  let configPath = config;
  let tempDir = null;
  if (typeof config !== 'string') {
    tempDir = mkdtempSync(join(tmpdir(), 'oauth-prefab-exchange-'));
    configPath = join(tempDir, 'config.json');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
  }
  const child = spawn(binary, ['--config', configPath, '--port', String(port), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', stderr],
  });
  child.once('exit', () => { if (tempDir) rmSync(tempDir, { recursive: true, force: true }); });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    // With a piped stderr, keep what it says before the startup line for the error message.
    let early = '';
    const keep = (chunk) => { early = (early + chunk).slice(-4000); };
    if (stderr === 'pipe') child.stderr.on('data', keep);
    const failed = (why) => new Error(`oauth-prefab-exchange ${why}: ${out}${early}`.trim());
    const timer = setTimeout(() => reject(failed('did not start')), 20_000);
    // 'close' comes after the output streams have ended, so the message has all of it.
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(failed(`exited with ${code}`));
    });
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const listening = out.match(/^oauth-prefab-exchange listening on (http:\/\/\S+:(\d+))$/m);
      if (listening) {
        clearTimeout(timer);
        if (stderr === 'pipe') child.stderr.off('data', keep);
        child.url = listening[1];
        child.port = Number(listening[2]);
        resolvePromise(child);
      }
    });
  });
}
