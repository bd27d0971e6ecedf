// The contract at its edges, in Chromium: a login() started from an oauth-error listener, a
// revocation answer cut off, fetch() with a body where the token goes in the query, the element
// under a CSP that forbids WebAssembly, fetch() of a bad URL, and an element removed while its
// login is under way. Each of these once broke the contract (found by a review, 2026-12-05).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  closeShownPopup, decide, loginOutcome, openWidget, startEnvironment, startLogin,
} from './harness.mjs';

let env;
let api; // a second server: an echo API, and a revocation endpoint whose answer is cut off
before(async () => {
  env = await startEnvironment({
    headers: (path) => (path === '/e2e/csp.html' ? { 'Content-Security-Policy': "default-src 'self'; script-src 'self'" } : {}),
  });
  const server = http.createServer((req, res) => {
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*', 'Access-Control-Allow-Methods': '*' };
    if (req.method === 'OPTIONS') { res.writeHead(204, cors); return res.end(); }
    if (req.url.startsWith('/ok')) { res.writeHead(200, { ...cors, 'Content-Type': 'application/json' }); return res.end('{}'); }
    if (req.url.startsWith('/cut')) {
      // Headers, then half the promised body, then the connection drops.
      res.writeHead(200, { ...cors, 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"ok":');
      return setTimeout(() => res.socket.destroy(), 50);
    }
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { res.writeHead(200, { ...cors, 'Content-Type': 'application/json' }); res.end(JSON.stringify({ method: req.method, url: req.url, body })); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  api = { base: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
});
after(async () => { await env?.close(); await api?.close(); });

async function loggedIn(page, attrs = {}) {
  await openWidget(env, page, { attrs });
  const popup = await startLogin(page);
  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  assert.ok(outcome.ok, JSON.stringify(outcome));
}

test('a login() started from an oauth-error listener settles with its own result, not the failed login\'s', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  await page.evaluate(() => {
    const el = document.getElementById('w1');
    el.addEventListener('oauth-error', () => {
      window.retry = null;
      el.login().then((ok) => { window.retry = { ok }; }, (e) => { window.retry = { err: e.code, at: 'settled' }; });
    }, { once: true });
  });
  const first = await startLogin(page);
  const [second] = await Promise.all([page.waitForEvent('popup'), closeShownPopup(first)]);
  assert.equal((await loginOutcome(page)).err?.code, 'popup_closed');
  await second.waitForLoadState();
  await page.waitForTimeout(300);
  const retryBefore = await page.evaluate(() => window.retry);
  await decide(second, 'Allow'); // the retried login succeeds...
  await page.waitForFunction(() => document.getElementById('w1').loggedIn === true);
  const retryAfter = await page.evaluate(() => window.retry);
  assert.equal(retryBefore, null, 'unsettled while its popup is open');
  assert.ok(retryAfter?.ok, 'the retried login() resolves with its own oauth-login detail');
  await context.close();
});

test('logout() resolves { revoked: false } when the revocation answer is cut off mid-body', async () => {
  { // control: an endpoint that answers 200 in full settles logout() with { revoked: true }
    const { page, context } = await env.newPage();
    await loggedIn(page, { 'revoke-url': `${api.base}/ok` });
    const r = await page.evaluate(() => document.getElementById('w1').logout());
    assert.deepEqual(r, { revoked: true });
    await context.close();
  }
  const { page, context } = await env.newPage();
  await loggedIn(page, { 'revoke-url': `${api.base}/cut` });
  await page.evaluate(() => {
    window.loggedOut = 'pending';
    document.getElementById('w1').logout().then((r) => { window.loggedOut = r; }, (e) => { window.loggedOut = { rejected: String(e) }; });
  });
  await page.waitForFunction(() => window.loggedOut !== 'pending', null, { timeout: 8000 }).catch(() => {});
  const result = await page.evaluate(() => window.loggedOut);
  assert.deepEqual(result, { revoked: false });
  await context.close();
});

test('fetch() with the token in the query (instagram) sends a request body as window.fetch does', async () => {
  const { page, context } = await env.newPage();
  await loggedIn(page, { provider: 'instagram', 'authorize-url': `${env.provider}/oauth/authorize` });
  const result = await page.evaluate(async (url) => {
    const el = document.getElementById('w1');
    const init = { method: 'POST', body: 'caption=hello' };
    const plain = await fetch(`${url}?access_token=${encodeURIComponent(el.accessToken)}`, init).then((r) => r.json(), (e) => String(e));
    const widget = await el.fetch(url, init).then((r) => r.json(), (e) => String(e));
    return { plain: { method: plain.method, body: plain.body }, widget: widget.body ?? widget };
  }, `${api.base}/media`);
  assert.equal(result.widget, 'caption=hello');
  await context.close();
});

test('under a CSP without wasm-unsafe-eval, the element reads as logged out and logout() resolves', async () => {
  const { page, context } = await env.newPage();
  await page.goto(`${env.web}/e2e/csp.html`);
  await page.waitForFunction(() => customElements.get('oauth-login'));
  const seen = await page.evaluate(() => {
    const el = document.getElementById('w1');
    let logout;
    try { logout = typeof el.logout(); } catch (e) { logout = `throws ${e}`; }
    let fetched;
    try { fetched = typeof el.fetch('/x').catch(() => {}); } catch (e) { fetched = `throws ${e}`; }
    return { accessToken: String(el.accessToken), loggedIn: String(el.loggedIn), expiresAt: String(el.expiresAt), logout, fetched };
  });
  assert.deepEqual([seen.accessToken, seen.loggedIn, seen.expiresAt], ['null', 'false', 'null']);
  assert.equal(seen.logout, 'object', 'a promise');
  assert.equal(seen.fetched, 'object', 'a promise');
  await context.close();
});

/**
 * On the CSP page (no WebAssembly), #w1's `callbackurl` with no `redirect-uri`, then with each of
 * `uris` set as its `redirectUri`.
 */
async function callbackurlsWithoutWasm(uris) {
  const { page, context } = await env.newPage();
  await page.goto(`${env.web}/e2e/csp.html?tab=2#top`);
  await page.waitForFunction(() => customElements.get('oauth-login'));
  const seen = await page.evaluate((uris) => {
    const el = document.getElementById('w1');
    const plain = el.callbackurl;
    return [plain, ...uris.map((uri) => { el.redirectUri = uri; return el.callbackurl; })];
  }, uris);
  await context.close();
  return seen;
}

test('under a CSP without wasm-unsafe-eval, callbackurl is still the redirect URI to register (a string, as the contract and index.d.ts say)', async () => {
  // As the core reads redirect-uri: a path on this origin, anything else as given; a value that
  // is no URL is returned, not thrown (the login would say invalid_config).
  const seen = await callbackurlsWithoutWasm(['/e2e/callback', 'https://app.example/cb', 'http://[', '//cdn.example/cb']);
  assert.deepEqual(seen, [`${env.web}/e2e/csp.html`, `${env.web}/e2e/callback`, 'https://app.example/cb', 'http://[', '//cdn.example/cb']);
});

test('under a CSP without wasm-unsafe-eval, callbackurl reads a blank or space-padded redirect-uri as the core does (trimmed; blank is absent)', async () => {
  const seen = await callbackurlsWithoutWasm(['', '  ', ' /e2e/callback\n', ' https://app.example/cb ']);
  assert.deepEqual(seen.slice(1), [`${env.web}/e2e/csp.html`, `${env.web}/e2e/csp.html`, `${env.web}/e2e/callback`, 'https://app.example/cb']);
});

test('under a CSP without wasm-unsafe-eval, the disabled button shows the label however the page set it', async () => {
  const { page, context } = await env.newPage();
  // Before the module loads: a property set on an element not yet defined (the "lazy property").
  await page.addInitScript(() => {
    window.early = document.createElement('oauth-login');
    window.early.label = 'Early';
  });
  await page.goto(`${env.web}/e2e/csp.html`);
  await page.waitForFunction(() => customElements.get('oauth-login'));
  const seen = await page.evaluate(() => {
    const text = (el) => el.shadowRoot.querySelector('[part=label]').textContent;
    document.body.append(window.early);
    // A framework's way: created, then its attributes set.
    const late = document.createElement('oauth-login');
    late.setAttribute('label', 'Late');
    document.body.append(late);
    const w1 = document.getElementById('w1');
    w1.label = 'Changed';
    // A preset's element without a label says the preset's, as the core would.
    const preset = document.createElement('oauth-login');
    preset.setAttribute('provider', 'google');
    document.body.append(preset);
    const presetFirst = text(preset);
    preset.provider = 'box';
    return { early: [text(window.early), window.early.getAttribute('label')], late: text(late), changed: text(w1), preset: [presetFirst, text(preset)] };
  });
  assert.deepEqual(seen, { early: ['Early', 'Early'], late: 'Late', changed: 'Changed', preset: ['Log in with Google', 'Log in with Box'] });
  await context.close();
});

test('under a CSP without wasm-unsafe-eval, a second copy of the script\'s login() rejects with browser_refused, not a throw', async () => {
  const { page, context } = await env.newPage();
  await page.goto(`${env.web}/e2e/csp.html`);
  await page.waitForFunction(() => customElements.get('oauth-login'));
  // The first copy defined <oauth-login>; the second (another URL: a CDN's and the site's own, or
  // two bundles) has its own classes, none of them defined.
  const seen = await page.evaluate(async () => {
    const { login } = await import('/pkg/oauth-login.js?copy=2');
    let promise;
    try { promise = login({ clientId: 'e2e-spa' }); } catch (e) { return `throws ${e}`; }
    return promise.then(() => 'resolved', (e) => [e.name, e.code]);
  });
  assert.deepEqual(seen, ['OAuthError', 'browser_refused']);
  await context.close();
});

test('fetch() of a bad URL returns a rejected promise, as window.fetch does', async () => {
  const { page, context } = await env.newPage();
  await loggedIn(page);
  const seen = await page.evaluate(() => {
    const el = document.getElementById('w1');
    const r = {};
    try { r.window = window.fetch('http://[bad').catch(() => {}) instanceof Promise ? 'promise' : 'other'; } catch (e) { r.window = `throws ${e.name}`; }
    try { r.element = el.fetch('http://[bad').catch(() => {}) instanceof Promise ? 'promise' : 'other'; } catch (e) { r.element = `throws ${e.name}`; }
    return r;
  });
  assert.equal(seen.element, seen.window);
  await context.close();
});

test('an element removed during a popup login still times out: its popup closes, its listeners go', async () => {
  const track = () => {
    window.messageListeners = new Set();
    const add = window.addEventListener; const remove = window.removeEventListener;
    window.addEventListener = function (t, f, ...a) { if (t === 'message') window.messageListeners.add(f); return add.call(this, t, f, ...a); };
    window.removeEventListener = function (t, f, ...a) { if (t === 'message') window.messageListeners.delete(f); return remove.call(this, t, f, ...a); };
  };
  for (const remove of [false, true]) {
    const { page, context } = await env.newPage();
    await openWidget(env, page, { attrs: { timeout: '2' }, init: track });
    const popup = await startLogin(page);
    if (remove) await page.evaluate(() => { window.removed = document.getElementById('w1'); window.removed.remove(); });
    await page.waitForTimeout(5000);
    const seen = await page.evaluate(() => ({ outcome: window.outcomes.w1?.err?.code ?? window.outcomes.w1, messageListenersOnWindow: window.messageListeners.size }));
    assert.equal(seen.outcome, 'timeout');
    assert.equal(seen.messageListenersOnWindow, 0);
    assert.ok(popup.isClosed());
    await context.close();
  }
});
