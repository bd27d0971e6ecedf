// The demo page, end to end in Chromium against the dev provider: Allow logs in and shows the
// profile fetched with the widget's fetch(); Deny shows the provider's error as text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEnvironment } from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

async function openConsent(page) {
  await page.goto(env.web + '/');
  await page.waitForFunction(() => customElements.get('oauth-login'));
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('oauth-login').click()]);
  await popup.waitForLoadState();
  return popup;
}

test('the demo shows the callback URL to register', async () => {
  const { page, context } = await env.newPage();
  await page.goto(env.web + '/');
  await page.waitForFunction(() => document.getElementById('callbackurl').textContent.startsWith('http'));
  assert.equal(await page.textContent('#callbackurl'), env.web + '/');
  await context.close();
});

test('Allow on the consent page logs in and shows the profile', async () => {
  const { page, context } = await env.newPage();
  const popup = await openConsent(page);
  assert.match(await popup.textContent('body'), /Prefab Demo/);
  await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow' }).click()]);
  await page.waitForSelector('#profile:not([hidden])');
  assert.equal(await page.textContent('#username'), '@snoopdogg');
  assert.equal(await page.evaluate(() => document.querySelector('oauth-login').loggedIn), true);
  const log = await page.textContent('#log');
  assert.match(log, /oauth-login/);
  const issued = await env.controls.lastToken();
  assert.ok(!log.includes(issued.access_token), 'the event log never shows the token');
  await context.close();
});

test('Deny on the consent page shows access_denied as text', async () => {
  const { page, context } = await env.newPage();
  const popup = await openConsent(page);
  await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Deny' }).click()]);
  await page.waitForFunction(() => document.getElementById('error').textContent !== '');
  assert.equal(await page.textContent('#error'), 'access_denied: The user denied your request');
  assert.equal(await page.evaluate(() => document.querySelector('oauth-login').loggedIn), false);
  await context.close();
});
