// The dev provider as a newcomer uses it with a page of their own: clients.json edited while it
// runs takes effect without a restart, a scope it does not know is refused with invalid_scope
// (which the widget passes through), and the consent page lets one switch accounts; its logout
// endpoint signs the browser out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { decide, loginOutcome, openWidget, startEnvironment, startLogin } from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

test('a client added to clients.json while the provider runs can log in, with no restart', async () => {
  const clients = JSON.parse(readFileSync(env.clientsFile, 'utf8'));
  clients.clients.push({ id: 'added-later', name: 'Added Later', redirect_uris: [`${env.web}/e2e/widget.html`] });
  writeFileSync(env.clientsFile, JSON.stringify(clients));
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { 'client-id': 'added-later' } });
  const popup = await startLogin(page);
  assert.match(await popup.textContent('body'), /Added Later/);
  await decide(popup, 'Allow');
  assert.equal(typeof (await loginOutcome(page)).ok?.accessToken, 'string');
  await context.close();
});

test('a scope the provider does not know: invalid_scope passes through', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { scope: 'basic no-such-scope' } });
  await startLogin(page, { popup: false });
  const outcome = await loginOutcome(page);
  assert.equal(outcome.err?.code, 'invalid_scope', JSON.stringify(outcome));
  await context.close();
});

test('"Use another account" on the consent page: the token is the other user\'s; the logout endpoint signs out', async () => {
  const { page, context } = await env.newPage();
  // The code flow, whose token answer names the user.
  await openWidget(env, page, { attrs: { 'client-id': 'e2e-spa', 'response-type': 'code', 'token-url': `${env.provider}/oauth/token` } });
  const popup = await startLogin(page);
  assert.equal(await popup.textContent('#signed-in'), '@snoopdogg');
  await Promise.all([popup.waitForNavigation(), popup.click('#switch-account')]);
  await Promise.all([popup.waitForNavigation(), popup.click('#account-alice')]);
  assert.equal(await popup.textContent('#signed-in'), '@alice');
  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  assert.equal(outcome.ok?.user?.username, 'alice', JSON.stringify(outcome.ok?.user));
  // The logout endpoint forgets the browser's user: the next login asks which account to use.
  const tab = await context.newPage();
  await tab.goto(`${env.provider}/logout`);
  assert.ok(await tab.locator('#signed-out').count(), await tab.content());
  const next = await startLogin(page);
  await next.waitForSelector('#account-status', { timeout: 5_000 }); // the account page comes first
  await next.close();
  await context.close();
});
