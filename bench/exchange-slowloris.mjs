// The exchange under a slowloris (a benchmark, not a test): `connections` connections to the
// release binary that never finish a request (half idle: connected, nothing sent; half trickling:
// a request head begun, then one more header byte per connection every `trickleSeconds`), held for
// `holdSeconds`, while real token requests (fresh codes from the dev provider) go through the same
// exchange. The real requests' latency is compared with a run of the same requests before the
// attack; the exchange's memory and descriptors are read before, during and after, and again
// over `repeats` more rounds of the same attack (opened, held a second, closed), which show the
// memory reused rather than leaked.
//
// Open files: 5,000 connections take 5,000 descriptors in this process and as many in the
// exchange. Node raises its own soft limit to the hard limit as it starts, and its children
// inherit that; the bench also raises the soft limit of both itself and the exchange (util-linux
// `prlimit --nofile`, which is `ulimit -n` for a running process) to 3 × connections, within the
// hard limit, and fails with a message if that is not enough.
//
// Prints a table and writes bench/exchange-slowloris-results.json; `runExchangeSlowloris()`
// returns the figures, for the main bench.
//
//   node bench/exchange-slowloris.mjs [--connections N] [--requests N] [--hold-seconds S]
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildExchange, startExchange } from '../scripts/lib/exchange.mjs';
import {
  Failures, codeFields, drainStderr, exchangeConfig, fdLimit, freshCode, memory, mib, openFds, pool, raiseFdLimit,
  sleep, startBenchProvider, stop, summarize, tokenRequest,
} from './exchange-common.mjs';

const CLIENT_ID = 'bench-slowloris';
const SECRET = randomBytes(24).toString('base64url');
const SECRET_ENV = 'EXCHANGE_SLOWLORIS_SECRET';

/** `requests` real token requests, `concurrency` at a time, each with a fresh code. */
async function realRequests(provider, tokenUrl, { requests, concurrency }) {
  const grants = [];
  await pool(requests, concurrency, Date.now() + 60_000, async (i) => {
    grants[i] = await freshCode(provider.url, { clientId: CLIENT_ID });
  });
  const latencies = [];
  const failures = new Failures();
  await pool(requests, concurrency, Date.now() + 120_000, async (i) => {
    const answer = await tokenRequest(tokenUrl, codeFields({ clientId: CLIENT_ID, ...grants[i] }));
    latencies.push(answer.ms);
    if (!answer.ok) failures.add(answer.failure);
  });
  return { ...summarize(latencies), errors: failures.count, errorKinds: failures.toJSON() };
}

/** Opens the attack: resolves with its sockets and counters once all are connected. */
async function openAttack(port, { connections, trickleSeconds }) {
  const state = { sockets: [], connected: 0, closedByServer: 0, errors: new Failures(), bytesSent: 0 };
  const batch = 250;
  for (let opened = 0; opened < connections; opened += batch) {
    const wave = [];
    for (let i = opened; i < Math.min(connections, opened + batch); i++) {
      wave.push(new Promise((resolvePromise) => {
        const trickling = i % 2 === 1;
        const socket = connect({ host: '127.0.0.1', port }, () => {
          state.connected++;
          if (trickling) {
            const head = 'POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://localhost:8080\r\nX-Slow: ';
            socket.write(head);
            state.bytesSent += head.length;
          }
          resolvePromise();
        });
        socket.trickling = trickling;
        socket.on('error', (e) => { state.errors.add(e.code ?? e.message); resolvePromise(); });
        socket.on('close', () => { if (!socket.closing) state.closedByServer++; });
        state.sockets.push(socket);
      }));
    }
    await Promise.all(wave);
  }
  // One byte per trickling connection every trickleSeconds, spread evenly over that time.
  const trickling = state.sockets.filter((s) => s.trickling);
  let next = 0;
  const perTick = Math.max(1, Math.ceil(trickling.length / (trickleSeconds * 10)));
  state.timer = setInterval(() => {
    for (let k = 0; k < perTick && trickling.length > 0; k++) {
      const socket = trickling[next++ % trickling.length];
      if (!socket.destroyed) { socket.write('a'); state.bytesSent++; }
    }
  }, 100);
  return state;
}

