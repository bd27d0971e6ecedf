// An OpenID Provider that nobody on this project wrote: node-oidc-provider (v9, OpenID Certified),
// started in-process on loopback for the interop tests (tests/e2e/interop-oidc*.test.mjs). It
// serves its own built-in login and consent pages (devInteractions: any login name and password
// work) and one public client that must use PKCE, so a browser-only app like the widget can log in
// with the code flow and call userinfo with the token it gets. Options add clients, keys, the
// implicit grant and a fixed port (see startOidcProvider).
import { createServer, get } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export const CLIENT_ID = 'interop-spa';
export const SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/** Access tokens of a login with `offline_access` live this long, so a renewal comes soon. */
export const RENEWING_TTL_SECS = 5;

/** Response types oidc-provider serves by default, and the implicit one `implicitOnLoopback` adds. */
const DEFAULT_RESPONSE_TYPES = ['code id_token', 'code', 'id_token', 'none'];
const IMPLICIT_RESPONSE_TYPE = 'id_token token';

/**
 * Starts the provider on http://127.0.0.1:<free port>. `redirectUris` are registered for the
 * client (exact match); `origins` are the page origins allowed to call the token and userinfo
 * endpoints from a browser (CORS). Resolves with the endpoints, the client id, the signing keys
 * and `close()`.
 *
 * Options for the tests of id_token verification (interop-oidc-proof.test.mjs); left out, the
 * provider is exactly the one described above:
 * - `port`: listen on this port rather than a free one, so a restarted provider keeps its issuer;
 * - `keys`: the private JWKs it publishes and signs with (default: one new RSA key, kid
 *   `interop-rs256`); for each algorithm the first key that fits signs;
 * - `clients`: more clients' metadata, registered beside the public one with the same CORS and,
 *   unless they name their own, the same redirect URIs;
 * - `implicitOnLoopback`: serve the implicit grant (`id_token token`) to clients whose redirect
 *   URIs are http://localhost, which oidc-provider otherwise refuses to register (see below);
 * - `jwksMaxAge`: seconds of `Cache-Control: max-age` on the key set (default: none).
 */
export async function startOidcProvider({ redirectUris, origins, port = 0, keys = [rsaSigningKey()], clients = [], implicitOnLoopback = false, jwksMaxAge = 0 }) {
  // The issuer must contain the port, so listen first (port 0: any free one) and attach the
  // provider's handler once it exists.
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const allowedOrigins = new Set(origins);
  const corsClientIds = new Set([CLIENT_ID, ...clients.map((c) => c.client_id)]);
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
    }, ...clients.map((client) => ({ redirect_uris: redirectUris, ...client }))],
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
      return corsClientIds.has(client.clientId) && allowedOrigins.has(origin);
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
    jwks: { keys },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // The default error page dumps the request; a plain one is enough and prints nothing.
    async renderError(ctx, out) {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description ?? ''}`;
    },
  };
  if (implicitOnLoopback) configuration.responseTypes = [...DEFAULT_RESPONSE_TYPES, IMPLICIT_RESPONSE_TYPE];

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
  if (implicitOnLoopback) {
    // oidc-provider refuses to register a web client that uses the implicit grant with an http:
    // redirect URI or one on localhost (a sound policy for a deployment, and no switch turns it
    // off). The tests' pages are http://localhost, so only those two refusals are let through, for
    // this provider instance only (each instance has its own Client class and schema).
    const schema = provider.Client.Schema.prototype;
    const invalidate = schema.invalidate;
    schema.invalidate = function invalidateUnlessImplicitOnLoopback(message, code) {
      if (code === 'implicit-force-https' || code === 'implicit-forbid-localhost') return;
      invalidate.call(this, message, code);
    };
  }

  // `jwksMaxAge`: the key set says how long a browser may keep it (as Google's and Entra ID's do:
  // hours), so a browser's HTTP cache holds it.
  if (jwksMaxAge) {
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/jwks') ctx.set('Cache-Control', `public, max-age=${jwksMaxAge}`);
    });
  }
  server.on('request', provider.callback());

  let discovery;
  try {
    // Static clients are checked when first used: check them now, so a bad one fails the start.
    for (const { client_id: clientId } of clients) await provider.Client.find(clientId);
    // The endpoints as the provider itself advertises them (its paths are its own business).
    discovery = await getJsonOnNewConnection(`${issuer}/.well-known/openid-configuration`);
  } catch (err) {
    // A listening server would keep the test process alive after the failure.
    server.closeAllConnections();
    server.close();
    throw err;
  }
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
    keys,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A new RSA signing key as a private JWK. */
export function rsaSigningKey(kid = 'interop-rs256') {
  // RS256 is the default signing algorithm for ID tokens, so an RSA key is required.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), use: 'sig', kid };
}

/** A new EC P-256 signing key as a private JWK, for clients whose id_tokens are ES256. */
export function ecSigningKey(kid = 'interop-es256') {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), use: 'sig', kid };
}

/**
 * GETs `url`'s JSON on a connection of its own. Not fetch(): its pool may still hold a kept-alive
 * connection to a provider that listened on the same port before a restart (`port`), which the
 * restart closed; the request would fail on it with "other side closed".
 */
function getJsonOnNewConnection(url) {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(new Error(`${url}: HTTP ${response.statusCode}, not JSON: ${err.message}`));
        }
      });
    }).on('error', reject);
  });
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
