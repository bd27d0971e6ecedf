// Generates, from the one declaration of the element's contract in Rust (src/core/contract.rs,
// the controller's inputs and commands in src/core/machine/io.rs, presets in
// src/core/oauth/provider.rs), which `cargo run --example contract` prints as JSON:
// - js/contract.js: the names and numbers the JS side uses (inputs, commands, attributes), the
//   markup, the style and the texts it needs before the WebAssembly is ready;
// - pkg-template/custom-elements.json (the Custom Elements Manifest, schema 1.0.0, that IDEs and
//   low-code builders read) and pkg-template/index.d.ts (the package's types).
// Nothing here restates the contract: only the package's own prose (the entry points, the
// OAuthError class) lives in this file.
//
//   node scripts/lib/contract.mjs          writes the three files
//   node scripts/lib/contract.mjs --check  exits 1 when a committed file is stale
// tests/manifest.test.mjs runs the check in `npm test`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const defaultRoot = resolve(import.meta.dirname, '..', '..');

/** The contract as Rust declares it. */
export function readContract(root = defaultRoot) {
  return JSON.parse(execFileSync('cargo', ['run', '--quiet', '--example', 'contract'], { cwd: root, encoding: 'utf8' }));
}

const quote = (value) => `'${value}'`;
const type = (text) => ({ text });

/** An attribute's TypeScript type, without `null`. */
function attributeType(attribute, contract) {
  if (attribute.name === 'provider') return 'ProviderId';
  if (attribute.type) return attribute.type;
  return attribute.values.map(quote).join(' | ');
}

/** An attribute's default as the manifest shows it (a TS literal), or undefined. */
function attributeDefault(attribute) {
  if (!attribute.default) return undefined;
  return attribute.type === 'number' ? attribute.default : quote(attribute.default);
}

