// nginx in front of copies of the exchange, started through scripts/lb.sh (which installs nginx
// when it is missing and writes its config from bench/lb/nginx.conf.template). For the scale-out
// bench (bench/exchange-lb.mjs) and the e2e test (tests/e2e/loadbalancer.test.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const script = join(root, 'scripts', 'lb.sh');

/** Installs nginx if it is missing (scripts/lb.sh install); throws with its output if that fails. */
export function installBalancer() {
  try {
    execFileSync('bash', [script, 'install'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    throw new Error(`scripts/lb.sh install failed: ${e.stderr || e.message}`);
  }
}

/** A port that was free a moment ago (nginx cannot pick one itself). */
function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

/**
 * Starts nginx balancing over `upstreams` (["127.0.0.1:PORT", ...]) and resolves once it answers
 * `GET /healthz` (through a copy). Resolves with `{ url, port, child, dir, log(), entries(), stop() }`:
 * `entries()` parses its access log (one line per request, see the template's `log_format lb`).
 * `keepalive` is the idle connections it keeps to the copies (0: none, a connection per request).
 */
export async function startBalancer({ upstreams, keepalive = 16, readTimeout = '20s' }) {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'oauth-prefab-lb-'));
    const args = [script, 'run', '--dir', dir, '--port', String(port), '--read-timeout', readTimeout];
    if (keepalive > 0) args.push('--keepalive', String(keepalive));
    for (const upstream of upstreams) args.push('--upstream', upstream);
    const child = spawn('bash', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-8000); });
    const url = `http://127.0.0.1:${port}`;
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    const ready = await Promise.race([waitForHealth(url, 15_000), exited.then(() => false)]);
    if (ready === true) {
      const balancer = {
        url, port, child, dir,
        get stderr() { return stderr; },
        log: () => (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : ''),
        entries: () => parseLog(balancer.log()),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            await exited;
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
      return balancer;
    }
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    // Another process took the port between freePort() and nginx's bind: try another.
    if (attempt < 3 && /Address already in use/.test(stderr)) continue;
    throw new Error(`nginx did not start (scripts/lb.sh run):\n${stderr}`);
  }
}

async function waitForHealth(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return true;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * The access log's entries: `{ time, id, method, uri, status, upstreams: [addr...],
 * upstreamStatuses: [status...], retried }`, where `retried` means nginx passed the request on
 * to another copy after the first failed.
 */
export function parseLog(text) {
  return text.split('\n').filter(Boolean).map((line) => {
    const [time, id, method, uri, status, addrs, statuses, requestTime] = line.split('|');
    const list = (value) => (value === '-' ? [] : value.split(/\s*[,:]\s+/).filter(Boolean));
    const upstreams = addrs === '-' ? [] : addrs.split(/\s*,\s*/);
    return {
      time: Number(time), id: id === '-' ? null : id, method, uri, status: Number(status),
      upstreams, upstreamStatuses: list(statuses), requestTime: Number(requestTime), retried: upstreams.length > 1,
    };
  });
}
