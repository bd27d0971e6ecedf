// Scale past one machine, tried (a benchmark, not a test): two copies of the exchange (release
// build, the same config and secret) behind nginx (Debian's package, installed and started by
// scripts/lb.sh with bench/lb/nginx.conf.template), the dev provider behind them. `concurrency`
// clients send token requests through nginx without pause for `seconds`: each redeems a fresh
// code (scope `basic offline_access`), then refreshes `refreshes` times in turn. Each request
// carries an X-Request-Id, which nginx's access log records with every copy it tried.
//
// Mid-run one copy is stopped, once per scenario, each a fresh set of processes:
//   - kill: SIGKILL (a crash, a lost machine);
//   - term: SIGTERM (a deploy), which the exchange answers with a graceful shutdown.
//
// What nginx retries (proxy_next_upstream, its default "error timeout", written out in the
// template): a request whose connection to a copy failed before it was sent (refused: the copy
// is gone) goes to the other copy. A POST that was sent is never passed on (nginx >= 1.9.13,
// without `non_idempotent`): a token request is not idempotent at the provider (a code is
// single-use; a refresh token rotates, and presenting it twice revokes the login), so a request
// in flight at a killed copy is lost with a 502, and the client must start again (log in again,
// or refresh with the token it has: the provider may have rotated it already).
//
// Per scenario: requests, answered, retried by nginx (each must be answered), lost (502 from
// nginx after the request was sent to the stopped copy), other errors; latency; the requests
// each copy served. Prints a table and writes bench/exchange-lb-results.json.
//
//   node bench/exchange-lb.mjs [--seconds N] [--concurrency C] [--stop-at S] [--refreshes R]
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildExchange, startExchange } from '../scripts/lib/exchange.mjs';
import { installBalancer, startBalancer } from './lb/balancer.mjs';
import {
  Failures, codeFields, drainStderr, exchangeConfig, freshCode, refreshFields, sleep, startBenchProvider, stop,
  summarize, tokenRequest,
} from './exchange-common.mjs';

const CLIENT_ID = 'bench-lb';
const SECRET = randomBytes(24).toString('base64url');
const SECRET_ENV = 'EXCHANGE_LB_SECRET';

/** Codes made ahead by a few producers, taken one at a time by the clients. */
function codeQueue(providerUrl, { size = 200, producers = 4 } = {}) {
  const codes = [];
  const waiting = [];
  let running = true;
  const produce = async () => {
    while (running) {
      if (codes.length >= size) { await sleep(20); continue; }
      try {
        const code = await freshCode(providerUrl, { clientId: CLIENT_ID, scope: 'basic offline_access' });
        const take = waiting.shift();
        if (take) take(code); else codes.push(code);
      } catch {
        await sleep(100);
      }
    }
  };
  const tasks = Array.from({ length: producers }, produce);
  return {
    next: () => (codes.length > 0 ? Promise.resolve(codes.shift()) : new Promise((r) => waiting.push(r))),
    close: async () => { running = false; for (const take of waiting.splice(0)) take(null); await Promise.all(tasks); },
  };
}