/** Builds the manifest object. */
export function buildManifest(contract) {
  const widgetCodes = contract.errorCodes.map((c) => `\`${c.code}\``).join(', ');
  // A field reads its attribute as it is (`null` when absent, a string when set): the default is
  // the attribute's, what the widget does without it, not a value the property takes.
  const members = contract.attributes.map((a) => ({
    kind: 'field',
    name: a.property,
    type: type(`${a.type === 'number' ? 'string' : attributeType(a, contract)} | null`),
    description: `${a.doc} Reflects the \`${a.name}\` attribute.`,
    attribute: a.name,
    reflects: true,
  }));
  for (const p of contract.properties) members.push({ kind: 'field', name: p.name, type: type(p.type), description: p.doc, readonly: true });
  for (const m of contract.methods) {
    const parameters = m.params ? m.params.split(/,\s*/).map((p) => {
      const [, name, optional, t] = p.match(/^(\w+)(\??):\s*(.+)$/);
      return { name, type: type(t), ...(optional ? { optional: true } : {}) };
    }) : [];
    members.push({ kind: 'method', name: m.name, description: m.doc, ...(parameters.length ? { parameters } : {}), return: { type: type(m.return) } });
  }
  const element = {
    kind: 'class',
    name: 'OAuthLogin',
    tagName: contract.tag,
    customElement: true,
    summary: 'A drop-in OAuth 2.0 login button: implicit grant or code flow with PKCE, in a popup or by redirect.',
    description: 'Renders a login button that signs the user in with an OAuth 2.0 provider and fires `oauth-login` with the access token. The redirect URI to register with the provider is the page itself (`callbackurl`). There is deliberately no client-secret attribute: a page cannot keep a secret (a provider that needs one is reached through the exchange, via `token-url`), and an element carrying `client-secret` refuses to log in with `invalid_config`.',
    superclass: { name: 'HTMLElement', package: 'global:' },
    attributes: contract.attributes.map((a) => ({
      name: a.name,
      fieldName: a.property,
      type: type(attributeType(a, contract)),
      description: a.doc,
      ...(attributeDefault(a) ? { default: attributeDefault(a) } : {}),
    })),
    members,
    events: contract.events.map((e) => ({
      name: e.name,
      type: type(`CustomEvent<${e.detail}>`),
      description: e.name === 'oauth-error' ? `${e.doc} \`detail.error\` is the provider's code or one of the widget's: ${widgetCodes}.` : e.doc,
    })),
    cssParts: contract.parts.map((p) => ({ name: p.name, description: p.doc })),
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
        exports: [{ kind: 'custom-element-definition', name: contract.tag, declaration: { name: 'OAuthLogin', module: 'oauth-login.js' } }],
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
            parameters: [{ name: 'options', type: type('OAuthLoginOptions'), description: "The element's settings as camelCase keys: `{ clientId, authorizeUrl, provider, scope, mode, ... }`." }],
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

/** Builds index.d.ts. */
export function buildTypes(contract) {
  const doc = (text, indent = '') => `${indent}/** ${text.replaceAll('*/', '*\\/')} */\n`;
  const settings = contract.attributes.map((a) => {
    const t = attributeType(a, contract);
    if (a.type === 'number') {
      // Reflected as a string attribute; a number is accepted (and written as its digits).
      return `${doc(a.doc, '  ')}  get ${a.property}(): string | null;\n  set ${a.property}(value: ${t} | string | null);\n`;
    }
    return `${doc(a.doc, '  ')}  ${a.property}: ${t} | null;\n`;
  }).join('');
  const options = contract.attributes.map((a) => {
    const t = a.type === 'number' ? `${a.type} | string` : attributeType(a, contract);
    const required = a.name === 'client-id';
    return `${doc(a.doc, '  ')}  ${a.property}${required ? '' : '?'}: ${t}${required ? '' : ' | null'};\n`;
  }).join('');
  const properties = contract.properties.map((p) => `${doc(p.doc, '  ')}  readonly ${p.name}: ${p.type};\n`).join('');
  const methods = contract.methods.map((m) => `${doc(m.doc, '  ')}  ${m.name}(${m.params}): ${m.return};\n`).join('');
  const eventMap = (indent) => contract.events.map((e) => `${indent}'${e.name}': CustomEvent<${e.detail}>;\n`).join('');
  const key = (name) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : quote(name));
  // A prop's type in markup: a number is accepted where the attribute holds digits.
  const propType = (a) => (a.type === 'number' ? `${a.type} | string` : attributeType(a, contract));
  const jsxAttributes = contract.attributes.map((a) => `${doc(a.doc, '  ')}  ${key(a.name)}?: ${propType(a)};\n`).join('');
  const reactEvents = contract.events.map((e) => `${doc(`\`${e.name}\`: ${e.doc}`, '  ')}  ${quote(`on${e.name}`)}?: (event: CustomEvent<${e.detail}>) => void;\n`).join('');
  const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  const vueProps = contract.attributes.map((a) => `${doc(a.doc, '  ')}  ${a.property}?: ${propType(a)};\n`).join('')
    + contract.events.map((e) => `${doc(`\`@${e.name}\`: ${e.doc}`, '  ')}  ${camel(`on-${e.name}`)}?: (event: CustomEvent<${e.detail}>) => void;\n`).join('');
  return `// Types of the oauth-prefab package. Generated by scripts/lib/contract.mjs from the element's
// contract as declared in Rust (src/core/contract.rs): do not edit by hand.

/** The widget's own error codes; a provider's codes (\`access_denied\`, ...) pass through as strings. */
export type WidgetErrorCode =
${contract.errorCodes.map((c) => `${doc(c.meaning, '  ')}  | '${c.code}'`).join('\n')};

/** Provider codes of RFC 6749 4.1.2.1, 4.2.2.1 and 5.2, plus any other string a provider sends. */
export type ProviderErrorCode =
  | 'access_denied'
  | 'invalid_request'
  | 'invalid_grant'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'server_error'
  | 'temporarily_unavailable'
  | (string & {});

export type OAuthErrorCode = WidgetErrorCode | ProviderErrorCode;

/** The presets. */
export type ProviderId = ${contract.providers.map(quote).join(' | ')};

/** \`detail\` of \`oauth-login\`, and what \`login()\` resolves with. */
export interface OAuthLoginDetail {
  /** The preset id, or \`'custom'\` for a provider given by \`authorize-url\`. */
  provider: ProviderId | 'custom';
  accessToken: string;
  /** Always \`'bearer'\`: other token types are refused. */
  tokenType: 'bearer';
  /** The lifetime the provider gave the token, in seconds (\`expires_in\`), or \`null\` when it did
   * not say; a restored session keeps the lifetime it was granted with (time left:
   * \`expiresAt - Date.now()\`). */
  expiresIn: number | null;
  /** Milliseconds since the epoch, or \`null\` when unknown. */
  expiresAt: number | null;
  /** Granted scopes (the requested ones where the provider returned none). */
  scope: string[];
  /** \`true\` only for a token restored from storage. */
  restored: boolean;
  /** The \`user\` object of a token response that has one (Instagram's does), otherwise \`null\`. */
  user: Record<string, unknown> | null;
  /** Who logged in: from the verified id_token's claims and the profile endpoint; \`null\` when nothing is known. */
  profile: OAuthProfile | null;
  /** The verified id_token's payload; \`null\` without OpenID Connect. */
  claims: Record<string, unknown> | null;
  /** The verified id_token (the compact JWS), for the page's own server; \`null\` without OpenID Connect. */
  idToken: string | null;
}

/** Who logged in. Text from the provider: show it as text, never as HTML. */
export interface OAuthProfile {
  /** Who, for the issuer: \`sub\`, or the provider's user id. */
  sub: string | null;
  name: string | null;
  email: string | null;
  /** Whether the provider verified \`email\`. */
  emailVerified: boolean | null;
  /** An \`https:\` picture URL. */
  picture: string | null;
  /** \`preferred_username\`, or the provider's own user name. */
  username: string | null;
}

/** \`detail\` of \`oauth-error\`. */
export interface OAuthErrorDetail {
  error: OAuthErrorCode;
  description: string;
  /** The provider's \`error_reason\`, or \`null\`. */
  reason: string | null;
  /** The provider's \`error_uri\`, or \`null\`. */
  uri: string | null;
}

/** \`detail\` of \`oauth-logout\`. */
export interface OAuthProviderDetail {
  provider: ProviderId | 'custom';
}

/** \`detail\` of \`oauth-expired\`. */
export interface OAuthExpiredDetail extends OAuthProviderDetail {
  /** The renewal's error code, or \`null\` when there was nothing to renew with. */
  error: OAuthErrorCode | null;
}

/** What an \`OAuthError\` is made from: an \`oauth-error\` detail (\`reason\` and \`uri\` may be left out). */
export type OAuthErrorInit = Pick<OAuthErrorDetail, 'error' | 'description'> & Partial<Pick<OAuthErrorDetail, 'reason' | 'uri'>>;

/** A failed login or \`fetch()\`. */
export declare class OAuthError extends Error {
  constructor(detail: OAuthErrorInit);
  readonly name: 'OAuthError';
  readonly code: OAuthErrorCode;
  readonly description: string;
  readonly reason: string | null;
  readonly uri: string | null;
}

/** Settings of a login: the element's attributes as camelCase properties. */
export interface OAuthLoginOptions {
${options}  /** Keys the stored token and redirect logins, as an element's \`id\` does. */
  id?: string;
}

/** The \`<${contract.tag}>\` element. */
export interface OAuthLoginElement extends HTMLElement {
${settings}${properties}${methods}  addEventListener<K extends keyof OAuthLoginEventMap>(type: K, listener: (this: OAuthLoginElement, ev: OAuthLoginEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof OAuthLoginEventMap>(type: K, listener: (this: OAuthLoginElement, ev: OAuthLoginEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

export interface OAuthLoginEventMap extends HTMLElementEventMap {
${eventMap('  ')}}

declare global {
  interface HTMLElementTagNameMap {
    '${contract.tag}': OAuthLoginElement;
  }
  // The events bubble and are composed, so they reach document and window listeners too.
  interface HTMLElementEventMap {
${eventMap('    ')}  }
  interface DocumentEventMap {
${eventMap('    ')}  }
  interface WindowEventMap {
${eventMap('    ')}  }
}

/**
 * The element's attributes as JSX props: their kebab-case names, as in HTML. React 19 sets each
 * one as a property where the element has it (\`timeout={30}\` sets \`timeout\`) and as an attribute
 * otherwise (\`client-id\`).
 */
export interface OAuthLoginAttributes {
${jsxAttributes}}

/**
 * The element's events as React 19 props: \`on\` and the event name (\`onoauth-login\`), which React
 * adds with \`addEventListener\` when it renders the element in the browser. It does not when it
 * only hydrates server-rendered HTML (until the element renders again): there, add the listeners
 * in an effect, with \`addEventListener\` on a ref.
 */
export interface OAuthLoginReactEvents {
${reactEvents}}

/**
 * The element's props in a Vue template, named as Vue's tooling (vue-tsc, the Vue language server)
 * looks them up: camelCase (it matches \`client-id\` to \`clientId\`), and \`on\` + the camelCase
 * event name for an \`@\` listener (\`@oauth-login\` to \`onOauthLogin\`). Write the attributes
 * kebab-case in templates, as in HTML: Vue sets an attribute it does not find as a property of the
 * element as it is (\`clientId\` would become the attribute \`clientid\` before \`define()\`).
 */
export interface OAuthLoginVueProps {
${vueProps}}

// \`<${contract.tag}>\` in JSX (React 19) and in Vue templates, without a declaration of your own.
// Each block is inert where its framework's types are not installed: augmenting a module that
// does not resolve is no error in a declaration file, and the names used inside are declared in
// the block (empty, with the framework's own type parameters), so they merge with the framework's
// interfaces when it is there and stand alone when it is not.

// @ts-ignore -- \`react\` installed without \`@types/react\` is an untyped module, which TypeScript
// refuses to augment (TS2665); the block is then ignored.
declare module 'react' {
  interface HTMLAttributes<T> {}
  interface ClassAttributes<T> {}
  namespace JSX {
    interface IntrinsicElements {
      /** ${contract.tag}: what React gives any element (\`id\`, \`className\` or \`class\`, \`style\`, \`slot\`, \`ref\`, ...), the element's attributes and its events. */
      '${contract.tag}': ClassAttributes<OAuthLoginElement> & Omit<HTMLAttributes<OAuthLoginElement>, keyof OAuthLoginAttributes | keyof OAuthLoginReactEvents> & OAuthLoginAttributes & OAuthLoginReactEvents & { class?: string };
    }
  }
}

declare module 'vue' {
  interface HTMLAttributes {}
  interface AllowedComponentProps {}
  interface ComponentCustomProps {}
  interface GlobalComponents {
    /** ${contract.tag}: the HTML attributes Vue knows (\`id\`, \`class\`, \`style\`, \`@click\`, ...), the element's attributes and its events. */
    '${contract.tag}': new () => OAuthLoginElement & { $props: Omit<HTMLAttributes, keyof OAuthLoginVueProps> & AllowedComponentProps & ComponentCustomProps & { key?: PropertyKey } & OAuthLoginVueProps };
  }
}

/** Defines \`<${contract.tag}>\`; safe to call more than once. */
export declare function define(): void;

/** A login without an element: resolves with the same detail as \`oauth-login\`, or rejects with an \`OAuthError\`. */
export declare function login(options: OAuthLoginOptions): Promise<OAuthLoginDetail>;
`;
}

/** Builds js/contract.js: what the JS side takes from the Rust declaration. */
export function buildJsContract(contract) {
  const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  const text = (value) => JSON.stringify(value);
  // [attribute, property] pairs written as their names alone (js/contract.js's `reflect` makes
  // each property back): only where every property is its name in camelCase.
  const attributes = (pairs) => {
    for (const [name, property] of pairs) {
      if (/\s/.test(name) || name.replace(/-./g, (dash) => dash[1].toUpperCase()) !== property) {
        throw new Error(`contract: the property of \`${name}\` is not its name in camelCase: ${property}`);
      }
    }
    return text(pairs.map(([name]) => name).join(' '));
  };
  // Each input's and command's fields, in the comment above its constants.
  const fields = (items, name) => items.map((item) => `\n *   ${name(item)}: ${item.fields.join(', ') || 'no fields'}`).join('');
  const input = (i) => camel(i.name);
  const constant = (prefix) => (item) => `${prefix}${item.name.replace(/-/g, '_').toUpperCase()}`;
  const inputConstant = constant('IN_');
  const commandConstant = constant('CMD_');
  const command = (c) => c.name;
  return `// What the JS side takes from the Rust declaration (src/core/contract.rs, src/core/machine/io.rs).
// Generated by scripts/lib/contract.mjs: do not edit by hand; \`npm test\` checks it is current.

export const TAG = ${quote(contract.tag)};

/**
 * Each input's number, as a constant named \`IN_\` and the input's name in capitals (the
 * bundler writes the numbers in place): an input is sent as \`[number, ...fields]\`. The fields:${fields(contract.inputs, input)}
 */
${contract.inputs.map((i, n) => `export const ${inputConstant(i)} = ${n};`).join('\n')}

/**
 * Each command's number, as a constant named \`CMD_\` and the command's name in capitals: a
 * command arrives as \`[number, ...fields]\`, and the driver's handler keyed by that number
 * takes the fields as arguments. The fields:${fields(contract.commands, command)}
 */
${contract.commands.map((c, n) => `export const ${commandConstant(c)} = ${n};`).join('\n')}

/** [attribute, property] for each name of \`names\`: the property is the name in camelCase. */
const reflect = (names) => names.split(' ').map((name) => [name, name.replace(/-./g, (dash) => dash[1].toUpperCase())]);

/** The reflected attributes: [attribute, property]. */
export const ATTRIBUTES = reflect(${attributes(contract.attributes.map((a) => [a.name, a.property]))});

/** Attributes (and option keys) that would carry a client secret, watched only to refuse a login. */
export const SECRET_ATTRIBUTES = reflect(${attributes(contract.secrets)});

/** The BroadcastChannel callback pages relay on when COOP cut them off from their opener. */
export const CHANNEL = ${text(contract.channel)};

/** Where sessionStorage carries a response back to the page that started its login: a page that holds one is a callback page. */
export const RESPONSE_KEY = ${text(contract.responseKey)};

/** The random bytes a login takes from crypto.getRandomValues (state, PKCE verifier, nonce). */
export const RANDOM_BYTES = ${contract.randomBytes};

/** The shadow root's markup and style. */
export const MARKUP = ${text(contract.markup)};
export const STYLE = ${text(contract.style)};

/** Texts needed before the WebAssembly is ready, or where it cannot run. */
export const LOG_IN = ${text(contract.texts.logIn)};
/** The core's label for each \`provider\` before a login (an unknown one is \`LOG_IN\`'s). */
export const PRESET_LABELS = { __proto__: null, ${Object.entries(contract.presetLabels).map(([id, label]) => `${id}: ${text(label)}`).join(', ')} };
export const NOT_SET_UP = ${text(contract.texts.notSetUp)};
export const CSP_WASM_ERROR = ${text(contract.texts.cspWasmError)};
`;
}

/** The generated files: path under the root, and text. */
export function generatedFiles(root = defaultRoot, contract = readContract(root)) {
  return [
    ['js/contract.js', buildJsContract(contract)],
    ['pkg-template/custom-elements.json', JSON.stringify(buildManifest(contract), null, 2) + '\n'],
    ['pkg-template/index.d.ts', buildTypes(contract)],
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = false;
  for (const [path, text] of generatedFiles()) {
    const target = join(defaultRoot, path);
    if (check) {
      if (readFileSync(target, 'utf8') !== text) {
        console.error(`${path} is stale: run \`node scripts/lib/contract.mjs\``);
        stale = true;
      }
    } else {
      writeFileSync(target, text);
      console.log(`wrote ${path}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