function closeAttack(state) {
  clearInterval(state.timer);
  for (const socket of state.sockets) { socket.closing = true; socket.destroy(); }
}

/**
 * Runs the slowloris measure; returns its figures. Options: `connections` (default 5000),
 * `requests` real token requests per phase (default 300), `concurrency` of those (10),
 * `holdSeconds` (default 60), `trickleSeconds` (10), `repeats` of the attack after it (8),
 * `write`, `quiet`.
 */
export async function runExchangeSlowloris({
  connections = 5000, requests = 300, concurrency = 10, holdSeconds = 60, trickleSeconds = 10, repeats = 8, write = true, quiet = false,
} = {}) {
  const say = quiet ? () => {} : (line) => console.error(`exchange-slowloris: ${line}`);
  const wantedFds = connections * 3;
  const ownLimit = raiseFdLimit(wantedFds);
  if (ownLimit !== null && ownLimit < connections + 1000) {
    throw new Error(`exchange-slowloris: this process may open ${ownLimit} files (hard limit ${fdLimit()?.hard}); ${connections} connections need more (ulimit -n)`);
  }
  say('building (release)');
  const binary = buildExchange({ release: true });
  const provider = await startBenchProvider({ clientId: CLIENT_ID, secret: SECRET });
  let exchange;
  let attack;
  try {
    exchange = await startExchange({
      binary, stderr: 'pipe', env: { [SECRET_ENV]: SECRET },
      config: exchangeConfig({ clientId: CLIENT_ID, providerUrl: provider.url, secretEnv: SECRET_ENV }),
    });
    const log = drainStderr(exchange);
    const exchangeLimit = raiseFdLimit(wantedFds, exchange.pid);
    if (exchangeLimit !== null && exchangeLimit < connections + 100) {
      throw new Error(`exchange-slowloris: the exchange may open ${exchangeLimit} files; ${connections} connections need more (raise the hard limit: ulimit -Hn)`);
    }
    const tokenUrl = `${exchange.url}/token`;
    const reading = () => ({ ...memory(exchange.pid), fds: openFds(exchange.pid) });

    await realRequests(provider, tokenUrl, { requests: 50, concurrency }); // warm-up
    const before = reading();
    say(`baseline: ${requests} token requests, ${concurrency} at a time`);
    const baseline = await realRequests(provider, tokenUrl, { requests, concurrency });

    say(`opening ${connections} connections (half idle, half trickling a header byte every ${trickleSeconds} s)`);
    const openedAt = performance.now();
    attack = await openAttack(exchange.port, { connections, trickleSeconds });
    const openMs = Math.round(performance.now() - openedAt);
    await sleep(1_000);
    const held = reading();
    say(`${attack.connected} connected; the exchange holds ${held.fds} fds, RSS ${mib(held.rssKiB)}`);

    say(`under attack: ${requests} token requests, ${concurrency} at a time`);
    const during = await realRequests(provider, tokenUrl, { requests, concurrency });
    const remaining = holdSeconds * 1000 - (performance.now() - openedAt);
    if (remaining > 0) {
      say(`holding the connections ${Math.round(remaining / 1000)} s more`);
      await sleep(remaining);
    }
    say(`late in the attack: ${requests} token requests, ${concurrency} at a time`);
    const late = await realRequests(provider, tokenUrl, { requests, concurrency });
    const heldLate = reading();
    const stillOpen = attack.sockets.filter((s) => !s.destroyed).length;
    const closedByServer = attack.closedByServer;
    closeAttack(attack);
    await sleep(2_000);
    const after = reading();
    // The same attack again, `repeats` times: the memory is reused, not added to (the
    // allocator keeps what it freed, so RSS climbs for a few rounds to a plateau).
    say(`the same ${connections} connections ${repeats} times more, opened and closed`);
    const repeated = [];
    for (let round = 0; round < repeats; round++) {
      attack = await openAttack(exchange.port, { connections, trickleSeconds });
      await sleep(1_000);
      const heldAgain = reading();
      const connectedAgain = attack.connected;
      closeAttack(attack);
      await sleep(1_500);
      repeated.push({ connected: connectedAgain, heldRssKiB: heldAgain.rssKiB, heldFds: heldAgain.fds, afterRssKiB: reading().rssKiB, afterFds: reading().fds });
    }
    const afterAll = reading();

    const figures = {
      date: new Date().toISOString(),
      build: 'release',
      connections,
      idle: Math.floor(connections / 2),
      trickling: Math.ceil(connections / 2),
      trickleSeconds,
      holdSeconds,
      requests,
      concurrency,
      fdLimits: { bench: ownLimit, exchange: exchangeLimit },
      attack: {
        connected: attack.connected,
        openMs,
        connectErrors: attack.errors.toJSON(),
        stillOpenAtEnd: stillOpen,
        closedByTheExchange: closedByServer,
        trickledBytes: attack.bytesSent,
      },
      latencyMs: { baseline, during, late },
      exchange: {
        before: { rssKiB: before.rssKiB, fds: before.fds, threads: before.threads },
        holding: { rssKiB: held.rssKiB, fds: held.fds, threads: held.threads },
        holdingLate: { rssKiB: heldLate.rssKiB, fds: heldLate.fds },
        after: { rssKiB: after.rssKiB, fds: after.fds },
        repeated,
        afterAll: { rssKiB: afterAll.rssKiB, fds: afterAll.fds },
        peakKiB: afterAll.peakKiB,
        perConnectionKiB: Math.round(((held.rssKiB - before.rssKiB) / connections) * 10) / 10,
      },
      errors: baseline.errors + during.errors + late.errors,
    };
    // "Within their usual time": the attack's p99 within twice the baseline's, or 20 ms of it.
    const usual = (phase) => phase.p99 <= Math.max(2 * baseline.p99, baseline.p99 + 20);
    figures.withinUsualTime = usual(during) && usual(late);
    figures.ok = figures.errors === 0 && figures.withinUsualTime && attack.connected === connections;
    if (!quiet) console.log(slowlorisTable(figures));
    if (figures.errors > 0 && !quiet) console.error(`exchange-slowloris: the exchange's log ends with:\n${log.tail}`);
    if (write) writeFileSync(join(import.meta.dirname, 'exchange-slowloris-results.json'), `${JSON.stringify(figures, null, 2)}\n`);
    return figures;
  } finally {
    if (attack) closeAttack(attack);
    await Promise.all([stop(exchange), provider.stop()]);
  }
}

