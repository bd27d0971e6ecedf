// The package's generated descriptions of the element (pkg-template/custom-elements.json and
// pkg-template/index.d.ts) against the one declaration of the contract in Rust, and that
// declaration against ../shared/contract.md as a page author relies on it. No build, no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generatedFiles, readContract } from '../scripts/lib/contract.mjs';

const root = resolve(import.meta.dirname, '..');
const read = (...path) => readFileSync(join(root, ...path), 'utf8');
const contract = readContract(root);

// The contract (../shared/contract.md), as a page author relies on it.
const CONTRACT = {
  attributes: [
    ['provider', 'provider'], ['client-id', 'clientId'], ['scope', 'scope'], ['authorize-url', 'authorizeUrl'],
    ['redirect-uri', 'redirectUri'], ['response-type', 'responseType'], ['token-url', 'tokenUrl'],
    ['extra-params', 'extraParams'], ['issuer', 'issuer'], ['userinfo-url', 'userinfoUrl'], ['revoke-url', 'revokeUrl'],
    ['mode', 'mode'], ['fallback', 'fallback'], ['storage', 'storage'], ['label', 'label'], ['timeout', 'timeout'],
  ],
  readonly: ['callbackurl', 'accessToken', 'loggedIn', 'expiresAt', 'profile', 'idToken'],
  methods: ['login', 'logout', 'fetch'],
  events: {
    'oauth-login': 'CustomEvent<OAuthLoginDetail>',
    'oauth-error': 'CustomEvent<OAuthErrorDetail>',
    'oauth-renewed': 'CustomEvent<OAuthLoginDetail>',
    'oauth-logout': 'CustomEvent<OAuthProviderDetail>',
    'oauth-expired': 'CustomEvent<OAuthExpiredDetail>',
  },
  parts: ['button', 'avatar', 'spinner', 'label', 'message'],
  // The contract's codes, then `login_cancelled` and `browser_refused` (decisions of ours where it
  // is silent: README).
  errorCodes: ['invalid_config', 'popup_blocked', 'popup_closed', 'state_mismatch', 'invalid_response', 'timeout', 'login_required', 'network_error', 'invalid_id_token', 'login_cancelled', 'browser_refused'],
  providers: ['instagram', 'facebook', 'google', 'linkedin', 'box'],
};

const manifest = JSON.parse(read('pkg-template', 'custom-elements.json'));
const elementModule = manifest.modules.find((m) => m.path === 'oauth-login.js');
const element = elementModule?.declarations.find((d) => d.customElement);

test('custom-elements.json and index.d.ts are what the generator makes from the Rust declaration now', () => {
  for (const [path, text] of generatedFiles(root, contract)) {
    assert.equal(read(path), text, `${path} is stale: run \`node scripts/lib/contract.mjs\` and commit it`);
  }
});