async function scenario({ name, signal, binary, seconds, stopAt, concurrency, refreshes, keepalive, say }) {
  const provider = await startBenchProvider({ clientId: CLIENT_ID, secret: SECRET, args: ['--token-ttl', '300', '--refresh-ttl', '300'] });
  const config = exchangeConfig({ clientId: CLIENT_ID, providerUrl: provider.url, secretEnv: SECRET_ENV });
  const copies = [];
  let balancer;
  let queue;
  try {
    for (const copy of ['A', 'B']) {
      const child = await startExchange({ binary, stderr: 'pipe', env: { [SECRET_ENV]: SECRET }, config });
      child.name = copy;
      child.addr = `127.0.0.1:${child.port}`;
      child.logTail = drainStderr(child);
      child.shutdownLines = [];
      child.stderr.on('data', (chunk) => {
        for (const line of chunk.split('\n')) if (/: (stopping|stopped)/.test(line)) child.shutdownLines.push(line);
      });
      copies.push(child);
    }
    const [a] = copies;
    balancer = await startBalancer({ upstreams: copies.map((c) => c.addr), keepalive });
    const tokenUrl = `${balancer.url}/token`;
    queue = codeQueue(provider.url);
    await sleep(500); // a first batch of codes

    const outcomes = new Map(); // request id -> { ok, status, failure, ms, sentAt }
    let nextId = 0;
    const started = Date.now();
    const deadline = started + seconds * 1000;
    const send = async (fields, options) => {
      const id = `${name}-${nextId++}`;
      const sentAt = Date.now() - started;
      const answer = await tokenRequest(tokenUrl, fields, { ...options, headers: { 'X-Request-Id': id } });
      outcomes.set(id, { ok: answer.ok, status: answer.status, failure: answer.failure, ms: answer.ms, sentAt });
      return answer;
    };
    const client = async () => {
      while (Date.now() < deadline) {
        const grant = await queue.next();
        if (!grant) return;
        const redeemed = await send(codeFields({ clientId: CLIENT_ID, ...grant }));
        let refreshToken = redeemed.ok ? redeemed.json.refresh_token : null;
        for (let r = 0; r < refreshes && refreshToken && Date.now() < deadline; r++) {
          const answer = await send(refreshFields({ clientId: CLIENT_ID, refreshToken }), { expectRefresh: true, previous: refreshToken });
          // After a failure the client starts again with a new login, as a page would.
          refreshToken = answer.ok ? answer.json.refresh_token : null;
        }
      }
    };
    say(`${name}: ${concurrency} clients for ${seconds} s through nginx; ${signal} to copy A at ${stopAt} s`);
    const clients = Promise.all(Array.from({ length: concurrency }, client));
    await sleep(stopAt * 1000);
    const stoppedAt = Date.now() - started;
    const exited = new Promise((r) => a.once('exit', () => r(Date.now() - started)));
    a.kill(signal);
    const aExitedAt = await exited;
    await clients;
    await queue.close();
    await sleep(200); // nginx writes its log lines as requests end

    // Join the clients' outcomes with nginx's log.
    const entries = new Map(balancer.entries().filter((e) => e.id).map((e) => [e.id, e]));
    const latencies = [];
    const failures = new Failures();
    const counts = { requests: outcomes.size, answered: 0, retried: 0, retriedAnswered: 0, lost: 0, lostAfterSending: 0, otherErrors: 0 };
    const served = Object.fromEntries(copies.map((c) => [c.name, { before: 0, after: 0 }]));
    const copyOf = (addr) => copies.find((c) => c.addr === addr)?.name ?? addr;
    const lostDetails = [];
    const retriedDetails = [];
    for (const [id, outcome] of outcomes) {
      latencies.push(outcome.ms);
      const entry = entries.get(id);
      if (outcome.ok) counts.answered++;
      if (entry?.retried) {
        counts.retried++;
        retriedDetails.push({ id, sentAt: outcome.sentAt, ok: outcome.ok, upstreams: entry.upstreams.map(copyOf), upstreamStatuses: entry.upstreamStatuses, requestTime: entry.requestTime });
        if (outcome.ok) counts.retriedAnswered++;
      }
      const last = entry?.upstreams.at(-1);
      if (outcome.ok && last) served[copyOf(last)][outcome.sentAt < stoppedAt ? 'before' : 'after']++;
      if (!outcome.ok) {
        // nginx's own 502: the request went to the stopped copy and got no answer from it.
        if (outcome.status === 502 && entry && copyOf(entry.upstreams.at(-1)) === 'A') {
          counts.lost++;
          lostDetails.push({ id, sentAt: outcome.sentAt, upstreams: entry.upstreams, upstreamStatuses: entry.upstreamStatuses });
        } else {
          counts.otherErrors++;
        }
        failures.add(outcome.failure);
      }
    }
    const latency = summarize(latencies);
    const result = {
      name,
      signal,
      keepalive,
      seconds,
      concurrency,
      refreshesPerCode: refreshes,
      stoppedAtMs: stoppedAt,
      copyAExitedAtMs: aExitedAt,
      ...counts,
      retriedAllAnswered: counts.retried === counts.retriedAnswered,
      failureKinds: failures.toJSON(),
      lostDetails: lostDetails.slice(0, 20),
      retriedDetails: retriedDetails.slice(0, 20),
      nginxErrors: balancer.stderr.split('\n').filter((l) => /upstream|failed/.test(l)).slice(0, 20)
        .map((l) => l.replace(/, client: .*$/, '')),
      latencyMs: { p50: latency.p50, p99: latency.p99, max: latency.max },
      served,
      copyAShutdown: a.shutdownLines,
    };
    say(`${name}: ${counts.requests} requests, ${counts.answered} answered, ${counts.retried} retried by nginx (${counts.retriedAnswered} answered), ${counts.lost} lost at copy A, ${counts.otherErrors} other errors`);
    return result;
  } finally {
    await queue?.close();
    await balancer?.stop();
    await Promise.all(copies.map((c) => stop(c)));
    await provider.stop();
  }
}

