// Soak of the exchange (a benchmark, not a test): `concurrency` token requests at once through the
// release binary to the dev provider, without pause, for `seconds` (default 600: ten minutes).
// Each worker redeems a fresh code (scope `basic offline_access`), then refreshes the refresh
// token it got `refreshes` times in turn (each presenting the one the last rotated in), and starts
// again: nine refreshes to one code by default. Codes come from a few producers that keep a queue
// filled from the dev provider's consent form, so the exchange always has `concurrency` requests.
//
// Every `sampleSeconds` it reads the exchange's resident memory (VmRSS), open descriptors
// (/proc/PID/fd) and threads, and the requests, errors and latencies of the interval. Flat means:
// the last minute's median RSS within 1 MiB of the median of the minute after warm-up (the first
// two minutes: connection pools and allocator arenas fill), and the descriptors after warm-up
// within a band no wider than the concurrency (connections to the provider are pooled); the RSS
// slope after warm-up is reported too. Errors must be zero.
//
// Prints a table (a row a minute) and writes bench/exchange-soak-results.json with every sample.
//
//   node bench/exchange-soak.mjs [--seconds N] [--concurrency C] [--refreshes R]
//   npm run bench -- --soak        (the main bench runs it too, and puts its row in the table)
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildExchange, startExchange } from '../scripts/lib/exchange.mjs';
import {
  Failures, codeFields, drainStderr, exchangeConfig, freshCode, memory, mib, openFds, refreshFields,
  sleep, startBenchProvider, stop, summarize, tokenRequest,
} from './exchange-common.mjs';

const CLIENT_ID = 'bench-soak';
const SECRET = randomBytes(24).toString('base64url');
const SECRET_ENV = 'EXCHANGE_SOAK_SECRET';
const CODE_QUEUE = 200;
const CODE_PRODUCERS = 4;

/**
 * Runs the soak; returns its figures. Options: `seconds` (default 600), `concurrency` (50),
 * `refreshes` per code (9), `sampleSeconds` (5), `write` (bench/exchange-soak-results.json,
 * default true), `quiet`.
 */