test('the JS carries out exactly the commands Rust declares, and sends only the inputs Rust numbers', () => {
  const handled = [];
  for (const [file, table] of [['driver.js', 'const HANDLERS = {'], ['callback.js', 'export const pageCommands = {']]) {
    const source = read('js', file);
    const start = source.indexOf(table);
    assert.ok(start >= 0, `js/${file} has its command table`);
    const body = source.slice(start, source.indexOf('\n};', start));
    for (const [, name, params] of body.matchAll(/^ {2}\[CMD_(\w+)\]\(([^)]*)\)/gm)) handled.push([name.toLowerCase(), params]);
    assert.ok(!/^ {2}\w+\(/m.test(body), `js/${file}'s handlers are keyed by their CMD_ numbers`);
  }
  assert.deepEqual(handled.map(([name]) => name).sort(), contract.commands.map((c) => c.name.replace(/-/g, '_')).sort(), 'one handler per command, and none for a command Rust does not have');
  const commandNumbers = new Map(contract.commands.map((command, number) => [`CMD_${command.name.replace(/-/g, '_').toUpperCase()}`, number]));
  const commandConstants = new Map([...read('js', 'contract.js').matchAll(/^export const (CMD_\w+) = (\d+);$/gm)].map(([, name, n]) => [name, Number(n)]));
  assert.deepEqual(commandConstants, commandNumbers, 'js/contract.js numbers every command as Rust does');
  // A command crosses as `[number, ...fields]`: each handler takes the declared fields, in order.
  const camel = (name) => name.replace(/[-_]([a-z])/g, (_, c) => c.toUpperCase());
  for (const [name, params] of handled) {
    const declared = contract.commands.find((c) => c.name.replace(/-/g, '_') === name).fields.map(camel);
    assert.deepEqual(params.split(',').map((p) => p.trim()).filter(Boolean), declared, `the handler of '${name}' takes its declared fields in order`);
  }
  // An input crosses as `[number, ...fields]`, its number one of js/contract.js's `IN_*`
  // constants, generated in Rust's order (the bundler fails on a name it does not export).
  const numbered = new Map(contract.inputs.map((input, number) => [`IN_${input.name.replace(/-/g, '_').toUpperCase()}`, number]));
  const constants = new Map([...read('js', 'contract.js').matchAll(/^export const (IN_\w+) = (\d+);$/gm)].map(([, name, n]) => [name, Number(n)]));
  assert.deepEqual(constants, numbered, 'js/contract.js numbers every input as Rust does');
  const sent = new Set();
  for (const file of ['driver.js', 'callback.js', 'element.js']) {
    const source = read('js', file);
    assert.ok(!/\b_?(?:tell|ask|call)\('/.test(source), `js/${file} names an input by a string, not its IN_ number`);
    for (const [, name] of source.matchAll(/\b_?(?:tell|ask|call)\((IN_\w+)/g)) sent.add(name);
  }
  for (const name of sent) assert.ok(numbered.has(name), `js/ sends input ${name}, which Rust does not declare`);
  assert.ok(sent.size >= 15, `the JS sends ${sent.size} kinds of input`);
});

test('the Rust declaration is the contract\'s', () => {
  assert.deepEqual(contract.attributes.map((a) => [a.name, a.property]), CONTRACT.attributes);
  assert.deepEqual(contract.properties.map((p) => p.name), CONTRACT.readonly);
  assert.deepEqual(contract.methods.map((m) => m.name), CONTRACT.methods);
  assert.deepEqual(Object.fromEntries(contract.events.map((e) => [e.name, `CustomEvent<${e.detail}>`])), CONTRACT.events);
  assert.deepEqual(contract.parts.map((p) => p.name), CONTRACT.parts);
  assert.deepEqual(contract.errorCodes.map((c) => c.code), CONTRACT.errorCodes);
  assert.deepEqual(contract.providers, CONTRACT.providers);
  for (const a of contract.attributes) assert.ok(a.doc.length > 20, `${a.name} is documented`);
  assert.ok(!contract.attributes.some((a) => /secret/.test(a.name)), 'no client-secret attribute');
});

test('the manifest declares <oauth-login> in oauth-login.js, schema 1.0.0', () => {
  assert.equal(manifest.schemaVersion, '1.0.0');
  assert.ok(element, 'a custom-element class in module oauth-login.js');
  assert.equal(element.tagName, 'oauth-login');
  assert.deepEqual(elementModule.exports, [
    { kind: 'custom-element-definition', name: 'oauth-login', declaration: { name: 'OAuthLogin', module: 'oauth-login.js' } },
  ]);
  const entry = manifest.modules.find((m) => m.path === 'index.js');
  assert.deepEqual(entry.exports.map((e) => e.name), ['define', 'login', 'OAuthError']);
});

test('attributes: names, reflecting fields, types, docs and the contract\'s defaults', () => {
  assert.deepEqual(element.attributes.map((a) => [a.name, a.fieldName]), CONTRACT.attributes);
  for (const attribute of element.attributes) {
    assert.ok(attribute.type?.text, `${attribute.name} has a type`);
    assert.ok(attribute.description, `${attribute.name} has a description`);
    const field = element.members.find((m) => m.kind === 'field' && m.name === attribute.fieldName);
    assert.equal(field?.attribute, attribute.name);
    assert.equal(field.reflects, true);
  }
  for (const [name, value] of [['mode', "'popup'"], ['fallback', "'redirect'"], ['storage', "'memory'"], ['response-type', "'token'"], ['timeout', '300']]) {
    assert.equal(element.attributes.find((a) => a.name === name).default, value, `default of ${name}`);
  }
  // `id_token token` is the contract's alias of `token id_token`: a value the element takes is one its types take.
  assert.equal(element.attributes.find((a) => a.name === 'response-type').type.text, "'token' | 'code' | 'token id_token' | 'id_token token'");
});

test('the render handler takes the shadow root\'s parts in the order the markup gives them', () => {
  // js/driver.js reads them as `querySelectorAll('[part]')`, destructured in this order.
  const markup = read('js', 'contract.js').match(/^export const MARKUP = (".*");$/m)[1];
  const parts = [...JSON.parse(markup).matchAll(/ part=(\w+)/g)].map(([, part]) => part);
  assert.deepEqual(parts, ['button', 'avatar', 'spinner', 'label', 'message']);
  assert.match(read('js', 'driver.js'), /const \[button, picture, spinner, text, note\] = root\.querySelectorAll\('\[part\]'\);/);
});

test('members, events and parts', () => {
  for (const name of CONTRACT.readonly) assert.equal(element.members.find((m) => m.name === name)?.readonly, true, name);
  const methods = element.members.filter((m) => m.kind === 'method');
  assert.deepEqual(methods.map((m) => m.name), CONTRACT.methods);
  assert.equal(methods[0].return.type.text, 'Promise<OAuthLoginDetail>');
  assert.deepEqual(methods[2].parameters.map((p) => p.name), ['input', 'init']);
  assert.deepEqual(Object.fromEntries(element.events.map((e) => [e.name, e.type.text])), CONTRACT.events);
  assert.deepEqual(element.cssParts.map((p) => p.name), CONTRACT.parts);
  const described = element.events.find((e) => e.name === 'oauth-error').description;
  for (const code of CONTRACT.errorCodes) assert.ok(described.includes(`\`${code}\``), `oauth-error lists ${code}`);
});

test('index.d.ts types the tag, the events and the codes', () => {
  const dts = read('pkg-template', 'index.d.ts');
  assert.match(dts, /interface HTMLElementTagNameMap\s*\{\s*'oauth-login': OAuthLoginElement;/);
  const globalMap = dts.match(/interface HTMLElementEventMap\s*\{([\s\S]*?)\}/)?.[1] ?? '';
  for (const [name, type] of Object.entries(CONTRACT.events)) assert.ok(globalMap.includes(`'${name}': ${type}`), `HTMLElementEventMap has ${name}`);
  // They bubble and are composed: a listener on document or window hears them, typed there too.
  for (const map of ['DocumentEventMap', 'WindowEventMap']) {
    const body = dts.match(new RegExp(`interface ${map}\\s*\\{([\\s\\S]*?)\\}`))?.[1] ?? '';
    for (const [name, type] of Object.entries(CONTRACT.events)) assert.ok(body.includes(`'${name}': ${type}`), `${map} has ${name}`);
  }
  const union = dts.match(/export type WidgetErrorCode\s*=([^;]*);/)[1];
  assert.deepEqual([...union.matchAll(/\| '([a-z_]+)'/g)].map((m) => m[1]), CONTRACT.errorCodes);
  assert.match(dts, /user: Record<string, unknown> \| null;/);
  // OAuthError is made from an `oauth-error` detail (js/driver.js): a declared class without a
  // constructor would let `new OAuthError()` type-check, which throws reading `detail.error`.
  const error = dts.match(/export declare class OAuthError extends Error \{([\s\S]*?)\n\}/)[1];
  assert.match(error, /constructor\(detail: OAuthErrorInit\);/);
  assert.match(dts, /export type OAuthErrorInit = Pick<OAuthErrorDetail, 'error' \| 'description'> & Partial<Pick<OAuthErrorDetail, 'reason' \| 'uri'>>;/);
});

test('index.d.ts puts <oauth-login> in React 19\'s JSX and Vue\'s GlobalComponents, with every attribute and event', () => {
  const dts = read('pkg-template', 'index.d.ts');
  const body = (name) => dts.match(new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`))?.[1] ?? '';
  const members = (name) => Object.fromEntries([...body(name).matchAll(/^ {2}'?([\w-]+)'?\?: (.+);$/gm)].map((m) => [m[1], m[2]]));
  const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  const typeOf = (a) => ({ provider: 'ProviderId', timeout: 'number | string' })[a.name] ?? (a.type || a.values.map((v) => `'${v}'`).join(' | '));

  // React: the kebab-case attribute names, and `on` + each event's name.
  assert.deepEqual(members('OAuthLoginAttributes'), Object.fromEntries(contract.attributes.map((a) => [a.name, typeOf(a)])));
  assert.equal(members('OAuthLoginAttributes')['response-type'], "'token' | 'code' | 'token id_token' | 'id_token token'");
  assert.deepEqual(members('OAuthLoginReactEvents'), Object.fromEntries(contract.events.map((e) => [`on${e.name}`, `(event: CustomEvent<${e.detail}>) => void`])));
  // Vue: camelCase, as its tooling looks props up, and `on` + the camelCase event name.
  assert.deepEqual(members('OAuthLoginVueProps'), Object.fromEntries([
    ...contract.attributes.map((a) => [a.property, typeOf(a)]),
    ...contract.events.map((e) => [camel(`on-${e.name}`), `(event: CustomEvent<${e.detail}>) => void`]),
  ]));

  const block = (module) => dts.match(new RegExp(`^declare module '${module}' \\{\\n[\\s\\S]*?\\n\\}$`, 'm'))?.[0] ?? '';
  const react = block('react');
  const vue = block('vue');
  assert.match(react, /namespace JSX \{\s*interface IntrinsicElements \{[\s\S]*'oauth-login': [^;]*\bOAuthLoginAttributes & OAuthLoginReactEvents\b[^;]*;/);
  assert.match(react, /'oauth-login': ClassAttributes<OAuthLoginElement> & Omit<HTMLAttributes<OAuthLoginElement>, /, 'what React gives any element, with a ref to an OAuthLoginElement');
  assert.match(vue, /interface GlobalComponents \{[\s\S]*'oauth-login': new \(\) => OAuthLoginElement & \{ \$props: [^;]*\bOAuthLoginVueProps \};/);

  // Inert without the framework's types: a block names only what it declares itself (merged with
  // the framework's own when present), the package's own types, and TypeScript's.
  const own = new Set([...dts.matchAll(/^export (?:declare )?(?:interface|type|class) (\w+)/gm)].map((m) => m[1]));
  for (const [module, text] of [['react', react], ['vue', vue]]) {
    const code = text.replace(/\/\*\*[\s\S]*?\*\//g, '').replace(/'[^']*'/g, '');
    const declared = new Set([...code.matchAll(/\b(?:interface|namespace) (\w+)/g)].map((m) => m[1]));
    const named = new Set([...code.matchAll(/\b[A-Z]\w*/g)].map((m) => m[0]));
    const foreign = [...named].filter((n) => !declared.has(n) && !own.has(n) && !['T', 'Omit', 'PropertyKey'].includes(n));
    assert.deepEqual(foreign, [], `declare module '${module}' names ${foreign.join(', ')}, which do not exist without ${module}`);
  }
  assert.deepEqual([...react.matchAll(/^ {2}interface (\w+)(<T>)? \{\}$/gm)].map((m) => m[1]), ['HTMLAttributes', 'ClassAttributes']);
  // react without @types/react is an untyped module, which TypeScript refuses to augment (TS2665).
  assert.match(dts, /^\/\/ @ts-ignore\b.*\n(?:\/\/.*\n)*declare module 'react' \{/m);
});

test('oauth-login.d.ts types the exports oauth-login.js has', () => {
  // js/oauth-login.js exports what index.js re-exports; its types must not say it has none.
  const exported = read('js', 'oauth-login.js').match(/^export \{([^}]*)\};$/m)[1].split(',').map((n) => n.trim()).sort();
  const typed = read('pkg-template', 'oauth-login.d.ts').match(/^export \{([^}]*)\} from '\.\/index\.js';$/m)?.[1]
    .split(',').map((n) => n.trim()).sort();
  assert.deepEqual(typed, exported);
});

test('package.json points IDEs at the manifest', () => {
  const pkg = JSON.parse(read('pkg-template', 'package.json'));
  assert.equal(pkg.customElements, 'custom-elements.json');
  assert.equal(pkg.exports['./custom-elements.json'], './custom-elements.json');
  assert.ok(pkg.files.includes('custom-elements.json'));
});

// The READMEs' reference tables, as a newcomer reads them: a table under a heading, its rows'
// first cells. Split on ` | ` outside code spans is enough: no cell of these tables holds one.
function tableAfter(text, heading) {
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `the README has "${heading}"`);
  const lines = text.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split(/ \| /).map((c) => c.trim()));
  }
  return rows;
}
const unquote = (cell) => cell.replace(/^`|`$/g, '');

test('the READMEs\' reference tables name the contract\'s attributes (with their properties), error codes and parts', () => {
  const attributes = contract.attributes.map((a) => [a.name, a.property]);
  for (const [file, heading, codes, parts] of [
    [['README.md'], '## The element', '### Error codes', null],
    [['pkg-template', 'README.md'], '### Attributes and properties', '### Error codes', '## Styling'],
  ]) {
    const text = read(...file);
    const rows = tableAfter(text, heading);
    assert.deepEqual(rows.map((r) => r.length), rows.map(() => 4), `${file.join('/')}: every attribute row has its four cells`);
    assert.deepEqual(rows.map((r) => [unquote(r[0]), unquote(r[1])]), attributes, `${file.join('/')}: one row per attribute, with its property`);
    assert.deepEqual(tableAfter(text, codes).map((r) => unquote(r[0])), CONTRACT.errorCodes, `${file.join('/')}: the widget's error codes`);
    // Every way a code occurs: a page's CSP without 'wasm-unsafe-eval' refuses logins with it.
    const refused = tableAfter(text, codes).find((r) => unquote(r[0]) === 'browser_refused')[1];
    assert.match(refused, /'wasm-unsafe-eval'/, `${file.join('/')}: browser_refused names the CSP case`);
    if (parts) assert.deepEqual(tableAfter(text, parts).map((r) => unquote(r[0])).sort(), [...CONTRACT.parts].sort(), `${file.join('/')}: the parts`);
  }
});

test('the npm README lists every setting login(options) takes', () => {
  const text = read('pkg-template', 'README.md');
  const sentence = text.match(/`login\(options\)` takes the element's settings as camelCase keys \(([^)]*?),\s+which/)?.[1];
  assert.ok(sentence, 'the sentence that lists them');
  const listed = [...sentence.matchAll(/`(\w+)`/g)].map((m) => m[1]);
  assert.deepEqual(listed, [...contract.attributes.map((a) => a.property), 'id']);
});
