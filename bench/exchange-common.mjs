// What the exchange's benches share (bench/exchange-*.mjs): the dev provider and the exchange
// started for a bench client, fresh codes from the consent form, token and refresh requests as
// the widget sends them, a pool of workers, percentiles, and a process's memory, descriptors and
// CPU read from /proc (Linux; null elsewhere).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { buildProvider, startProvider } from '../scripts/lib/provider.mjs';

export const root = resolve(import.meta.dirname, '..');
export const ORIGIN = 'http://localhost:8080';
export const REDIRECT_URI = 'http://localhost:8080/';
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The dev provider's binary. provider.mjs looks for it in target/; with CARGO_TARGET_DIR set
 * (a target directory of one's own), build it there and use that one.
 */
export function providerBinary() {
  const targetDir = process.env.CARGO_TARGET_DIR;
  if (!targetDir) return buildProvider();
  execFileSync('cargo', ['build', '--quiet', '-p', 'dev-provider'], { cwd: root, stdio: 'inherit' });
  return join(isAbsolute(targetDir) ? targetDir : join(root, targetDir), 'debug', 'dev-provider');
}

/**
 * The dev provider with one confidential client `clientId` (secret `secret`) registered for
 * REDIRECT_URI. Resolves with `{ child, url, stop }`.
 */
export async function startBenchProvider({ clientId, secret, args = [] }) {
  const dir = mkdtempSync(join(tmpdir(), 'exchange-bench-provider-'));
  const clientsFile = join(dir, 'clients.json');
  writeFileSync(clientsFile, JSON.stringify({
    clients: [{ id: clientId, secret, name: 'Exchange bench', redirect_uris: [REDIRECT_URI] }],
  }));
  const child = await startProvider({ args: ['--clients', clientsFile, ...args], binary: providerBinary() });
  return {
    child,
    url: `http://127.0.0.1:${child.port}`,
    stop: async () => { await stop(child); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** The exchange's config for one client of the dev provider at `providerUrl`. */
export function exchangeConfig({ clientId, providerUrl, secretEnv, timeoutMs = 5_000 }) {
  return {
    upstream_timeout_ms: timeoutMs,
    clients: [{
      client_id: clientId,
      token_endpoint: `${providerUrl}/oauth/access_token`,
      revocation_endpoint: `${providerUrl}/revoke`,
      client_secret_env: secretEnv,
      client_auth: 'client_secret_post',
      redirect_uris: [REDIRECT_URI],
      allowed_origins: [ORIGIN],
    }],
  };
}

/** A fresh code from the dev provider's consent form (its **Allow**), with its PKCE verifier. */
export async function freshCode(provider, { clientId, scope = 'basic' }) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const body = new URLSearchParams({
    decision: 'allow', client_id: clientId, redirect_uri: REDIRECT_URI, response_type: 'code',
    scope, state: randomBytes(16).toString('hex'),
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  const res = await fetch(`${provider}/oauth/authorize`, {
    method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const code = new URL(res.headers.get('location') ?? 'about:blank').searchParams.get('code');
  if (res.status !== 303 || !code) throw new Error(`consent form answered ${res.status} without a code`);
  return { code, verifier };
}

/** The widget's code redemption, in its order. */
export function codeFields({ clientId, code, verifier }) {
  return new URLSearchParams({
    grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, code_verifier: verifier,
  });
}

/** The widget's refresh request (the contract's "Renewal"), in its order. */
export function refreshFields({ clientId, refreshToken }) {
  return new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
}

/**
 * POSTs `fields` to `url` (an exchange's, or a balancer's, /token) as the widget's page does.
 * Resolves with `{ ok, status, json, ms, failure }`: `ok` for a 200 with an access token (and,
 * when `expectRefresh`, a refresh token other than `previous`); `failure` says why not.
 */
export async function tokenRequest(url, fields, { expectRefresh = false, previous = null, headers = {}, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  const t0 = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST', body: fields, headers: { Origin: ORIGIN, ...headers }, signal: AbortSignal.timeout(timeoutMs),
    });
    const json = await res.json().catch(() => null);
    const ms = performance.now() - t0;
    let failure = null;
    if (res.status !== 200) failure = `HTTP ${res.status} ${json?.error ?? ''}`.trim();
    else if (typeof json?.access_token !== 'string') failure = 'no access_token';
    else if (expectRefresh && (typeof json.refresh_token !== 'string' || json.refresh_token === previous)) failure = 'no rotated refresh_token';
    return { ok: failure === null, status: res.status, json, ms, failure };
  } catch (e) {
    const failure = e.name === 'TimeoutError' ? 'timeout' : `fetch failed: ${e.cause?.code ?? e.message}`;
    return { ok: false, status: 0, json: null, ms: performance.now() - t0, failure };
  }
}

/** Runs `count` tasks, at most `limit` at once, until done or `deadline` (ms since epoch). */
export async function pool(count, limit, deadline, task) {
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

/** The `q` quantile of sorted numbers (nearest rank), or null. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** p50, p90, p99 and max of latencies in ms, rounded to 0.01 ms. */
export function summarize(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (ms) => (ms === null || ms === undefined ? null : Math.round(ms * 100) / 100);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1)),
  };
}

/** Counts failures by their reason. */
export class Failures {
  constructor() { this.kinds = new Map(); }
  add(why) { this.kinds.set(why, (this.kinds.get(why) ?? 0) + 1); }
  get count() { return [...this.kinds.values()].reduce((a, b) => a + b, 0); }
  toJSON() { return Object.fromEntries(this.kinds); }
}

/** A process's resident memory now and at its peak, and its threads (KiB; Linux only). */
export function memory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => {
      const match = status.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'));
      return match ? Number(match[1]) : null;
    };
    return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM'), threads: field('Threads') };
  } catch {
    return { rssKiB: null, peakKiB: null, threads: null };
  }
}

/** How many descriptors a process has open (Linux only, else null). */
export function openFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** CPU time a process has used so far, in ms (user + system; Linux only, else null). */
export function cpuMs(pid) {
  try {
    // Fields after the command name (which is in parentheses and may contain spaces).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Stops a child with `signal` (SIGKILL after 5 s) and resolves once it has exited. */
export function stop(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => { clearTimeout(force); done(); });
    child.kill(signal);
  });
}

