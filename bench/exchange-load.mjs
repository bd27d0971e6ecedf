// Load check of the exchange (a benchmark, not a test): the dev provider and the exchange on
// loopback, N fresh authorization codes from the dev provider's consent form (each with its own
// PKCE pair, scope `basic offline_access`), then N token requests through the exchange,
// `concurrency` at a time, as a page would send them; then the refresh path: each refresh token
// those answers carried is refreshed through the exchange `refreshRounds` times in turn (each
// round presents the token the previous one rotated in), `concurrency` at a time. Reports, for
// each path, throughput, p50/p99 latency, the exchange's CPU per request and the error count,
// which must be zero; and the exchange's peak RSS (VmHWM from /proc/PID/status).
//
// Prints a short table and writes bench/exchange-results.json. `runExchangeLoad()` returns the
// figures, for the main bench. Timings are noisy (two cores): they never go in a test.
//
//   node bench/exchange-load.mjs [--requests N] [--concurrency C] [--refresh-rounds R] [--release]
//
// `--release` builds the exchange with the workspace's release profile (opt-level "z" and LTO,
// tuned for the wasm package); the default is the debug build, like the dev provider's.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildExchange, startExchange } from '../scripts/lib/exchange.mjs';
import {
  Failures, codeFields, cpuMs, drainStderr, exchangeConfig, freshCode, memory, pool, refreshFields,
  startBenchProvider, stop, summarize, tokenRequest,
} from './exchange-common.mjs';

const CLIENT_ID = 'bench-exchange';
const SECRET = randomBytes(24).toString('base64url');
// Bounds: the whole run stops by itself, whatever it is asked.
const MAX_REQUESTS = 5000;
const MAX_CONCURRENCY = 200;
const MAX_REFRESH_ROUNDS = 10;

/** `count` requests made by `make(i)` (null: no request to make), `concurrency` at a time. */
async function phase({ count, concurrency, deadline, budgetMs, pid, make }) {
  const latencies = [];
  const failures = new Failures();
  const cpuBefore = cpuMs(pid);
  const started = performance.now();
  const sent = await pool(count, concurrency, deadline, async (i) => {
    const request = make(i);
    if (typeof request === 'string') return failures.add(request);
    const answer = await request;
    if (answer.status !== 0) latencies.push(answer.ms);
    if (!answer.ok) failures.add(answer.failure);
  });
  const elapsedMs = performance.now() - started;
  const cpuAfter = cpuMs(pid);
  for (let i = sent; i < count; i++) failures.add(`not sent within the ${budgetMs} ms budget`);
  const latency = summarize(latencies);
  return {
    requests: count,
    durationMs: Math.round(elapsedMs),
    throughputPerSec: Math.round((sent / elapsedMs) * 1000 * 10) / 10,
    latencyMs: { p50: latency.p50, p99: latency.p99, max: latency.max },
    exchangeCpuMsPerRequest: cpuBefore === null || cpuAfter === null ? null : Math.round(((cpuAfter - cpuBefore) / Math.max(1, sent)) * 1000) / 1000,
    errors: failures.count,
    errorKinds: failures.toJSON(),
  };
}

/**
 * Runs the load check and returns its figures. Options: `requests` (default 500), `concurrency`
 * (default 50), `refreshRounds` (default 2: each refresh token is refreshed twice in turn),
 * `release` (build the exchange in release), `budgetMs` (the whole run's bound, default 120 s),
 * `write` (write bench/exchange-results.json, default true), `quiet`.
 */
