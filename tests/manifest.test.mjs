// The Custom Elements Manifest (pkg-template/custom-elements.json) against its sources and the
// contract: exactly the attributes of `ATTRIBUTES` in src/core/config.rs, the contract's events,
// CSS parts and error codes, and the committed file equal to what the generator makes now.
// Regenerate with `node scripts/lib/custom-elements.mjs`. No build, no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { manifestText, rustAttributes, rustErrorCodes, rustParts } from '../scripts/lib/custom-elements.mjs';

const root = resolve(import.meta.dirname, '..');
const read = (...path) => readFileSync(join(root, ...path), 'utf8');

// The contract (../shared/contract.md), as a page author relies on it.
const CONTRACT = {
  attributes: [
    ['provider', 'provider'], ['client-id', 'clientId'], ['scope', 'scope'], ['authorize-url', 'authorizeUrl'],
    ['redirect-uri', 'redirectUri'], ['response-type', 'responseType'], ['mode', 'mode'], ['fallback', 'fallback'],
    ['storage', 'storage'], ['label', 'label'], ['timeout', 'timeout'],
  ],
  readonly: ['callbackurl', 'accessToken', 'loggedIn', 'expiresAt'],
  methods: ['login', 'logout', 'fetch'],
  events: {
    'oauth-login': 'CustomEvent<OAuthLoginDetail>',
    'oauth-error': 'CustomEvent<OAuthErrorDetail>',
    'oauth-logout': 'CustomEvent<OAuthProviderDetail>',
    'oauth-expired': 'CustomEvent<OAuthProviderDetail>',
  },
  parts: ['button', 'label', 'spinner', 'message'],
  errorCodes: ['invalid_config', 'popup_blocked', 'popup_closed', 'state_mismatch', 'invalid_response', 'timeout', 'login_required'],
};

const manifest = JSON.parse(read('pkg-template', 'custom-elements.json'));
const elementModule = manifest.modules.find((m) => m.path === 'oauth-login.js');
const element = elementModule?.declarations.find((d) => d.customElement);

test('custom-elements.json is what the generator makes from the sources now', () => {
  assert.equal(read('pkg-template', 'custom-elements.json'), manifestText(root),
    'stale: run `node scripts/lib/custom-elements.mjs` and commit pkg-template/custom-elements.json');
});

test('it declares <oauth-login> in oauth-login.js, schema 1.0.0', () => {
  assert.equal(manifest.schemaVersion, '1.0.0');
  assert.ok(element, 'a custom-element class in module oauth-login.js');
  assert.equal(element.kind, 'class');
  assert.equal(element.name, 'OAuthLogin');
  assert.equal(element.tagName, 'oauth-login');
  assert.deepEqual(elementModule.exports, [
    { kind: 'custom-element-definition', name: 'oauth-login', declaration: { name: 'OAuthLogin', module: 'oauth-login.js' } },
  ]);
  const entry = manifest.modules.find((m) => m.path === 'index.js');
  assert.deepEqual(entry.exports.map((e) => e.name), ['define', 'login', 'OAuthError']);
});

test('attributes: exactly ATTRIBUTES of src/core/config.rs, which are the contract\'s', () => {
  const rust = rustAttributes(root);
  assert.deepEqual(rust, CONTRACT.attributes, 'src/core/config.rs ATTRIBUTES differs from the contract');
  assert.deepEqual(element.attributes.map((a) => [a.name, a.fieldName]), rust);
  for (const attribute of element.attributes) {
    assert.ok(attribute.type?.text, `${attribute.name} has a type`);
    assert.ok(attribute.description, `${attribute.name} has a description`);
    const field = element.members.find((m) => m.kind === 'field' && m.name === attribute.fieldName);
    assert.ok(field, `a field ${attribute.fieldName}`);
    assert.equal(field.attribute, attribute.name);
    assert.equal(field.reflects, true);
  }
  for (const [name, value] of [['mode', "'popup'"], ['fallback', "'redirect'"], ['storage', "'memory'"], ['response-type', "'token'"], ['timeout', '300']]) {
    assert.equal(element.attributes.find((a) => a.name === name).default, value, `default of ${name}`);
  }
  assert.ok(!element.attributes.some((a) => /secret/.test(a.name)), 'no client-secret attribute');
});

test('read-only properties and methods of the contract', () => {
  for (const name of CONTRACT.readonly) {
    const field = element.members.find((m) => m.name === name);
    assert.equal(field?.kind, 'field', name);
    assert.equal(field.readonly, true, `${name} is read-only`);
  }
  const methods = element.members.filter((m) => m.kind === 'method');
  assert.deepEqual(methods.map((m) => m.name), CONTRACT.methods);
  assert.equal(methods[0].return.type.text, 'Promise<OAuthLoginDetail>');
  assert.deepEqual(methods[2].parameters.map((p) => p.name), ['input', 'init']);
  assert.equal(methods[2].return.type.text, 'Promise<Response>');
});

test('events: the contract\'s four, typed as CustomEvent<Detail>, also in HTMLElementEventMap', () => {
  assert.deepEqual(Object.fromEntries(element.events.map((e) => [e.name, e.type.text])), CONTRACT.events);
  const dts = read('pkg-template', 'index.d.ts');
  const globalMap = dts.match(/interface HTMLElementEventMap\s*\{([\s\S]*?)\}/)?.[1] ?? '';
  for (const [name, type] of Object.entries(CONTRACT.events)) assert.ok(globalMap.includes(`'${name}': ${type}`), `HTMLElementEventMap has ${name}`);
  assert.match(dts, /interface HTMLElementTagNameMap\s*\{\s*'oauth-login': OAuthLoginElement;/);
});

test('CSS parts: the contract\'s, as in the shadow-DOM template', () => {
  assert.deepEqual(new Set(rustParts(root)), new Set(CONTRACT.parts), 'part="..." names in src/web/element.rs');
  assert.deepEqual(new Set(element.cssParts.map((p) => p.name)), new Set(CONTRACT.parts));
});

test('error codes: the contract\'s, in src/core/error.rs, index.d.ts and the manifest', () => {
  assert.deepEqual(rustErrorCodes(root), CONTRACT.errorCodes);
  const union = read('pkg-template', 'index.d.ts').match(/export type WidgetErrorCode\s*=([^;]*);/)[1];
  assert.deepEqual([...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]), CONTRACT.errorCodes);
  const described = element.events.find((e) => e.name === 'oauth-error').description;
  for (const code of CONTRACT.errorCodes) assert.ok(described.includes(`\`${code}\``), `oauth-error lists ${code}`);
});

test('package.json points IDEs at the manifest', () => {
  const pkg = JSON.parse(read('pkg-template', 'package.json'));
  assert.equal(pkg.customElements, 'custom-elements.json');
  assert.equal(pkg.exports['./custom-elements.json'], './custom-elements.json');
  assert.ok(pkg.files.includes('custom-elements.json'));
});
