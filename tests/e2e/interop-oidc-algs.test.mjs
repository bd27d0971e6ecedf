// The algorithms the contract accepts beyond RS256 and ES256, proven against a provider nobody
// here wrote: node-oidc-provider v9 signs id_tokens with PS256 (the RSA key), EdDSA and Ed25519
// (RFC 9864's name for it, an OKP Ed25519 key), in the code flow and, for EdDSA, the implicit
// grant, whose at_hash is then the left half of a SHA-512. Chromium verifies PS256 and Ed25519.
//
// Run: `npm run build`, then `node --test --test-concurrency=1 tests/e2e/interop-oidc-algs.test.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { codeFlowClient, jwsHeader, logInThroughPopup as logIn, openCodeFlowWidget, startInteropEnvironment } from '../interop/oidc-env.mjs';
import { rsaSigningKey } from '../interop/oidc-provider.mjs';
import { openWidget } from './harness.mjs';

const TIMEOUT = 60_000;

function okpSigningKey(kid = 'interop-ed25519') {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { ...privateKey.export({ format: 'jwk' }), use: 'sig', kid };
}

let env;
before(async () => {
  env = await startInteropEnvironment({
    keys: [rsaSigningKey(), okpSigningKey()],
    clients: [
      codeFlowClient('interop-ps256', { id_token_signed_response_alg: 'PS256' }),
      codeFlowClient('interop-eddsa', { id_token_signed_response_alg: 'EdDSA' }),
      codeFlowClient('interop-ed25519', { id_token_signed_response_alg: 'Ed25519' }),
      { client_id: 'interop-eddsa-implicit', token_endpoint_auth_method: 'none', grant_types: ['implicit'], response_types: ['id_token token'], application_type: 'web', id_token_signed_response_alg: 'EdDSA' },
    ],
    implicitOnLoopback: true,
  });
});
after(async () => { await env?.close(); });

for (const [clientId, alg] of [['interop-ps256', 'PS256'], ['interop-eddsa', 'EdDSA'], ['interop-ed25519', 'Ed25519']]) {
  test(`a ${alg} id_token from oidc-provider verifies (code flow)`, { timeout: TIMEOUT }, async () => {
    const { context, page, consoleLines } = await env.newPage();
    try {
      await openCodeFlowWidget(env, page, { 'client-id': clientId });
      const { ok, err } = await logIn(page, 'anna');
      assert.ok(ok, `${JSON.stringify(err)} ${consoleLines.join('\n')}`);
      assert.equal(jwsHeader(ok.idToken).alg, alg);
      assert.equal(ok.claims.sub, 'anna');
    } finally {
      await context.close();
    }
  });
}

test('an EdDSA id_token in the implicit grant: at_hash is the left half of the SHA-512', { timeout: TIMEOUT }, async () => {
  const { context, page, consoleLines } = await env.newPage();
  try {
    await openWidget(env, page, {
      attrs: { 'authorize-url': null, issuer: env.op.issuer, 'client-id': 'interop-eddsa-implicit', 'response-type': 'token id_token', scope: 'openid profile' },
    });
    const { ok, err } = await logIn(page, 'fay');
    assert.ok(ok, `${JSON.stringify(err)} ${consoleLines.join('\n')}`);
    assert.equal(jwsHeader(ok.idToken).alg, 'EdDSA');
    assert.equal(ok.claims.at_hash, createHash('sha512').update(ok.accessToken).digest().subarray(0, 32).toString('base64url'));
  } finally {
    await context.close();
  }
});
