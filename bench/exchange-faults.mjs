// The exchange's release binary under fault (a benchmark, not a test; exchange/tests/faults.rs
// and shutdown.rs are the deterministic tests of the same cases):
//
//   1. start-up: the binary started `startups` times, the time from spawn to its startup line
//      (median and max), and its resident memory then (VmRSS), and its size on disk;
//   2. a provider that fails, each in its own exchange process, `requests` token requests
//      `concurrency` at a time, against a fake provider (a raw TCP server in this process):
//      - reset: the head and half the body, then a connection reset (RST);
//      - trickle: one byte every 50 ms, past the exchange's bound (upstream_timeout_ms 1000);
//      - 10 MB: a chunked answer of 10 MB, written as fast as the exchange takes it;
//      each must be a 502 for every request, within the bound, with the exchange's peak memory;
//   3. graceful shutdown under load: `concurrency` clients send token requests without pause,
//      each on its own connection, to a provider that answers after 1 s; SIGTERM after 3 s.
//      Every request the exchange accepted must get its 200; the others must be refused at
//      connect (nothing sent). Counts each, and the time from the signal to the exit.
//
// Prints a table and writes bench/exchange-faults-results.json; `runExchangeFaults()` returns
// the figures, for the main bench.
//
//   node bench/exchange-faults.mjs [--requests N] [--concurrency C] [--startups N]
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildExchange, startExchange } from '../scripts/lib/exchange.mjs';
import {
  Failures, ORIGIN, REDIRECT_URI, drainStderr, memory, pool, sleep, stop, summarize, tokenRequest,
} from './exchange-common.mjs';