export async function runExchangeSoak({
  seconds = 600, concurrency = 50, refreshes = 9, sampleSeconds = 5, write = true, quiet = false,
} = {}) {
  seconds = Math.max(10, Math.min(3600, Math.floor(seconds)));
  concurrency = Math.max(1, Math.min(200, Math.floor(concurrency)));
  const say = quiet ? () => {} : (line) => console.error(`exchange-soak: ${line}`);
  say('building (release)');
  const binary = buildExchange({ release: true });
  // Short lifetimes keep the dev provider's store small over the run (it forgets expired tokens).
  const provider = await startBenchProvider({ clientId: CLIENT_ID, secret: SECRET, args: ['--token-ttl', '120', '--refresh-ttl', '120'] });
  let exchange;
  try {
    exchange = await startExchange({
      binary, stderr: 'pipe', env: { [SECRET_ENV]: SECRET },
      config: exchangeConfig({ clientId: CLIENT_ID, providerUrl: provider.url, secretEnv: SECRET_ENV }),
    });
    const log = drainStderr(exchange);
    const tokenUrl = `${exchange.url}/token`;
    const pid = exchange.pid;
    const started = Date.now();
    const deadline = started + seconds * 1000;
    let running = true;

    // Codes, made ahead by a few producers (each lives 60 s at the provider).
    const codes = [];
    const waiting = [];
    let codeFailures = 0;
    const producer = async () => {
      while (running) {
        if (codes.length >= CODE_QUEUE) { await sleep(20); continue; }
        try {
          const code = await freshCode(provider.url, { clientId: CLIENT_ID, scope: 'basic offline_access' });
          const take = waiting.shift();
          if (take) take(code); else codes.push(code);
        } catch {
          codeFailures++;
          await sleep(100);
        }
      }
    };
    const nextCode = () => (codes.length > 0 ? Promise.resolve(codes.shift()) : new Promise((r) => waiting.push(r)));

    // The interval's figures, reset at each sample.
    let interval = { latencies: [], code: 0, refresh: 0, failures: new Failures() };
    const total = { code: 0, refresh: 0, failures: new Failures() };
    const record = (kind, answer) => {
      interval.latencies.push(answer.ms);
      interval[kind]++;
      total[kind]++;
      if (!answer.ok) { interval.failures.add(`${kind}: ${answer.failure}`); total.failures.add(`${kind}: ${answer.failure}`); }
    };

    const worker = async () => {
      while (Date.now() < deadline) {
        const grant = await nextCode();
        const redeemed = await tokenRequest(tokenUrl, codeFields({ clientId: CLIENT_ID, ...grant }));
        record('code', redeemed);
        let refreshToken = redeemed.json?.refresh_token;
        for (let r = 0; r < refreshes && refreshToken && Date.now() < deadline; r++) {
          const answer = await tokenRequest(tokenUrl, refreshFields({ clientId: CLIENT_ID, refreshToken }), { expectRefresh: true, previous: refreshToken });
          record('refresh', answer);
          refreshToken = answer.ok ? answer.json.refresh_token : null;
        }
      }
    };

    const samples = [];
    const sample = () => {
      const mem = memory(pid);
      const latency = summarize(interval.latencies);
      samples.push({
        t: Math.round((Date.now() - started) / 1000),
        rssKiB: mem.rssKiB,
        fds: openFds(pid),
        threads: mem.threads,
        requests: interval.code + interval.refresh,
        codeRequests: interval.code,
        refreshRequests: interval.refresh,
        errors: interval.failures.count,
        p50: latency.p50,
        p99: latency.p99,
      });
      interval = { latencies: [], code: 0, refresh: 0, failures: new Failures() };
    };

    say(`${concurrency} token requests at once for ${seconds} s (a code, then ${refreshes} refreshes, per worker)`);
    sample();
    const sampler = setInterval(() => {
      sample();
      const s = samples.at(-1);
      if (s.t % 60 < sampleSeconds) say(`${s.t} s: ${s.requests} requests in the last ${sampleSeconds} s, RSS ${mib(s.rssKiB)}, ${s.fds} fds, ${total.failures.count} errors so far`);
    }, sampleSeconds * 1000);
    const producers = Array.from({ length: CODE_PRODUCERS }, producer);
    await Promise.all(Array.from({ length: concurrency }, worker));
    clearInterval(sampler);
    sample();
    running = false;
    for (const take of waiting.splice(0)) take(null);
    await Promise.all(producers);

    const figures = summarizeSoak({ samples, total, seconds, concurrency, refreshes, sampleSeconds, codeFailures, peakKiB: memory(pid).peakKiB });
    if (!quiet) console.log(soakTable(figures));
    if (total.failures.count > 0 && !quiet) console.error(`exchange-soak: the exchange's log ends with:\n${log.tail}`);
    if (write) writeFileSync(join(import.meta.dirname, 'exchange-soak-results.json'), `${JSON.stringify(figures, null, 2)}\n`);
    return figures;
  } finally {
    await Promise.all([stop(exchange), provider.stop()]);
  }
}

const median = (values) => {
  const sorted = values.filter((v) => v !== null).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
};

/** Least-squares slope of `y` over `t` (seconds), per minute; null for fewer than two points. */
function slopePerMinute(points) {
  if (points.length < 2) return null;
  const mt = points.reduce((a, p) => a + p.t, 0) / points.length;
  const my = points.reduce((a, p) => a + p.y, 0) / points.length;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return den === 0 ? null : Math.round((num / den) * 60 * 10) / 10;
}