/** The figures as a markdown table. */
export function slowlorisTable(f) {
  const row = (name, p, x) => `| ${name} | ${p.p50} / ${p.p99} / ${p.max} ms | ${p.errors} | ${x ? `${mib(x.rssKiB)}, ${x.fds} fds` : '–'} |`;
  return [
    `| Exchange under a slowloris (release; ${f.connections.toLocaleString('en-US')} connections: ${f.idle} idle, ${f.trickling} trickling a header byte every ${f.trickleSeconds} s, held ${f.holdSeconds} s) | ${f.requests} real token requests, ${f.concurrency} at once: p50 / p99 / max | errors | exchange memory, open fds |`,
    '| --- | --- | ---: | --- |',
    row('before the attack', f.latencyMs.baseline, f.exchange.before),
    row(`attack open (${f.attack.connected} connected in ${f.attack.openMs} ms)`, f.latencyMs.during, f.exchange.holding),
    row(`late in the attack (${f.attack.stillOpenAtEnd} still open, ${f.attack.closedByTheExchange} closed by the exchange)`, f.latencyMs.late, f.exchange.holdingLate),
    `| after the attack's connections closed | – | – | ${mib(f.exchange.after.rssKiB)}, ${f.exchange.after.fds} fds |`,
    `| the same attack ${f.exchange.repeated.length} times more, each opened and closed (${f.exchange.repeated.map((r) => r.connected).join(', ')} connected) | – | – | held: ${f.exchange.repeated.map((r) => (r.heldRssKiB / 1024).toFixed(0)).join(', ')} MiB; at the end ${mib(f.exchange.afterAll.rssKiB)}, ${f.exchange.afterAll.fds} fds |`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const figures = await runExchangeSlowloris({
    connections: arg('--connections', 5000), requests: arg('--requests', 300), holdSeconds: arg('--hold-seconds', 60),
  });
  process.exitCode = figures.ok ? 0 : 1;
}
