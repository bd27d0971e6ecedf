// The exchange scaled past one copy, end to end in Chromium: two copies of the exchange (the
// same config and secret) behind nginx, started by scripts/lb.sh (bench/lb/balancer.mjs), and
// the widget's `token-url` on nginx. A code-flow login clicked through the dev provider's consent
// page gets the provider's token through whichever copy nginx picks; then that copy is killed
// (SIGKILL), and the next login goes through the other: a request nginx finds it cannot connect
// to the dead copy with is passed on (nothing was sent), which the access log shows.
//
// nginx comes from Debian's package (scripts/lb.sh install, run by scripts/setup.sh); where it
// cannot be installed (no root, no sudo, no apt), the tests are skipped and say so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decide, openWidget, startEnvironment, waitForEvents } from './harness.mjs';
import { buildExchange, startExchange } from '../../scripts/lib/exchange.mjs';
import { installBalancer, startBalancer } from '../../bench/lb/balancer.mjs';

const FIXTURE = '/e2e/widget.html';
const CLIENT = { id: 'xc-balanced', secret: `lb-${randomBytes(16).toString('hex')}`, env: 'SECRET_XC_BALANCED' };

let skip = false;
try {
  installBalancer();
} catch (e) {
  skip = `nginx is not available: ${e.message.split('\n')[0]}`;
  console.error(`SKIPPED: loadbalancer.test.mjs: ${skip}`);
}

let env;
before(async () => {
  if (skip) return;
  env = await startEnvironment({
    clients: (web) => [{ id: CLIENT.id, secret: CLIENT.secret, name: 'Balanced exchange', redirect_uris: [web + FIXTURE] }],
    services: copiesBehindNginx,
  });
});
after(async () => { await env?.close(); });

/** Two copies of one exchange config, and nginx in front of them. */
async function copiesBehindNginx({ web, provider }) {
  const config = {
    clients: [{
      client_id: CLIENT.id,
      token_endpoint: `${provider}/oauth/token`,
      client_secret_env: CLIENT.env,
      client_auth: 'client_secret_post',
      redirect_uris: [web + FIXTURE],
      allowed_origins: [web],
    }],
  };
  const binary = buildExchange();
  const copies = {};
  for (const name of ['A', 'B']) {
    const child = await startExchange({ config, env: { [CLIENT.env]: CLIENT.secret }, stderr: 'pipe', binary });
    child.log = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { child.log += chunk; });
    child.addr = `127.0.0.1:${child.port}`;
    copies[name] = child;
  }
  const balancer = await startBalancer({ upstreams: Object.values(copies).map((c) => c.addr) });
  return {
    values: { copies, balancer },
    stop: async () => {
      await balancer.stop();
      for (const copy of Object.values(copies)) copy.kill();
    },
  };
}

/** Clicks the widget's button, Allow on the consent page; resolves with the `oauth-login` event's detail. */
async function clickLogin() {
  await env.controls.reset();
  const { page, context, consoleLines } = await env.newPage();
  await openWidget(env, page, {
    attrs: {
      'client-id': CLIENT.id,
      'response-type': 'code',
      'token-url': `${env.balancer.url}/token`,
      'authorize-url': `${env.provider}/oauth/authorize`,
    },
  });
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('#w1 button[part=button]').click()]);
  await popup.waitForURL((url) => url.href.startsWith(`${env.provider}/oauth/authorize?`));
  await popup.waitForLoadState();
  await decide(popup, 'Allow');
  const [event] = await waitForEvents(page, 1);
  assert.equal(event.type, 'oauth-login', `${JSON.stringify(event)}\n${consoleLines.join('\n')}`);
  const loggedIn = await page.evaluate(() => document.getElementById('w1').loggedIn);
  await context.close();
  return { detail: event.detail, loggedIn };
}

/** nginx's access-log entries for POST /token, once `count` are written. */
async function tokenEntries(count) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const entries = env.balancer.entries().filter((e) => e.method === 'POST' && e.uri === '/token');
    if (entries.length >= count) return entries;
    if (Date.now() > deadline) assert.fail(`nginx logged ${entries.length} token requests, not ${count}:\n${env.balancer.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const copyAt = (addr) => Object.entries(env.copies).find(([, c]) => c.addr === addr)?.[0];

test('a code-flow login through nginx in front of two copies of the exchange', { skip }, async () => {
  const { detail, loggedIn } = await clickLogin();
  const issued = await env.controls.lastToken();
  assert.equal(issued.flow, 'code');
  assert.equal(issued.client_id, CLIENT.id);
  assert.equal(detail.accessToken, issued.access_token, 'the page has the token the provider issued');
  assert.equal(loggedIn, true);

  const requests = await env.controls.tokenRequests();
  assert.equal(requests.length, 1, 'one token request reached the provider');
  assert.equal(requests[0].has_client_secret, true, 'a copy added the secret');

  const [entry] = await tokenEntries(1);
  assert.equal(entry.status, 200);
  assert.equal(entry.upstreams.length, 1, 'served by the first copy nginx tried');
  const served = copyAt(entry.upstreams[0]);
  assert.ok(served, `nginx sent it to a copy: ${entry.upstreams}`);
  assert.match(env.copies[served].log, /POST \/token -> 200 .*client_id=xc-balanced/);
  for (const copy of Object.values(env.copies)) assert.ok(!copy.log.includes(CLIENT.secret), 'no secret in a log');
});

test('with the copy that served it killed, the next logins go through the other copy', { skip }, async () => {
  const [first] = await tokenEntries(1);
  const deadName = copyAt(first.upstreams[0]);
  const dead = env.copies[deadName];
  const survivor = Object.entries(env.copies).find(([name]) => name !== deadName)[0];
  await new Promise((r) => { dead.once('exit', r); dead.kill('SIGKILL'); });

  // Two logins: nginx's round robin sends one of them to the dead copy first (unless it has
  // already marked it failed); either way each is answered, by the survivor.
  for (let i = 0; i < 2; i++) {
    const { detail } = await clickLogin();
    const issued = await env.controls.lastToken();
    assert.equal(detail.accessToken, issued.access_token, `login ${i + 2} has the provider's token`);
  }
  const entries = (await tokenEntries(3)).slice(1);
  for (const entry of entries) {
    assert.equal(entry.status, 200, JSON.stringify(entry));
    assert.equal(copyAt(entry.upstreams.at(-1)), survivor, `answered by copy ${survivor}: ${JSON.stringify(entry)}`);
    if (entry.retried) {
      // Refused at connect by the dead copy: nothing was sent, so nginx passed it on.
      assert.equal(copyAt(entry.upstreams[0]), deadName);
      assert.equal(entry.upstreamStatuses[0], '502');
    }
  }
  assert.equal((env.copies[survivor].log.match(/POST \/token -> 200/g) ?? []).length >= 2, true, env.copies[survivor].log);
});