const CLIENT_ID = 'bench-faults';
const SECRET_ENV = 'EXCHANGE_FAULTS_SECRET';
const BOUND_MS = 1_000;
const TOKEN_BODY = JSON.stringify({ access_token: 'fault-bench-token', token_type: 'bearer', expires_in: 60 });
// It closes the connection after answering, so it says so (RFC 9112 9.6): without
// `Connection: close` the exchange pools the connection, and a request it sends there as the
// close arrives is a 502 that no one may retry (about 1 in 600 of the shutdown measure's requests did).
const GOOD_ANSWER = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${TOKEN_BODY.length}\r\nConnection: close\r\n\r\n${TOKEN_BODY}`;
const TEN_MB = 10 * 1000 * 1000;

/**
 * A token endpoint on a raw TCP socket: each connection's request is read whole, then `answer`
 * (socket, stats) runs. Resolves with `{ url, stats, close }`.
 */
async function fakeProvider(answer) {
  const stats = { connections: 0 };
  const sockets = new Set();
  const server = createServer((socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    const onData = (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(buffer.subarray(0, end).toString())?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      socket.off('data', onData);
      answer(socket);
    };
    socket.on('data', onData);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}

const ANSWERS = {
  reset: (socket) => {
    socket.write(GOOD_ANSWER.slice(0, GOOD_ANSWER.length - 20), () => setTimeout(() => socket.resetAndDestroy(), 5));
  },
  trickle: (socket) => {
    let at = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || at >= GOOD_ANSWER.length) { clearInterval(timer); return; }
      socket.write(GOOD_ANSWER[at++]);
    }, 50);
    socket.on('close', () => clearInterval(timer));
  },
  tenMegabytes: (socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.concat([Buffer.from(`${(16384).toString(16)}\r\n`), Buffer.alloc(16384, 'x'), Buffer.from('\r\n')]);
    let sent = 0;
    const pump = () => {
      while (!socket.destroyed && sent < TEN_MB) {
        sent += 16384;
        if (!socket.write(chunk)) { socket.once('drain', pump); return; }
      }
      if (!socket.destroyed) socket.end('0\r\n\r\n');
    };
    pump();
  },
  slowOk: (socket) => {
    setTimeout(() => { if (!socket.destroyed) socket.end(GOOD_ANSWER); }, 1_000);
  },
};

function configFor(providerUrl, timeoutMs = BOUND_MS) {
  return {
    upstream_timeout_ms: timeoutMs,
    clients: [{
      client_id: CLIENT_ID,
      token_endpoint: `${providerUrl}/token`,
      client_secret_env: SECRET_ENV,
      client_auth: 'client_secret_post',
      redirect_uris: [REDIRECT_URI],
      allowed_origins: [ORIGIN],
    }],
  };
}

function tokenForm(i) {
  return new URLSearchParams({
    grant_type: 'authorization_code', code: `code-${i}`, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID,
    code_verifier: 'v'.repeat(43),
  });
}

// ---- 1. start-up ------------------------------------------------------------------------------

async function startupOnce(binary, configPath) {
  const t0 = performance.now();
  const child = spawn(binary, ['--config', configPath, '--port', '0'], {
    env: { ...process.env, [SECRET_ENV]: 'secret' }, stdio: ['ignore', 'pipe', 'ignore'],
  });
  const ms = await new Promise((resolvePromise, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolvePromise(performance.now() - t0);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
  const atStart = memory(child.pid).rssKiB;
  await sleep(100);
  const settled = memory(child.pid);
  await stop(child);
  return { ms, rssAtLineKiB: atStart, rssKiB: settled.rssKiB, threads: settled.threads };
}

async function measureStartup(binary, startups) {
  const provider = await fakeProvider(() => {});
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'exchange-faults-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(configFor(provider.url)));
  try {
    await startupOnce(binary, configPath); // warm the page cache
    const runs = [];
    for (let i = 0; i < startups; i++) runs.push(await startupOnce(binary, configPath));
    const times = summarize(runs.map((r) => r.ms));
    const rss = runs.map((r) => r.rssKiB).sort((a, b) => a - b);
    return {
      runs: startups,
      binaryBytes: statSync(binary).size,
      toStartupLineMs: { p50: times.p50, max: times.max },
      rssKiB: { median: rss[Math.floor(rss.length / 2)], max: rss.at(-1) },
      threads: runs[0].threads,
    };
  } finally {
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 2. providers that fail ---------------------------------------------------------------------

async function measureFault(binary, mode, { requests, concurrency }) {
  const provider = await fakeProvider(ANSWERS[mode]);
  const exchange = await startExchange({ binary, stderr: 'pipe', env: { [SECRET_ENV]: 'secret' }, config: configFor(provider.url) });
  const log = drainStderr(exchange);
  try {
    const before = memory(exchange.pid);
    const latencies = [];
    const failures = new Failures();
    const started = performance.now();
    await pool(requests, concurrency, Date.now() + 120_000, async (i) => {
      const answer = await tokenRequest(`${exchange.url}/token`, tokenForm(i), { timeoutMs: 15_000 });
      latencies.push(answer.ms);
      if (answer.status !== 502 || answer.json?.error !== 'server_error') failures.add(answer.failure ?? `HTTP ${answer.status}`);
    });
    const elapsedMs = performance.now() - started;
    const after = memory(exchange.pid);
    return {
      requests,
      concurrency,
      badGateway: requests - failures.count,
      otherAnswers: failures.count,
      otherKinds: failures.toJSON(),
      latencyMs: summarize(latencies),
      durationMs: Math.round(elapsedMs),
      providerConnections: provider.stats.connections,
      rssBeforeKiB: before.rssKiB,
      peakRssKiB: after.peakKiB,
      logTail: failures.count > 0 ? log.tail : undefined,
    };
  } finally {
    await stop(exchange);
    await provider.close();
  }
}

// ---- 3. graceful shutdown under load ----------------------------------------------------------

/** One token request on a connection of its own: its status, or how it failed. */
function ownConnectionRequest(port, i) {
  return new Promise((resolvePromise) => {
    const body = tokenForm(i).toString();
    let sent = false;
    const req = httpRequest({
      host: '127.0.0.1', port, path: '/token', method: 'POST', agent: false,
      headers: { Origin: ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolvePromise({ status: res.statusCode, body: text }));
      res.on('error', (e) => resolvePromise({ error: e.code ?? e.message, sent }));
    });
    req.on('socket', (socket) => socket.on('connect', () => { sent = true; }));
    req.on('error', (e) => resolvePromise({ error: e.code ?? e.message, sent }));
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

async function measureShutdown(binary, { concurrency }) {
  const provider = await fakeProvider(ANSWERS.slowOk);
  const exchange = await startExchange({
    binary, stderr: 'pipe', env: { [SECRET_ENV]: 'secret' }, config: configFor(provider.url, 10_000),
  });
  drainStderr(exchange);
  const shutdownLines = [];
  // A line may come in two chunks: the unfinished end of one is kept for the next (a run once
  // missed the "stopping" line this way, and reported its count as NaN).
  let unfinished = '';
  exchange.stderr.on('data', (chunk) => {
    const lines = (unfinished + chunk).split('\n');
    unfinished = lines.pop();
    for (const line of lines) if (/: (stopping|stopped)/.test(line)) shutdownLines.push(line);
  });
  const counts = { answered200: 0, refusedAtConnect: 0, otherStatus: 0, cutOff: 0 };
  const cutKinds = new Failures();
  const statusKinds = new Failures();
  let signalledAt = null;
  let exitedAt = null;
  const exited = new Promise((r) => exchange.once('exit', (code, signal) => { exitedAt = performance.now(); r({ code, signal }); }));
  let i = 0;
  const worker = async () => {
    while (exitedAt === null) {
      const result = await ownConnectionRequest(exchange.port, i++);
      if (result.status === 200 && result.body === TOKEN_BODY) counts.answered200++;
      else if (result.status) { counts.otherStatus++; statusKinds.add(`${result.status} ${String(result.body).slice(0, 120)}`); }
      else if (result.error === 'ECONNREFUSED') { counts.refusedAtConnect++; await sleep(20); }
      else { counts.cutOff++; cutKinds.add(result.error); }
    }
  };
  const workers = Promise.all(Array.from({ length: concurrency }, worker));
  // Mid-way through the provider's second: every client has a request waiting on it.
  await sleep(3_500);
  signalledAt = performance.now();
  exchange.kill('SIGTERM');
  const { code, signal } = await exited;
  await workers;
  await provider.close();
  return {
    concurrency,
    providerDelayMs: 1_000,
    ...counts,
    cutOffKinds: cutKinds.toJSON(),
    otherStatusKinds: statusKinds.toJSON(),
    inProgressAtTheSignal: Number(/stopping: (\d+) requests in progress/.exec(shutdownLines.join('\n'))?.[1] ?? NaN),
    exitCode: code,
    exitSignal: signal,
    signalToExitMs: Math.round(exitedAt - signalledAt),
    log: shutdownLines,
  };
}

/**
 * Runs the three measures on the release binary; returns their figures. Options: `requests`
 * (default 200) and `concurrency` (default 50) per fault, `startups` (default 21), `write`
 * (bench/exchange-faults-results.json, default true), `quiet`.
 */
export async function runExchangeFaults({ requests = 200, concurrency = 50, startups = 21, write = true, quiet = false } = {}) {
  const say = quiet ? () => {} : (line) => console.error(`exchange-faults: ${line}`);
  say('building (release)');
  const binary = buildExchange({ release: true });
  say(`start-up, ${startups} times`);
  const startup = await measureStartup(binary, startups);
  const faults = {};
  for (const mode of ['reset', 'trickle', 'tenMegabytes']) {
    say(`provider fault: ${mode}, ${requests} requests, ${concurrency} at once`);
    faults[mode] = await measureFault(binary, mode, { requests, concurrency });
  }
  say(`graceful shutdown under load, ${concurrency} clients`);
  const shutdown = await measureShutdown(binary, { concurrency });
  const figures = {
    date: new Date().toISOString(),
    build: 'release',
    boundMs: BOUND_MS,
    startup,
    faults,
    shutdown,
    ok: Object.values(faults).every((f) => f.otherAnswers === 0 && f.latencyMs.max < BOUND_MS + 1_000)
      && shutdown.cutOff === 0 && shutdown.otherStatus === 0 && shutdown.exitCode === 0,
  };
  if (!quiet) console.log(faultsTable(figures));
  if (write) writeFileSync(join(import.meta.dirname, 'exchange-faults-results.json'), `${JSON.stringify(figures, null, 2)}\n`);
  return figures;
}

/** The figures as a markdown table. */
export function faultsTable(f) {
  const m = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
  const fault = (name, x) => `| ${name} (${x.requests} requests, ${x.concurrency} at once) | ${x.badGateway} × 502, ${x.otherAnswers} other | p50 ${x.latencyMs.p50} ms, max ${x.latencyMs.max} ms | peak ${m(x.peakRssKiB)} |`;
  const s = f.shutdown;
  return [
    '| Exchange under fault (release build) | Result | Time | Memory |',
    '| --- | --- | --- | --- |',
    `| start-up (${f.startup.runs} runs; binary ${(f.startup.binaryBytes / 1024 / 1024).toFixed(1)} MiB) | startup line printed | median ${f.startup.toStartupLineMs.p50} ms, max ${f.startup.toStartupLineMs.max} ms | ${m(f.startup.rssKiB.median)} RSS, ${f.startup.threads} threads |`,
    fault('provider resets mid-answer', f.faults.reset),
    fault(`provider trickles a byte every 50 ms (bound ${f.boundMs} ms)`, f.faults.trickle),
    fault('provider sends 10 MB (chunked)', f.faults.tenMegabytes),
    `| SIGTERM under load (${s.concurrency} clients, provider takes ${s.providerDelayMs} ms) | ${s.inProgressAtTheSignal} in progress at the signal; ${s.answered200} answered 200 in all, ${s.cutOff} cut off, ${s.refusedAtConnect} refused at connect after the signal | exit ${s.exitCode} ${s.signalToExitMs} ms after the signal | – |`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const figures = await runExchangeFaults({
    requests: arg('--requests', 200), concurrency: arg('--concurrency', 50), startups: arg('--startups', 21),
  });
  process.exitCode = figures.ok ? 0 : 1;
}
