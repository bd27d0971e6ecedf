// The demo's page script (a module, after the widget's): the event log, who logged in and what
// the widget checked, the session (renewals, logout and revocation), and the form that drives the
// element's attributes. No token is ever shown: only its length.
const widget = document.querySelector('oauth-login');
const $ = (id) => document.getElementById(id);
const { provider } = document.body.dataset;

// The log never shows a token: only its length.
const masked = (detail) => JSON.stringify(detail, (key, value) =>
  ['accessToken', 'idToken'].includes(key) && typeof value === 'string' ? `[${value.length} chars hidden]` : value);
const log = (event) => {
  const item = document.createElement('li');
  item.textContent = `${event.type} ${masked(event.detail)}`;
  $('log').append(item);
};

/** The id_token's header (alg, kid), read for display; the widget verified the token already. */
function headerOf(idToken) {
  const part = idToken.split('.')[0].replaceAll('-', '+').replaceAll('_', '/');
  return JSON.parse(atob(part));
}

/** Who logged in (the detail's profile) and, with OpenID Connect, the checks the widget made. */
function showWho(detail, type) {
  const { profile, claims, idToken } = detail;
  $('who').hidden = !profile;
  if (!profile) return;
  $('who-name').textContent = profile.name ?? profile.username ?? profile.sub;
  $('who-email').textContent = profile.email ? `${profile.email}${profile.emailVerified ? ' (verified)' : ''}` : '';
  $('who-picture').hidden = !profile.picture;
  if (profile.picture) $('who-picture').src = profile.picture;
  const checks = [];
  if (claims && idToken) {
    const { alg, kid } = headerOf(idToken);
    const time = (seconds) => new Date(seconds * 1000).toLocaleTimeString();
    checks.push(
      `signature: ${alg}, verified by the browser's WebCrypto with key ${kid} from the provider's key set`,
      `iss: ${claims.iss}, the issuer`,
      `aud: ${[claims.aud].flat().join(', ')}, this client`,
      `exp: ${time(claims.exp)}, in the future; iat: ${time(claims.iat)}, not`,
      detail.restored || type === 'oauth-renewed' ? 'nonce: checked when this session logged in' : 'nonce: the one this login sent',
    );
  } else {
    checks.push('no id_token: this login is plain OAuth (choose "OpenID Connect" to prove who logged in)');
  }
  $('checks').replaceChildren(...checks.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
}

/** The session: when the token expires, and how often it was renewed. */
let renewals = 0;
function showSession(detail) {
  $('session').hidden = false;
  const expires = detail.expiresAt ? `expires at ${new Date(detail.expiresAt).toLocaleTimeString()}` : 'does not expire';
  // A refresh token comes only from a code flow (the implicit grant never gets one).
  const offline = detail.scope.includes('offline_access');
  const implicit = widget.getAttribute('response-type') === 'token';
  const renewing = offline && !implicit
    ? `renews itself before then (renewed ${renewals} time${renewals === 1 ? '' : 's'} so far)`
    : offline
      ? 'ends then (the implicit grant gets no refresh token: choose a code flow to have it renewed)'
      : 'ends then (ask for offline_access to have it renewed)';
  $('session-state').textContent = `The access token ${expires}; the session ${renewing}.`;
}

async function showProfile() {
  const response = await widget.fetch(`${provider}/v1/users/self`);
  const { data } = await response.json();
  $('avatar').src = data.profile_picture;
  $('full-name').textContent = data.full_name;
  $('username').textContent = `@${data.username}`;
  $('counts').textContent = `${data.counts.media} posts · ${data.counts.followed_by} followers`;
  $('profile').hidden = false;
}

/** Shows the token response's `user` object (provider data: as text, never as HTML). */
function showTokenUser(user) {
  const list = $('token-user');
  list.replaceChildren();
  const isObject = user !== null && typeof user === 'object';
  if (isObject) {
    for (const [key, value] of Object.entries(user)) {
      const term = document.createElement('dt');
      const description = document.createElement('dd');
      term.textContent = key;
      description.textContent = typeof value === 'string' ? value : JSON.stringify(value);
      list.append(term, description);
    }
  }
  $('token-user-box').hidden = !isObject;
}

// The last access token, kept to show that logout revoked it (never shown itself).
let lastToken = null;

const handle = (event) => {
  log(event);
  $('logout').hidden = !widget.loggedIn;
  if (event.type === 'oauth-login' || event.type === 'oauth-renewed') {
    $('error').textContent = '';
    $('after-logout').hidden = true;
    lastToken = event.detail.accessToken;
    if (event.type === 'oauth-renewed') renewals += 1; else renewals = 0;
    showTokenUser(event.detail.user);
    showWho(event.detail, event.type);
    showSession(event.detail);
    if (event.detail.scope.includes('basic')) {
      showProfile().catch((e) => { $('error').textContent = `Profile request failed: ${e.message}`; });
    }
  } else if (event.type === 'oauth-error') {
    // Provider text is shown as text, never as HTML.
    $('error').textContent = `${event.detail.error}: ${event.detail.description}`;
  } else {
    $('profile').hidden = true;
    $('who').hidden = true;
    $('session').hidden = true;
    showTokenUser(null);
    if (event.type === 'oauth-expired' && event.detail.error) {
      $('error').textContent = `The session ended: ${event.detail.error}`;
    }
  }
};
const early = window.earlyEvents;
window.earlyEvents = null;
early.forEach(handle);
for (const type of ['oauth-login', 'oauth-error', 'oauth-renewed', 'oauth-logout', 'oauth-expired']) {
  document.addEventListener(type, handle);
}

// The form drives the element's attributes, and is kept for the next load of the page.
const selectedScopes = () => [...$('scopes').querySelectorAll('input:checked')].map((box) => box.value);
const save = () => demo.save({
  flow: document.querySelector('#flow input:checked').value,
  scopes: selectedScopes(),
  mode: $('mode').value,
  storage: $('storage').value,
});
const setScopes = (scopes) => {
  for (const box of $('scopes').querySelectorAll('input')) box.checked = scopes.includes(box.value);
  widget.scope = selectedScopes().join(' ');
};
$('flow').addEventListener('change', (event) => {
  const flow = event.target.value;
  // Scopes first: an OpenID scope on a flow with no issuer would make the element warn.
  if (flow === 'oidc') { demo.applyFlow(flow); setScopes(demo.SCOPES[flow]); } else { setScopes(demo.SCOPES[flow]); demo.applyFlow(flow); }
  save();
});
$('scopes').addEventListener('change', () => { widget.scope = selectedScopes().join(' '); save(); });
$('mode').addEventListener('change', () => { widget.mode = $('mode').value; save(); });
$('storage').addEventListener('change', () => { widget.storage = $('storage').value; save(); });
$('logout').addEventListener('click', async () => {
  const { revoked } = await widget.logout();
  $('after-logout').hidden = false;
  $('revoked').textContent = revoked
    ? 'The provider revoked the tokens (RFC 7009): they no longer work anywhere.'
    : 'Forgotten here; the provider was not asked to revoke them (no revocation endpoint known), or refused.';
  $('old-token-answer').textContent = '';
});
$('old-token').addEventListener('click', async () => {
  const response = await fetch(`${provider}/v1/users/self`, { headers: { Authorization: `Bearer ${lastToken}` } });
  $('old-token-answer').textContent = `The API answered ${response.status}${response.ok ? '' : ': the old token is refused'}.`;
});

// The element's markup as it stands, to copy into a page of one's own.
const showMarkup = () => {
  const attrs = [...widget.attributes].filter((a) => a.name !== 'id').map((a) => `\n    ${a.name}="${a.value.replaceAll('"', '&quot;')}"`);
  $('markup').textContent = `<oauth-login${attrs.join('')}>\n</oauth-login>`;
};
new MutationObserver(showMarkup).observe(widget, { attributes: true });
showMarkup();

await customElements.whenDefined('oauth-login');
$('callbackurl').textContent = widget.callbackurl;
