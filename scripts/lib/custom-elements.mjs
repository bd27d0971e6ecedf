// Generates pkg-template/custom-elements.json, the Custom Elements Manifest (schema 1.0.0) that
// IDEs and low-code builders read to show a property panel for <oauth-login>.
//
// The manifest is derived, not hand-kept:
// - the attribute/property pairs come from `ATTRIBUTES` in src/core/config.rs (the one place the
//   element's settings are declared);
// - the property, method and event types come from pkg-template/index.d.ts;
// - the CSS parts come from the shadow-DOM template in src/web/element.rs;
// - the widget's error codes come from `ErrorCode::as_str` in src/core/error.rs.
// Only the prose (descriptions and documented defaults) lives here, keyed by attribute name; a
// setting without prose, or prose for a setting that no longer exists, is an error.
//
//   node scripts/lib/custom-elements.mjs          writes pkg-template/custom-elements.json
//   node scripts/lib/custom-elements.mjs --check  exits 1 when the committed file is stale
// tests/manifest.test.mjs runs the check in `npm test`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const defaultRoot = resolve(import.meta.dirname, '..', '..');

/** Prose for each attribute of `ATTRIBUTES`: what it means and its documented default. */
const ATTRIBUTE_DOCS = {
  provider: {
    description: 'A preset provider: `instagram`, `facebook`, `google`, `linkedin` or `box`. Absent means a custom provider given by `authorize-url`.',
    type: "'instagram' | 'facebook' | 'google' | 'linkedin' | 'box'",
  },
  'client-id': {
    description: "The app's client id, as registered with the provider. Required.",
    type: 'string',
  },
  scope: {
    description: "Scopes to request, separated by spaces or commas; sent joined with the provider's own separator. Defaults to the preset's default scopes.",
    type: 'string',
  },
  'authorize-url': {
    description: "The authorization endpoint; overrides the preset's. Must be `https:`, except on loopback hosts (`localhost`, `127.0.0.1`, `[::1]`).",
    type: 'string',
  },
  'redirect-uri': {
    description: 'Overrides the redirect URI sent to the provider. Defaults to `callbackurl`: the host page\'s origin + pathname.',
    type: 'string',
  },
  'response-type': {
    description: '`token`: the implicit grant (the only one a page without a secret can finish).',
    type: "'token'",
    default: "'token'",
  },
  mode: {
    description: 'How the provider\'s page is shown: `popup` (the page stays) or `redirect` (this tab goes to the provider and back).',
    type: "'popup' | 'redirect'",
    default: "'popup'",
  },
  fallback: {
    description: 'What a blocked popup does: `redirect` (go on as a redirect login) or `none` (fail with `popup_blocked`).',
    type: "'redirect' | 'none'",
    default: "'redirect'",
  },
  storage: {
    description: 'Where the token is kept: `memory` (this page only), `session` (sessionStorage) or `local` (localStorage).',
    type: "'memory' | 'session' | 'local'",
    default: "'memory'",
  },
  label: {
    description: "The button's text. Defaults to `Log in with <Provider>` (`Log in` for a custom provider).",
    type: 'string',
  },
  timeout: {
    description: 'Seconds a pending login may take before it fails with `timeout` (whole seconds, at most a day).',
    type: 'number',
    default: '300',
  },
};

/** Prose for the read-only properties and methods (their types come from index.d.ts). */
const MEMBER_DOCS = {
  callbackurl: 'The exact redirect URI this widget sends: register it with the provider. Without `redirect-uri` it is the page\'s origin + pathname, with no query and no fragment.',
  accessToken: 'The current access token, or `null`. Never written to an attribute, the console or a URL.',
  loggedIn: '`true` while an unexpired token is held.',
  expiresAt: 'When the token expires, in milliseconds since the epoch; `null` when unknown or logged out.',
  login: 'Starts a login (clicking the button calls it). Resolves with the `oauth-login` detail, or rejects with an `OAuthError` (`.code`, `.description`).',
  logout: 'Forgets the token (and its stored copy) and fires `oauth-logout`.',
  fetch: "`window.fetch` with the token attached (`Authorization: Bearer <token>`, or the `access_token` query parameter where a preset's API wants it). Rejects with an `OAuthError` `login_required` when no token is held.",
};

const EVENT_DOCS = {
  'oauth-login': 'A login succeeded, or a stored token was restored on load (`detail.restored`). Detail: `{ provider, accessToken, tokenType, expiresIn, expiresAt, scope, restored }`.',
  'oauth-error': 'A login failed. Detail: `{ error, description, reason, uri }`; `error` is the provider\'s code (`access_denied`, ...) or one of the widget\'s: ',
  'oauth-logout': '`logout()` was called. Detail: `{ provider }`.',
  'oauth-expired': 'The held token passed `expiresAt`. Detail: `{ provider }`.',
};

const PART_DOCS = {
  button: 'The `<button>`: keyboard-usable, `aria-busy="true"` while a login is pending.',
  label: "The button's text.",
  spinner: 'The busy indicator, shown while a login is pending.',
  message: 'The last error, shown as text under the button.',
};

