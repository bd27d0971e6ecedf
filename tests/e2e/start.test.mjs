// `npm start` (scripts/start.mjs) when the demo's port is taken: it says which port and what to
// do, and stops the provider and the exchange it had already started, so they do not outlive it
// holding their ports (the next `npm start` would then fail on those).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/** A server listening on a free port of `host`. */
function listen(host) {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => resolvePromise(server));
  });
}

/** Whether `port` on 127.0.0.1 can be listened on now. */
async function isFree(port) {
  try {
    const server = await new Promise((resolvePromise, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolvePromise(s));
    });
    await new Promise((r) => server.close(r));
    return true;
  } catch {
    return false;
  }
}

/** Runs `npm start`'s script with `ports` (DEMO_PORT, PROVIDER_PORT, EXCHANGE_PORT) until it exits. */
async function runStart(ports) {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    env: { ...process.env, ...ports },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const code = await new Promise((r) => child.once('exit', r));
  return { code, stderr };
}

test('a taken DEMO_PORT: start names it and DEMO_PORT, and leaves no provider or exchange behind', async () => {
  const blocker = await listen('localhost');
  const free = await Promise.all([listen('127.0.0.1'), listen('127.0.0.1')]);
  const [providerPort, exchangePort] = free.map((s) => s.address().port);
  await Promise.all(free.map((s) => new Promise((r) => s.close(r))));
  const { code, stderr } = await runStart({ DEMO_PORT: String(blocker.address().port), PROVIDER_PORT: String(providerPort), EXCHANGE_PORT: String(exchangePort) });
  blocker.close();
  assert.equal(code, 1);
  assert.match(stderr, new RegExp(`port ${blocker.address()?.port ?? '\\d+'} is in use.*DEMO_PORT`));
  assert.ok(await isFree(providerPort), 'the provider was stopped');
  assert.ok(await isFree(exchangePort), 'the exchange was stopped');
});

test('a taken PROVIDER_PORT: start says to choose another with PROVIDER_PORT, with no stack trace', async () => {
  const blocker = await listen('127.0.0.1');
  const { code, stderr } = await runStart({ PROVIDER_PORT: String(blocker.address().port), EXCHANGE_PORT: '0', DEMO_PORT: '0' });
  blocker.close();
  assert.equal(code, 1);
  assert.match(stderr, /Address already in use/);
  assert.match(stderr, /choose another with PROVIDER_PORT=/);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
});
