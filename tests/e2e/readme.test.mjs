// A newcomer's first hour: what the READMEs and the generated manifest say, against the widget
// as it runs. The samples are the markup a page author copies first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  PUBLIC_CLIENT_ID, clickToProvider, decide, decideInTab, loginOutcome, openWidget, startEnvironment, startLogin, waitForEvents,
} from './harness.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const read = (...path) => readFileSync(join(root, ...path), 'utf8');

// README.md's script-tag sample: its page and its app.js.
const scriptTag = read('README.md').split('### A script tag (plain HTML, low-code pages)')[1];
const SAMPLE_HTML = scriptTag.match(/```html\n([\s\S]*?)```/)[1];
const SAMPLE_JS = scriptTag.match(/```js\n([\s\S]*?)```/)[1];

let env;
before(async () => {
  env = await startEnvironment({
    // The sample's placeholders, filled in: the package from this server, the dev provider.
    services: async ({ provider }) => ({
      replacements: {
        README_SAMPLE: SAMPLE_HTML.replaceAll('https://your.cdn/oauth-prefab/oauth-login.js', '/pkg/oauth-login.js')
          .replaceAll('https://id.example', provider).replaceAll('YOUR_CLIENT_ID', PUBLIC_CLIENT_ID),
      },
    }),
  });
});
after(async () => { await env?.close(); });