/** `ATTRIBUTES` of src/core/config.rs, as [attribute, property] pairs in declaration order. */
export function rustAttributes(root = defaultRoot) {
  const source = readFileSync(join(root, 'src', 'core', 'config.rs'), 'utf8');
  const block = source.match(/pub const ATTRIBUTES\s*:[^=]*=\s*&\[([\s\S]*?)\];/);
  if (!block) throw new Error('src/core/config.rs: no `pub const ATTRIBUTES` found');
  const pairs = [...block[1].matchAll(/name:\s*"([^"]+)"\s*,\s*property:\s*"([^"]+)"/g)].map((m) => [m[1], m[2]]);
  if (pairs.length === 0) throw new Error('src/core/config.rs: ATTRIBUTES lists no attribute');
  return pairs;
}

/** The `part="..."` names of the shadow-DOM template in src/web/element.rs, in order. */
export function rustParts(root = defaultRoot) {
  const source = readFileSync(join(root, 'src', 'web', 'element.rs'), 'utf8');
  return [...new Set([...source.matchAll(/\bpart="([a-z-]+)"/g)].map((m) => m[1]))];
}

/** The widget's own error codes, from `ErrorCode::as_str` in src/core/error.rs. */
export function rustErrorCodes(root = defaultRoot) {
  const source = readFileSync(join(root, 'src', 'core', 'error.rs'), 'utf8');
  return [...source.matchAll(/Self::\w+\s*=>\s*"([a-z_]+)"/g)].map((m) => m[1]);
}

/** A brace-balanced block starting at the `{` after `header` in `text`. */
function block(text, header) {
  const at = text.indexOf(header);
  if (at < 0) throw new Error(`index.d.ts: no \`${header}\``);
  let depth = 0;
  for (let i = text.indexOf('{', at); i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(text.indexOf('{', at) + 1, i);
  }
  throw new Error(`index.d.ts: unbalanced \`${header}\``);
}

/** Property, method and event types of `OAuthLoginElement` / `OAuthLoginEventMap` in index.d.ts. */
export function declaredTypes(root = defaultRoot) {
  const dts = readFileSync(join(root, 'pkg-template', 'index.d.ts'), 'utf8').replace(/\/\*\*[\s\S]*?\*\//g, '');
  const element = block(dts, 'export interface OAuthLoginElement');
  const fields = {};
  const methods = {};
  for (const line of element.split('\n').map((l) => l.trim()).filter(Boolean)) {
    if (line.startsWith('//') || /^(add|remove)EventListener\b/.test(line)) continue;
    const method = line.match(/^(\w+)\((.*)\):\s*(.+);$/);
    const field = line.match(/^(readonly\s+)?(\w+):\s*(.+);$/);
    if (method) {
      const parameters = method[2].split(/,\s*(?![^()<>]*[)>])/).filter(Boolean).map((p) => {
        const [, name, optional, type] = p.match(/^(\w+)(\??):\s*(.+)$/);
        return { name, optional: optional === '?', type };
      });
      methods[method[1]] = { parameters, return: method[3] };
    } else if (field) {
      fields[field[2]] = { readonly: Boolean(field[1]), type: field[3] };
    }
  }
  const events = {};
  for (const m of block(dts, 'export interface OAuthLoginEventMap').matchAll(/'([a-z-]+)':\s*([^;]+);/g)) events[m[1]] = m[2].trim();
  return { fields, methods, events };
}

const type = (text) => ({ text });

