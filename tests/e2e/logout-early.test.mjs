// Logging out as a page loads (a "/logout" route that calls logout() at once), in Chromium
// against the dev provider: the discovered revocation and end-session endpoints are still being
// read when logout() is called, and must still be used.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC_CLIENT_ID, decide, loginOutcome, openWidget, startEnvironment, startLogin } from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });
beforeEach(async () => { await env.controls.reset(); });

const attrs = () => ({
  'authorize-url': null, issuer: env.provider, 'client-id': PUBLIC_CLIENT_ID,
  scope: 'openid profile offline_access', storage: 'local',
});

test('a page that logs out as it loads revokes the tokens and ends the provider session', async () => {
  const { context, page } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: attrs() });
    const popup = await startLogin(page);
    await decide(popup, 'Allow');
    const { ok, err } = await loginOutcome(page, 'w1', 15_000);
    assert.ok(ok, JSON.stringify(err));
    // The logout page: its discovery document comes a little after the element restored the
    // session, and the page logs out at once.
    const logoutPage = await context.newPage();
    await logoutPage.route('**/.well-known/openid-configuration', async (route) => {
      await new Promise((r) => setTimeout(r, 300));
      await route.continue();
    });
    const left = logoutPage.waitForRequest((r) => r.url().startsWith(`${env.provider}/logout?`), { timeout: 5_000 }).catch(() => null);
    await logoutPage.addInitScript((attrs) => {
      window.__attrs = attrs;
      window.__loggedOut = customElements.whenDefined('oauth-login').then(() => {
        const el = document.getElementById('w1');
        const restored = el.loggedIn;
        return el.logout({ endSession: true }).then((settled) => ({ restored, settled }));
      });
    }, attrs());
    await logoutPage.goto(`${env.web}/e2e/widget.html`);
    const result = await logoutPage.evaluate(() => window.__loggedOut).catch(() => 'left');
    const sent = await left;
    const revocations = await env.controls.get('/test/revocations');
    assert.deepEqual(revocations.map((r) => [r.token_type_hint, r.status]).sort(), [['access_token', 200], ['refresh_token', 200]], JSON.stringify(result));
    assert.ok(sent, 'the tab went to the end_session_endpoint');
    const afterLogout = await fetch(`${env.provider}/userinfo`, { headers: { Authorization: `Bearer ${ok.accessToken}` } });
    assert.equal(afterLogout.status, 401);
  } finally {
    await context.close();
  }
});