export async function runExchangeLoad({
  requests = 500, concurrency = 50, refreshRounds = 2, release = false, budgetMs = 120_000, write = true, quiet = false,
} = {}) {
  requests = Math.max(1, Math.min(MAX_REQUESTS, Math.floor(requests)));
  concurrency = Math.max(1, Math.min(MAX_CONCURRENCY, Math.floor(concurrency)));
  refreshRounds = Math.max(0, Math.min(MAX_REFRESH_ROUNDS, Math.floor(refreshRounds)));
  const say = quiet ? () => {} : (line) => console.error(`exchange-load: ${line}`);

  let provider;
  let exchange;
  try {
    say(`building (${release ? 'release' : 'debug'})`);
    const binary = buildExchange({ release });
    provider = await startBenchProvider({ clientId: CLIENT_ID, secret: SECRET });
    exchange = await startExchange({
      binary,
      stderr: 'pipe',
      env: { EXCHANGE_LOAD_SECRET: SECRET },
      config: exchangeConfig({ clientId: CLIENT_ID, providerUrl: provider.url, secretEnv: 'EXCHANGE_LOAD_SECRET' }),
    });
    const log = drainStderr(exchange);
    const rssAtStart = memory(exchange.pid).peakKiB;
    const deadline = Date.now() + budgetMs;
    const tokenUrl = `${exchange.url}/token`;

    // Codes live 60 s at the dev provider: fetch them all first, then spend them at once.
    say(`getting ${requests} codes from the dev provider`);
    const grants = new Array(requests).fill(null);
    let codeFailure = null;
    await pool(requests, concurrency, deadline, async (i) => {
      grants[i] = await freshCode(provider.url, { clientId: CLIENT_ID, scope: 'basic offline_access' })
        .catch((e) => { codeFailure = e.message; return null; });
    });

    say(`sending ${requests} token requests through the exchange, ${concurrency} at a time`);
    const refreshTokens = new Array(requests).fill(null);
    const code = await phase({
      count: requests, concurrency, deadline, budgetMs, pid: exchange.pid,
      make: (i) => {
        if (!grants[i]) return `no code from the dev provider (${codeFailure ?? 'out of time'})`;
        return tokenRequest(tokenUrl, codeFields({ clientId: CLIENT_ID, ...grants[i] })).then((answer) => {
          refreshTokens[i] = answer.json?.refresh_token ?? null;
          if (answer.ok && !refreshTokens[i]) return { ...answer, ok: false, failure: 'no refresh_token for offline_access' };
          return answer;
        });
      },
    });

    // The refresh path: round r presents the token that round r-1 rotated in.
    say(`refreshing ${requests} refresh tokens ${refreshRounds} times in turn through the exchange, ${concurrency} at a time`);
    const rounds = requests * refreshRounds;
    const previousRound = new Array(requests).fill(Promise.resolve());
    const refresh = await phase({
      count: rounds, concurrency, deadline, budgetMs, pid: exchange.pid,
      make: (n) => {
        const i = n % requests;
        // Rounds of one token go in turn (the pool's order makes the wait rare).
        const request = previousRound[i].then(() => {
          const previous = refreshTokens[i];
          if (!previous) return { ok: false, status: 0, ms: 0, failure: 'no refresh token to present' };
          return tokenRequest(tokenUrl, refreshFields({ clientId: CLIENT_ID, refreshToken: previous }), { expectRefresh: true, previous })
            .then((answer) => { refreshTokens[i] = answer.ok ? answer.json.refresh_token : null; return answer; });
        });
        previousRound[i] = request;
        return request;
      },
    });

    const mem = memory(exchange.pid);
    const figures = {
      date: new Date().toISOString(),
      build: release ? 'release' : 'debug',
      cpus: availableParallelism(),
      node: process.version,
      requests,
      concurrency,
      durationMs: code.durationMs,
      throughputPerSec: code.throughputPerSec,
      latencyMs: code.latencyMs,
      exchangeCpuMsPerRequest: code.exchangeCpuMsPerRequest,
      peakRssKiB: mem.peakKiB,
      rssAtStartKiB: rssAtStart,
      errors: code.errors + refresh.errors,
      errorKinds: { ...code.errorKinds, ...Object.fromEntries(Object.entries(refresh.errorKinds).map(([k, v]) => [`refresh: ${k}`, v])) },
      refresh: { rounds: refreshRounds, ...refresh },
      logLines: log.lines,
    };
    if (!quiet) printTable(figures);
    if (figures.errors > 0 && !quiet) console.error(`exchange-load: the exchange's log ends with:\n${log.tail}`);
    if (write) writeFileSync(join(import.meta.dirname, 'exchange-results.json'), `${JSON.stringify(figures, null, 2)}\n`);
    return figures;
  } finally {
    await Promise.all([stop(exchange), provider?.stop()]);
  }
}

function printTable(f) {
  const r = f.refresh;
  const rows = [
    ['build', f.build],
    ['code requests (concurrency)', `${f.requests} (${f.concurrency})`],
    ['throughput', `${f.throughputPerSec} req/s`],
    ['latency p50 / p99 / max', `${f.latencyMs.p50} / ${f.latencyMs.p99} / ${f.latencyMs.max} ms`],
    ['exchange CPU per request', f.exchangeCpuMsPerRequest === null ? 'n/a' : `${f.exchangeCpuMsPerRequest} ms`],
    ['refresh requests (rounds)', `${r.requests} (${r.rounds})`],
    ['refresh throughput', `${r.throughputPerSec} req/s`],
    ['refresh latency p50 / p99 / max', `${r.latencyMs.p50} / ${r.latencyMs.p99} / ${r.latencyMs.max} ms`],
    ['exchange CPU per refresh', r.exchangeCpuMsPerRequest === null ? 'n/a' : `${r.exchangeCpuMsPerRequest} ms`],
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
    refreshRounds: arg('--refresh-rounds', 2),
    release: process.argv.includes('--release'),
  });
  process.exitCode = figures.errors === 0 ? 0 : 1;
}