/** Builds the manifest object from the sources listed at the top of this file. */
export function buildManifest(root = defaultRoot) {
  const attributes = rustAttributes(root);
  const parts = rustParts(root);
  const codes = rustErrorCodes(root);
  const { fields, methods, events } = declaredTypes(root);

  const names = attributes.map(([a]) => a);
  const undocumented = names.filter((a) => !ATTRIBUTE_DOCS[a]);
  const stale = Object.keys(ATTRIBUTE_DOCS).filter((a) => !names.includes(a));
  if (undocumented.length || stale.length) {
    throw new Error(`custom-elements: ATTRIBUTE_DOCS is out of step with ATTRIBUTES: undocumented ${JSON.stringify(undocumented)}, stale ${JSON.stringify(stale)}`);
  }
  for (const part of parts) if (!PART_DOCS[part]) throw new Error(`custom-elements: no description for ::part(${part})`);
  for (const name of Object.keys(events)) if (!EVENT_DOCS[name]) throw new Error(`custom-elements: no description for event ${name}`);

  const members = [];
  for (const [attribute, property] of attributes) {
    const doc = ATTRIBUTE_DOCS[attribute];
    const declared = fields[property];
    if (!declared) throw new Error(`custom-elements: index.d.ts OAuthLoginElement has no property ${property} (attribute ${attribute})`);
    members.push({
      kind: 'field',
      name: property,
      type: type(declared.type),
      description: `${doc.description} Reflects the \`${attribute}\` attribute.`,
      attribute,
      reflects: true,
      ...(doc.default ? { default: doc.default } : {}),
    });
  }
  const settingProperties = new Set(attributes.map(([, p]) => p));
  for (const [name, declared] of Object.entries(fields)) {
    if (settingProperties.has(name)) continue;
    if (!MEMBER_DOCS[name]) throw new Error(`custom-elements: no description for property ${name}`);
    members.push({ kind: 'field', name, type: type(declared.type), description: MEMBER_DOCS[name], ...(declared.readonly ? { readonly: true } : {}) });
  }
  for (const [name, declared] of Object.entries(methods)) {
    if (!MEMBER_DOCS[name]) throw new Error(`custom-elements: no description for method ${name}`);
    members.push({
      kind: 'method',
      name,
      description: MEMBER_DOCS[name],
      ...(declared.parameters.length ? { parameters: declared.parameters.map((p) => ({ name: p.name, type: type(p.type), ...(p.optional ? { optional: true } : {}) })) } : {}),
      return: { type: type(declared.return) },
    });
  }

  const widgetCodes = codes.map((c) => `\`${c}\``).join(', ');
  const element = {
    kind: 'class',
    name: 'OAuthLogin',
    tagName: 'oauth-login',
    customElement: true,
    summary: 'A drop-in OAuth 2.0 login button (implicit flow, popup or redirect).',
    description: 'Renders a login button that signs the user in with an OAuth 2.0 provider and fires `oauth-login` with the access token. The redirect URI to register with the provider is the page itself (`callbackurl`). There is deliberately no client-secret attribute: a page cannot keep a secret, and an element carrying `client-secret` refuses to log in with `invalid_config`.',
    superclass: { name: 'HTMLElement', package: 'global:' },
    attributes: attributes.map(([attribute, property]) => {
      const doc = ATTRIBUTE_DOCS[attribute];
      return { name: attribute, fieldName: property, type: type(doc.type), description: doc.description, ...(doc.default ? { default: doc.default } : {}) };
    }),
    members,
    events: Object.entries(events).map(([name, eventType]) => ({
      name,
      type: type(eventType),
      description: name === 'oauth-error' ? `${EVENT_DOCS[name]}${widgetCodes}.` : EVENT_DOCS[name],
    })),
    cssParts: parts.map((name) => ({ name, description: PART_DOCS[name] })),
  };

  return {
    schemaVersion: '1.0.0',
    readme: 'README.md',
    modules: [
      {
        kind: 'javascript-module',
        path: 'oauth-login.js',
        description: 'Script-tag entry: importing it defines <oauth-login> and handles an OAuth response in the page address.',
        declarations: [element],
        exports: [{ kind: 'custom-element-definition', name: 'oauth-login', declaration: { name: 'OAuthLogin', module: 'oauth-login.js' } }],
      },
      {
        kind: 'javascript-module',
        path: 'index.js',
        description: "Bundler entry (`import { define, login, OAuthError } from 'oauth-prefab'`).",
        declarations: [
          { kind: 'function', name: 'define', description: 'Defines <oauth-login>; safe to call more than once.', return: { type: type('void') } },
          {
            kind: 'function',
            name: 'login',
            description: 'A login without an element: opens the popup (call it from a user gesture) or redirects; resolves with the `oauth-login` detail or rejects with an `OAuthError`.',
            parameters: [{ name: 'options', type: type('OAuthLoginOptions'), description: 'The element\'s settings as camelCase keys: `{ clientId, authorizeUrl, provider, scope, mode, ... }`.' }],
            return: { type: type('Promise<OAuthLoginDetail>') },
          },
          {
            kind: 'class',
            name: 'OAuthError',
            description: 'The error of every rejected `login()` and `fetch()`.',
            superclass: { name: 'Error', package: 'global:' },
            members: [
              { kind: 'field', name: 'code', type: type('OAuthErrorCode'), readonly: true, description: `The provider's error code, or one of the widget's: ${widgetCodes}.` },
              { kind: 'field', name: 'description', type: type('string'), readonly: true, description: 'A sentence for people.' },
              { kind: 'field', name: 'reason', type: type('string | null'), readonly: true, description: "The provider's `error_reason`, or `null`." },
              { kind: 'field', name: 'uri', type: type('string | null'), readonly: true, description: "The provider's `error_uri`, or `null`." },
            ],
          },
        ],
        exports: ['define', 'login', 'OAuthError'].map((name) => ({ kind: 'js', name, declaration: { name, module: 'index.js' } })),
      },
    ],
  };
}

/** The manifest as written to disk. */
export function manifestText(root = defaultRoot) {
  return JSON.stringify(buildManifest(root), null, 2) + '\n';
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = join(defaultRoot, 'pkg-template', 'custom-elements.json');
  const text = manifestText();
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== text) {
      console.error('pkg-template/custom-elements.json is stale: run `node scripts/lib/custom-elements.mjs`');
      process.exit(1);
    }
    console.log('pkg-template/custom-elements.json is up to date');
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${target}`);
  }
}
