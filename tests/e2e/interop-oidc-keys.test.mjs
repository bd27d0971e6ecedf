// Key rotation through the browser's HTTP cache: "an unknown `kid` fetches the key set once more,
// for key rotation" ("Who logged in" in the contract). Providers let browsers keep their key set
// for hours (`Cache-Control: max-age`: Google's, Entra ID's); the fetch once more must reach the
// provider, or a page can never learn a rotated key before the cached copy expires.
// node-oidc-provider (tests/interop/oidc-provider.mjs) serves the key set with a max-age here.
// The context has no Playwright route: a route turns Chromium's HTTP cache off.
//
// Run: `npm run build`, then `node --test --test-concurrency=1 tests/e2e/interop-oidc-keys.test.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jwsHeader, logInThroughPopup as logIn, openCodeFlowWidget, startInteropEnvironment } from '../interop/oidc-env.mjs';
import { rsaSigningKey } from '../interop/oidc-provider.mjs';

const TIMEOUT = 60_000;
const ROTATED_KID = 'interop-rs256-rotated';

let env;
before(async () => { env = await startInteropEnvironment({ jwksMaxAge: 3600 }); });
after(async () => { await env?.close(); });

const kidOf = (jws) => jwsHeader(jws).kid;

test('keys rotated while the browser caches the key set: the fetch once more reaches the provider', { timeout: TIMEOUT }, async () => {
  const context = await env.browser.newContext();
  try {
    const page = await context.newPage();
    await openCodeFlowWidget(env, page);
    const first = await logIn(page, 'ines');
    assert.ok(first.ok, JSON.stringify(first.err));
    assert.equal(kidOf(first.ok.idToken), 'interop-rs256');

    // The same issuer, now signing with a new key published first, the old one after it.
    await env.restartProvider({ keys: [rsaSigningKey(ROTATED_KID), ...env.op.keys], jwksMaxAge: 3600 });
    const second = await logIn(page, 'ines');
    assert.ok(second.ok, JSON.stringify(second.err));
    assert.equal(kidOf(second.ok.idToken), ROTATED_KID);
  } finally {
    await context.close();
  }
});
