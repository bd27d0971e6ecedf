// The demo's page script (a module, after the widget's): the event log, the profile, and the form
// that drives the element's attributes. No token is ever shown: only its length.
const widget = document.querySelector('oauth-login');
const $ = (id) => document.getElementById(id);
const { provider } = document.body.dataset;

// The log never shows a token: only its length.
const masked = (detail) => JSON.stringify(detail, (key, value) =>
  key === 'accessToken' && typeof value === 'string' ? `[${value.length} chars hidden]` : value);
const log = (event) => {
  const item = document.createElement('li');
  item.textContent = `${event.type} ${masked(event.detail)}`;
  $('log').append(item);
};

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

const handle = (event) => {
  log(event);
  $('logout').hidden = !widget.loggedIn;
  if (event.type === 'oauth-login') {
    $('error').textContent = '';
    showTokenUser(event.detail.user);
    showProfile().catch((e) => { $('error').textContent = `Profile request failed: ${e.message}`; });
  } else if (event.type === 'oauth-error') {
    // Provider text is shown as text, never as HTML.
    $('error').textContent = `${event.detail.error}: ${event.detail.description}`;
  } else {
    $('profile').hidden = true;
    showTokenUser(null);
  }
};
const early = window.earlyEvents;
window.earlyEvents = null;
early.forEach(handle);
for (const type of ['oauth-login', 'oauth-error', 'oauth-logout', 'oauth-expired']) {
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
$('flow').addEventListener('change', (event) => { demo.applyFlow(event.target.value); save(); });
$('scopes').addEventListener('change', () => { widget.scope = selectedScopes().join(' '); save(); });
$('mode').addEventListener('change', () => { widget.mode = $('mode').value; save(); });
$('storage').addEventListener('change', () => { widget.storage = $('storage').value; save(); });
$('logout').addEventListener('click', () => widget.logout());

// The element's markup as it stands, to copy into a page of one's own.
const showMarkup = () => {
  const attrs = [...widget.attributes].filter((a) => a.name !== 'id').map((a) => `\n    ${a.name}="${a.value.replaceAll('"', '&quot;')}"`);
  $('markup').textContent = `<oauth-login${attrs.join('')}>\n</oauth-login>`;
};
new MutationObserver(showMarkup).observe(widget, { attributes: true });
showMarkup();

await customElements.whenDefined('oauth-login');
$('callbackurl').textContent = widget.callbackurl;