/** The verdict from the samples: warm-up is the first two minutes (or the first third of a short run). */
export function summarizeSoak({ samples, total, seconds, concurrency, refreshes, sampleSeconds, codeFailures, peakKiB }) {
  const warmUp = Math.min(120, Math.floor(seconds / 3));
  const warm = samples.filter((s) => s.t >= warmUp);
  const firstMinute = samples.filter((s) => s.t >= warmUp && s.t < warmUp + 60);
  const lastMinute = samples.filter((s) => s.t > seconds - 60 && s.t >= warmUp);
  const rssAfterWarmUp = median(firstMinute.map((s) => s.rssKiB));
  const rssLastMinute = median(lastMinute.map((s) => s.rssKiB));
  const fds = warm.map((s) => s.fds).filter((v) => v !== null);
  const requests = total.code + total.refresh;
  const flatMemory = rssAfterWarmUp !== null && rssLastMinute !== null && rssLastMinute - rssAfterWarmUp <= 1024;
  const flatFds = fds.length > 0 && Math.max(...fds) - Math.min(...fds) <= concurrency;
  return {
    date: new Date().toISOString(),
    build: 'release',
    seconds,
    concurrency,
    refreshesPerCode: refreshes,
    sampleSeconds,
    warmUpSeconds: warmUp,
    requests,
    codeRequests: total.code,
    refreshRequests: total.refresh,
    throughputPerSec: Math.round((requests / seconds) * 10) / 10,
    errors: total.failures.count,
    errorKinds: total.failures.toJSON(),
    codeFetchFailures: codeFailures,
    rssKiB: {
      atStart: samples[0]?.rssKiB ?? null,
      afterWarmUpMedian: rssAfterWarmUp,
      lastMinuteMedian: rssLastMinute,
      slopeAfterWarmUpPerMinute: slopePerMinute(warm.filter((s) => s.rssKiB !== null).map((s) => ({ t: s.t, y: s.rssKiB }))),
      peak: peakKiB,
      max: Math.max(...samples.map((s) => s.rssKiB ?? 0)),
    },
    fds: {
      atStart: samples[0]?.fds ?? null,
      afterWarmUpMin: fds.length ? Math.min(...fds) : null,
      afterWarmUpMax: fds.length ? Math.max(...fds) : null,
      slopeAfterWarmUpPerMinute: slopePerMinute(warm.filter((s) => s.fds !== null).map((s) => ({ t: s.t, y: s.fds }))),
      atEnd: samples.at(-1)?.fds ?? null,
    },
    latencyMs: {
      p50Median: median(warm.map((s) => s.p50)),
      p99Median: median(warm.map((s) => s.p99)),
      p99Max: Math.max(...warm.map((s) => s.p99 ?? 0)),
    },
    flatMemory,
    flatFds,
    ok: total.failures.count === 0 && flatMemory && flatFds,
    samples,
  };
}

/** A row a minute, and the verdict. */
export function soakTable(f) {
  const rows = f.samples.filter((s, i) => i === 0 || s.t % 60 < f.sampleSeconds || i === f.samples.length - 1);
  const lines = [
    `| Exchange soak (release, ${f.concurrency} token requests at once, ${f.seconds} s) | RSS | open fds | threads | requests in ${f.sampleSeconds} s | p50 / p99 | errors |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((s) => `| ${s.t} s | ${mib(s.rssKiB)} | ${s.fds} | ${s.threads} | ${s.requests} | ${s.p50 ?? '–'} / ${s.p99 ?? '–'} ms | ${s.errors} |`),
  ];
  return `${lines.join('\n')}\n\n${soakSummary(f)}`;
}

/** One sentence: what ran, and whether memory and descriptors stayed flat. */
export function soakSummary(f) {
  return `${f.requests.toLocaleString('en-US')} token requests (${f.codeRequests.toLocaleString('en-US')} codes, ${f.refreshRequests.toLocaleString('en-US')} refreshes), ${f.throughputPerSec} req/s, `
    + `${f.errors} errors; RSS ${mib(f.rssKiB.afterWarmUpMedian)} in the minute after warm-up (${f.warmUpSeconds} s), ${mib(f.rssKiB.lastMinuteMedian)} in the last `
    + `(${f.rssKiB.slopeAfterWarmUpPerMinute} KiB/min after warm-up; peak ${mib(f.rssKiB.peak)}): ${f.flatMemory ? 'flat' : 'NOT flat'}; `
    + `open fds ${f.fds.afterWarmUpMin}–${f.fds.afterWarmUpMax} after warm-up: ${f.flatFds ? 'flat' : 'NOT flat'}; p50 ${f.latencyMs.p50Median} ms, p99 ${f.latencyMs.p99Median} ms (medians of the ${f.sampleSeconds}-s intervals).`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const figures = await runExchangeSoak({
    seconds: arg('--seconds', 600), concurrency: arg('--concurrency', 50), refreshes: arg('--refreshes', 9),
  });
  process.exitCode = figures.ok ? 0 : 1;
}
