// Load check of the exchange (a benchmark, not a test): the dev provider and the exchange on
// loopback, N fresh authorization codes from the dev provider's consent form (each with its own
// PKCE pair), then N token requests through the exchange, `concurrency` at a time, as a page
// would send them. Reports throughput, p50/p99 latency, the exchange's peak RSS (VmHWM from
// /proc/PID/status) and the error count, which must be zero.
//
// Prints a short table and writes bench/exchange-results.json. `runExchangeLoad()` returns the
// figures, for the main bench. Timings are noisy (two cores): they never go in a test.
//
//   node bench/exchange-load.mjs [--requests N] [--concurrency C] [--release]
//
// `--release` builds the exchange with the workspace's release profile (opt-level "z" and LTO,
// tuned for the wasm package); the default is the debug build, like the dev provider's.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildProvider, startProvider } from '../scripts/lib/provider.mjs';
import { buildExchange, startExchange } from '../scripts/lib/exchange.mjs';

const CLIENT_ID = 'bench-exchange';
const SECRET = randomBytes(24).toString('base64url');
const REDIRECT_URI = 'http://localhost:8080/';
const ORIGIN = 'http://localhost:8080';
// Bounds: the whole run stops by itself, whatever it is asked.
const MAX_REQUESTS = 5000;
const MAX_CONCURRENCY = 200;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The dev provider's binary. provider.mjs looks for it in target/; with CARGO_TARGET_DIR set
 * (a target directory of one's own), build it there and use that one.
 */
function providerBinary() {
  const targetDir = process.env.CARGO_TARGET_DIR;
  if (!targetDir) return buildProvider();
  const root = resolve(import.meta.dirname, '..');
  execFileSync('cargo', ['build', '--quiet', '-p', 'dev-provider'], { cwd: root, stdio: 'inherit' });
  return join(isAbsolute(targetDir) ? targetDir : join(root, targetDir), 'debug', 'dev-provider');
}

/** Runs `count` tasks, at most `limit` at once, until done or `deadline` (ms since epoch). */
async function pool(count, limit, deadline, task) {
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return next;
}

function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Peak resident set size of a process, in KiB (Linux only; null elsewhere). */
function peakRssKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = status.match(/^VmHWM:\s+(\d+) kB$/m);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** CPU time a process has used so far, in ms (user + system; Linux only, else null). */
function cpuMs(pid) {
  try {
    // Fields after the command name (which is in parentheses and may contain spaces).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => { clearTimeout(force); done(); });
    child.kill('SIGTERM');
  });
}