/** Drains a child's piped stderr (a full pipe would stall it), keeping its end for errors. */
export function drainStderr(child) {
  const log = { lines: 0, tail: '' };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    log.lines += (chunk.match(/\n/g) ?? []).length;
    log.tail = (log.tail + chunk).slice(-4000);
  });
  return log;
}

/** This process's soft limit on open files (Linux), or null. */
export function fdLimit(pid = process.pid) {
  try {
    const match = readFileSync(`/proc/${pid}/limits`, 'utf8').match(/^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m);
    return match ? { soft: match[1] === 'unlimited' ? Infinity : Number(match[1]), hard: match[2] === 'unlimited' ? Infinity : Number(match[2]) } : null;
  } catch {
    return null;
  }
}

/**
 * Raises the soft limit on open files of process `pid` (this one by default) to `wanted`, or to
 * its hard limit when that is lower, with util-linux's `prlimit` (the shell's `ulimit -n`, for
 * a running process; no root needed below the hard limit). Returns the soft limit after.
 */
export function raiseFdLimit(wanted, pid = process.pid) {
  const limit = fdLimit(pid);
  if (!limit || limit.soft >= wanted) return limit?.soft ?? null;
  const target = Math.min(wanted, limit.hard);
  try {
    execFileSync('prlimit', [`--pid=${pid}`, `--nofile=${target}:${limit.hard === Infinity ? 'unlimited' : limit.hard}`]);
  } catch (e) {
    console.error(`bench: prlimit could not raise the open-file limit of ${pid}: ${e.message}`);
  }
  return fdLimit(pid)?.soft ?? null;
}

/** Milliseconds to sleep. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** KiB as MiB with one decimal, for tables. */
export const mib = (kib) => (kib === null || kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(1)} MiB`);
