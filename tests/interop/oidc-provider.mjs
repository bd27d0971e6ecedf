// An OpenID Provider that nobody on this project wrote: node-oidc-provider (v9, OpenID Certified),
// started in-process on loopback for the interop tests (tests/e2e/interop-oidc.test.mjs). It
// serves its own built-in login and consent pages (devInteractions: any login name and password
// work) and one public client that must use PKCE, so a browser-only app like the widget can log in
// with the code flow and call userinfo with the token it gets.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export const CLIENT_ID = 'interop-spa';
export const SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/** Access tokens of a login with `offline_access` live this long, so a renewal comes soon. */
export const RENEWING_TTL_SECS = 5;

/**
 * Starts the provider on http://127.0.0.1:<free port>. `redirectUris` are registered for the
 * client (exact match); `origins` are the page origins allowed to call the token and userinfo
 * endpoints from a browser (CORS). Resolves with the endpoints, the client id and `close()`.
 */
export async function startOidcProvider({ redirectUris, origins }) {
  // The issuer must contain the port, so listen first (port 0: any free one) and attach the
  // provider's handler once it exists.
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const allowedOrigins = new Set(origins);
  const configuration = {
    clients: [{
      client_id: CLIENT_ID,
      // A public client: a page cannot keep a secret. oidc-provider then requires PKCE
      // (pkce.required below says so explicitly), and v9 only implements S256.
      token_endpoint_auth_method: 'none',
      // Refresh tokens for offline_access (asked with prompt=consent): public clients' rotate.
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // 'web' (the default), not 'native': the widget is a web app, and oidc-provider accepts
      // http: redirect URIs on localhost for web clients that do not use the implicit grant.
      // A web client's redirect URIs also match exactly (a native one's loopback URIs would
      // match on any port), which is the stricter behaviour we want to test against.
      application_type: 'web',
      redirect_uris: redirectUris,
      post_logout_redirect_uris: redirectUris,
    }],
    pkce: { required: () => true },
    scopes: SCOPES,
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
    // Any account id exists (devInteractions logs in whatever name is typed).
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, name: `Interop ${sub}`, preferred_username: sub, email: `${sub}@interop.test`, email_verified: true };
        },
      };
    },
    // CORS on the token and userinfo endpoints, decided per client: only the test page origins.
    clientBasedCORS(_ctx, origin, client) {
      return client.clientId === CLIENT_ID && allowedOrigins.has(origin);
    },
    features: {
      devInteractions: { enabled: true },
      userinfo: { enabled: true },
      // Token revocation (RFC 7009) and RP-Initiated Logout, with its own confirmation page.
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    // Explicit lifetimes (the defaults print a notice when first used).
    ttl: {
      // Short for a login that can renew (offline_access), so the renewal tests need not wait.
      AccessToken: (_ctx, token) => (token.scope?.split(' ').includes('offline_access') ? RENEWING_TTL_SECS : 600),
      RefreshToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    // Own keys, so oidc-provider does not fall back to (and warn about) its quick-start ones.
    jwks: { keys: [rsaSigningKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // The default error page dumps the request; a plain one is enough and prints nothing.
    async renderError(ctx, out) {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description ?? ''}`;
    },
  };

  // Loading and constructing the provider prints notices meant for someone deploying it (the
  // in-memory adapter, devInteractions, and on Node 20 "Unsupported runtime": v9 asks for Node 22
  // LTS, yet runs here on Node 20.20 (it needs crypto.hash, in Node since 20.12)). Keep only
  // those lines out of the test output.
  const { default: Provider } = await quietly(() => import('oidc-provider'));
  const provider = await quietly(() => new Provider(issuer, configuration));
  // RFC 9207: v9 always adds `iss` to authorization responses that carry no id_token (so to
  // every `code` response) and advertises authorization_response_iss_parameter_supported; it has
  // no feature switch for it (older majors had features.issAuthResp), so nothing to configure.
  // Koa would print every error to stderr; report only unexpected server errors, by message
  // (never a request, a token or a cookie).
  provider.silent = true;
  provider.on('server_error', (_ctx, err) => console.error(`oidc-provider server_error: ${err.message}`));

  server.on('request', provider.callback());

  // The endpoints as the provider itself advertises them (its paths are its own business).
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  if (discovery.authorization_response_iss_parameter_supported !== true) {
    throw new Error('oidc-provider does not advertise RFC 9207 iss in authorization responses');
  }

  return {
    issuer,
    authorizationEndpoint: discovery.authorization_endpoint,
    tokenEndpoint: discovery.token_endpoint,
    userinfoEndpoint: discovery.userinfo_endpoint,
    revocationEndpoint: discovery.revocation_endpoint,
    endSessionEndpoint: discovery.end_session_endpoint,
    clientId: CLIENT_ID,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function rsaSigningKey() {
  // RS256 is the default signing algorithm for ID tokens, so an RSA key is required.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), use: 'sig', kid: 'interop-rs256' };
}

/** Runs `fn` with oidc-provider's own console notices suppressed; everything else still prints. */
async function quietly(fn) {
  const saved = { info: console.info, warn: console.warn };
  const filter = (original) => (...args) => {
    if (typeof args[0] === 'string' && /oidc-provider (NOTICE|WARNING)/.test(args[0])) return;
    original.apply(console, args);
  };
  console.info = filter(saved.info);
  console.warn = filter(saved.warn);
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
}