/** A fresh code from the dev provider's consent form, with the verifier it needs. */
async function freshCode(provider) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const body = new URLSearchParams({
    decision: 'allow', client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: 'code',
    scope: 'basic', state: randomBytes(16).toString('hex'),
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  const res = await fetch(`${provider}/oauth/authorize`, {
    method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const code = new URL(res.headers.get('location') ?? 'about:blank').searchParams.get('code');
  if (res.status !== 303 || !code) throw new Error(`consent form answered ${res.status} without a code`);
  return { code, verifier };
}

/**
 * Runs the load check and returns its figures. Options: `requests` (default 500), `concurrency`
 * (default 50), `release` (build the exchange in release), `budgetMs` (the whole run's bound,
 * default 120 s), `write` (write bench/exchange-results.json, default true), `quiet`.
 */
export async function runExchangeLoad({
  requests = 500, concurrency = 50, release = false, budgetMs = 120_000, write = true, quiet = false,
} = {}) {
  requests = Math.max(1, Math.min(MAX_REQUESTS, Math.floor(requests)));
  concurrency = Math.max(1, Math.min(MAX_CONCURRENCY, Math.floor(concurrency)));
  const say = quiet ? () => {} : (line) => console.error(`exchange-load: ${line}`);
  const tempDir = mkdtempSync(join(tmpdir(), 'exchange-load-'));
  const clientsFile = join(tempDir, 'clients.json');
  writeFileSync(clientsFile, JSON.stringify({
    clients: [{ id: CLIENT_ID, secret: SECRET, name: 'Exchange load', redirect_uris: [REDIRECT_URI] }],
  }));

  let provider;
  let exchange;
  let logLines = 0;
  let logTail = '';
  try {
    say(`building (${release ? 'release' : 'debug'})`);
    const binary = buildExchange({ release });
    provider = await startProvider({ args: ['--clients', clientsFile], binary: providerBinary() });
    const providerUrl = `http://127.0.0.1:${provider.port}`;
    exchange = await startExchange({
      binary,
      stderr: 'pipe',
      env: { EXCHANGE_LOAD_SECRET: SECRET },
      config: {
        upstream_timeout_ms: 5_000,
        clients: [{
          client_id: CLIENT_ID,
          token_endpoint: `${providerUrl}/oauth/access_token`,
          client_secret_env: 'EXCHANGE_LOAD_SECRET',
          client_auth: 'client_secret_post',
          redirect_uris: [REDIRECT_URI],
          allowed_origins: [ORIGIN],
        }],
      },
    });
    // Drain its log (a full pipe would stall it), counting lines and keeping the end for errors.
    exchange.stderr.setEncoding('utf8');
    exchange.stderr.on('data', (chunk) => {
      logLines += (chunk.match(/\n/g) ?? []).length;
      logTail = (logTail + chunk).slice(-4000);
    });
    const rssAtStart = peakRssKiB(exchange.pid);
    const deadline = Date.now() + budgetMs;

    // Codes live 60 s at the dev provider: fetch them all first, then spend them at once.
    say(`getting ${requests} codes from the dev provider`);
    const grants = new Array(requests).fill(null);
    let codeFailure = null;
    await pool(requests, concurrency, deadline, async (i) => {
      grants[i] = await freshCode(providerUrl).catch((e) => { codeFailure = e.message; return null; });
    });

    say(`sending ${requests} token requests through the exchange, ${concurrency} at a time`);
    const latencies = [];
    const failures = new Map();
    const fail = (why) => failures.set(why, (failures.get(why) ?? 0) + 1);
    const cpuBefore = cpuMs(exchange.pid);
    const started = performance.now();
    const sent = await pool(requests, concurrency, deadline, async (i) => {
      if (!grants[i]) return fail(`no code from the dev provider (${codeFailure ?? 'out of time'})`);
      const { code, verifier } = grants[i];
      const body = new URLSearchParams({
        grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, code_verifier: verifier,
      });
      const t0 = performance.now();
      try {
        const res = await fetch(`${exchange.url}/token`, {
          method: 'POST', body, headers: { Origin: ORIGIN }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const json = await res.json().catch(() => null);
        latencies.push(performance.now() - t0);
        if (res.status !== 200) fail(`HTTP ${res.status} ${json?.error ?? ''}`.trim());
        else if (typeof json?.access_token !== 'string') fail('no access_token');
      } catch (e) {
        fail(e.name === 'TimeoutError' ? 'timeout' : `fetch failed: ${e.cause?.code ?? e.message}`);
      }
    });
    const elapsedMs = performance.now() - started;
    const cpuAfter = cpuMs(exchange.pid);
    for (let i = sent; i < requests; i++) fail(`not sent within the ${budgetMs} ms budget`);

    const sorted = latencies.sort((a, b) => a - b);
    const round = (ms) => (ms === null ? null : Math.round(ms * 100) / 100);
    const errors = [...failures.values()].reduce((a, b) => a + b, 0);
    const figures = {
      date: new Date().toISOString(),
      build: release ? 'release' : 'debug',
      cpus: availableParallelism(),
      node: process.version,
      requests,
      concurrency,
      durationMs: Math.round(elapsedMs),
      throughputPerSec: Math.round((sent / elapsedMs) * 1000 * 10) / 10,
      latencyMs: { p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), max: round(sorted.at(-1) ?? null) },
      exchangeCpuMsPerRequest: cpuBefore === null || cpuAfter === null ? null : Math.round(((cpuAfter - cpuBefore) / Math.max(1, sent)) * 1000) / 1000,
      peakRssKiB: peakRssKiB(exchange.pid),
      rssAtStartKiB: rssAtStart,
      errors,
      errorKinds: Object.fromEntries(failures),
      logLines,
    };
    if (!quiet) printTable(figures);
    if (errors > 0 && !quiet) console.error(`exchange-load: the exchange's log ends with:\n${logTail}`);
    if (write) writeFileSync(join(import.meta.dirname, 'exchange-results.json'), `${JSON.stringify(figures, null, 2)}\n`);
    return figures;
  } finally {
    await Promise.all([stop(exchange), stop(provider)]);
    rmSync(tempDir, { recursive: true, force: true });
  }
}

function printTable(f) {
  const rows = [
    ['build', f.build],
    ['requests (concurrency)', `${f.requests} (${f.concurrency})`],
    ['throughput', `${f.throughputPerSec} req/s`],
    ['latency p50 / p99 / max', `${f.latencyMs.p50} / ${f.latencyMs.p99} / ${f.latencyMs.max} ms`],
    ['exchange CPU per request', f.exchangeCpuMsPerRequest === null ? 'n/a' : `${f.exchangeCpuMsPerRequest} ms`],
    ['peak RSS (VmHWM)', f.peakRssKiB === null ? 'n/a' : `${(f.peakRssKiB / 1024).toFixed(1)} MiB (at start ${(f.rssAtStartKiB / 1024).toFixed(1)} MiB)`],
    ['errors', f.errors === 0 ? '0' : `${f.errors} ${JSON.stringify(f.errorKinds)}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`| ${'exchange load'.padEnd(width)} | |\n| ${'-'.repeat(width)} | --- |`);
  for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const figures = await runExchangeLoad({
    requests: arg('--requests', 500),
    concurrency: arg('--concurrency', 50),
    release: process.argv.includes('--release'),
  });
  process.exitCode = figures.errors === 0 ? 0 : 1;
}