/** A page with the widget defined and no element yet; requests to the internet fail at once. */
async function emptyPage() {
  const { page, context, consoleLines } = await env.newPage();
  await page.route(/^https:\/\//, (route) => route.abort());
  await page.goto(`${env.web}/e2e/blank.html`);
  await page.addScriptTag({ type: 'module', url: '/pkg/oauth-login.js' });
  await page.waitForFunction(() => customElements.get('oauth-login'));
  return { page, context, consoleLines };
}

/**
 * Every `<oauth-login ...>` of the READMEs, as HTML attributes: the plain ones of each sample
 * (a framework's event props, `onoauth-login={...}` or `@oauth-login="..."`, left out).
 */
function samples() {
  const found = [];
  for (const file of [['README.md'], ['pkg-template', 'README.md'], ['exchange', 'README.md']]) {
    const text = read(...file);
    for (let at = text.indexOf('<oauth-login'); at >= 0; at = text.indexOf('<oauth-login', at + 1)) {
      const token = /\s+([@\w-]+)(?:=("[^"]*"|\{[^}]*\}))?/y;
      token.lastIndex = at + '<oauth-login'.length;
      const attributes = [];
      for (let m; (m = token.exec(text));) {
        if (m[2]?.startsWith('"') && !m[1].startsWith('@') && !m[1].startsWith('on')) attributes.push([m[1], m[2].slice(1, -1)]);
      }
      if (attributes.length) found.push({ file: file.join('/'), attributes });
    }
  }
  return found;
}

test('the READMEs\' samples ask each preset for a flow it serves, and one that says who logged in where it can', async () => {
  const all = samples();
  assert.ok(all.length >= 8, `${all.length} samples found`);
  const { page, context, consoleLines } = await emptyPage();
  const advised = [];
  for (const { file, attributes } of all) {
    consoleLines.length = 0;
    await page.evaluate((attributes) => {
      document.querySelectorAll('oauth-login').forEach((e) => e.remove());
      const el = document.createElement('oauth-login');
      for (const [name, value] of attributes) el.setAttribute(name, value);
      document.body.append(el);
    }, attributes);
    await page.waitForTimeout(100);
    const markup = `<oauth-login ${attributes.map(([n, v]) => `${n}="${v}"`).join(' ')}>`;
    // The widget's advice against the sample itself: a flow the provider no longer serves, or
    // the implicit grant where an id_token would prove who logged in.
    for (const line of consoleLines) {
      if (/no longer offers|asks for no id_token/.test(line)) advised.push(`${file}: ${markup}: ${line}`);
    }
  }
  assert.deepEqual(advised, []);
  await context.close();
});

test('custom-elements.json\'s fields read as the element\'s properties do', async () => {
  const manifest = JSON.parse(read('pkg', 'custom-elements.json'));
  const element = manifest.modules.find((m) => m.path === 'oauth-login.js').declarations.find((d) => d.customElement);
  const fields = element.members.filter((m) => m.kind === 'field' && m.attribute);
  const { page, context } = await emptyPage();
  // Each property of an element without attributes, then with its attribute set to a value.
  const seen = await page.evaluate((fields) => {
    const el = document.createElement('oauth-login');
    document.body.append(el);
    return fields.map(({ name, attribute, value }) => {
      const unset = el[name];
      el.setAttribute(attribute, value);
      return { name, unset, set: el[name] };
    });
  }, fields.map((f) => ({ name: f.name, attribute: f.attribute, value: f.name === 'timeout' ? '30' : 'x' })));
  const typeOf = (value) => (value === null ? 'null' : typeof value === 'string' ? 'string' : typeof value);
  for (const { name, unset, set } of seen) {
    const field = fields.find((f) => f.name === name);
    // The manifest's `default` is what the field holds before anything is set (a JS expression).
    assert.equal(JSON.stringify(unset), JSON.stringify(field.default === undefined ? null : eval(field.default)), `${name}: unset, it reads its manifest default`);
    const types = field.type.text.split(' | ').map((t) => (t.startsWith("'") || ['string', 'ProviderId'].includes(t) ? 'string' : t));
    assert.ok(types.includes(typeOf(set)), `${name}: set, it reads a ${typeOf(set)}, which its manifest type \`${field.type.text}\` allows`);
  }
  await context.close();
});

test('a site with one callback page (the npm README): a popup login through it, and a redirect login back to it', async () => {
  // Popup: the callback page only loads the module; the page that opened the popup logs in.
  {
    const { page, context } = await env.newPage();
    await openWidget(env, page, { attrs: { 'redirect-uri': `${env.web}/e2e/callback.html` } });
    const popup = await startLogin(page);
    await decide(popup, 'Allow');
    const outcome = await loginOutcome(page);
    assert.equal(typeof outcome.ok?.accessToken, 'string', JSON.stringify(outcome));
    await context.close();
  }
  // Redirect: the tab comes back to the callback page, whose element of the same key (here the
  // same id) gets the result, as the README says (without such an element, the result goes back
  // to the page that started the login: tests/e2e/callback-page.test.mjs).
  {
    const { page, context } = await env.newPage();
    await openWidget(env, page, { path: '/e2e/two.html', attrs: { w1: { mode: 'redirect', 'redirect-uri': `${env.web}/e2e/app.html` } } });
    await clickToProvider(env, page, 'w1');
    await decideInTab(env, page, 'Allow', '/e2e/app.html');
    const events = await waitForEvents(page);
    assert.deepEqual(events.map((e) => [e.type, e.target, typeof e.detail.accessToken]), [['oauth-login', 'w1', 'string']]);
    await context.close();
  }
});

test('the README\'s script-tag sample, as written, logs in from the issuer alone and logs who logged in', async () => {
  const { page, context, consoleLines } = await env.newPage();
  await context.route(/^https:\/\//, (route) => route.abort()); // the google element's discovery
  await context.route(`${env.web}/app.js`, (route) => route.fulfill({ contentType: 'text/javascript', body: SAMPLE_JS }));
  await page.goto(`${env.web}/e2e/readme.html`);
  await page.waitForFunction(() => customElements.get('oauth-login'));
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('oauth-login[issuer] button[part=button]').click()]);
  await popup.waitForLoadState();
  await decide(popup, 'Allow');
  await page.waitForFunction(() => document.querySelector('oauth-login[issuer]').loggedIn);
  await page.waitForTimeout(100);
  const logged = consoleLines.filter((l) => l.startsWith('logged in:'));
  assert.equal(logged.length, 1, consoleLines.join('\n'));
  assert.match(logged[0], /^logged in: Snoop Dogg /, 'the profile names who logged in');
  await context.close();
});