/**
 * Runs both scenarios; returns their figures. Options: `seconds` (default 20), `stopAt` (7),
 * `concurrency` (50), `refreshes` (4), `keepalive` (16 idle connections from nginx to each copy),
 * `write` (bench/exchange-lb-results.json), `quiet`.
 */
export async function runExchangeLb({
  seconds = 20, stopAt = 7, concurrency = 50, refreshes = 4, keepalive = 16, write = true, quiet = false,
} = {}) {
  const say = quiet ? () => {} : (line) => console.error(`exchange-lb: ${line}`);
  installBalancer();
  say('building (release)');
  const binary = buildExchange({ release: true });
  const scenarios = [];
  for (const [name, signal] of [['kill', 'SIGKILL'], ['term', 'SIGTERM']]) {
    scenarios.push(await scenario({ name, signal, binary, seconds, stopAt, concurrency, refreshes, keepalive, say }));
  }
  const figures = {
    date: new Date().toISOString(),
    build: 'release',
    balancer: 'nginx (Debian package), proxy_next_upstream error timeout (the default), proxy_next_upstream_tries 2, max_fails=1 fail_timeout=10s',
    scenarios,
    ok: scenarios.every((s) => s.retriedAllAnswered && s.otherErrors === 0) && scenarios.find((s) => s.name === 'term').lost === 0,
  };
  if (!quiet) console.log(lbTable(figures));
  if (write) writeFileSync(join(import.meta.dirname, 'exchange-lb-results.json'), `${JSON.stringify(figures, null, 2)}\n`);
  return figures;
}

/** The figures as a markdown table. */
export function lbTable(f) {
  const row = (s) => `| ${s.signal} to copy A at ${(s.stoppedAtMs / 1000).toFixed(1)} s (${s.concurrency} clients, ${s.seconds} s) | ${s.requests} | ${s.answered} | ${s.retried} (${s.retriedAnswered} answered) | ${s.lost} | ${s.otherErrors} | ${s.latencyMs.p50} / ${s.latencyMs.p99} ms | A ${s.served.A.before} + ${s.served.A.after}, B ${s.served.B.before} + ${s.served.B.after} |`;
  return [
    '| Two copies behind nginx | token requests | answered | retried by nginx | lost (sent to the stopped copy: not retried) | other errors | p50 / p99 | served (before + after the stop) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...f.scenarios.map(row),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const figures = await runExchangeLb({
    seconds: arg('--seconds', 20), stopAt: arg('--stop-at', 7), concurrency: arg('--concurrency', 50),
    refreshes: arg('--refreshes', 4), keepalive: arg('--keepalive', 16),
  });
  process.exitCode = figures.ok ? 0 : 1;
}
