// Runs right after the <oauth-login> element, before the widget module upgrades it: the flows,
// and the settings kept from before a reload (a redirect-mode login comes back here), applied to
// the element and the form. The origins come from the page (its data-provider, data-exchange).
const { provider, exchange } = document.body.dataset;
window.demo = {
  KEY: 'oauth-prefab-demo',
  // In an order that is valid at every step (token-url before response-type="code",
  // response-type="token" before token-url goes, authorize-url before issuer goes), so the
  // element never warns about the demo.
  FLOWS: {
    // Logout revokes in every flow: demo-app's tokens through the exchange (a confidential client
    // revokes with its secret), demo-spa's at the provider (a public client, its client_id alone).
    implicit: [['authorize-url', `${provider}/oauth/authorize`], ['response-type', 'token'], ['token-url', null], ['client-id', 'demo-app'], ['issuer', null], ['revoke-url', `${exchange}/revoke`]],
    pkce: [['authorize-url', `${provider}/oauth/authorize`], ['token-url', `${provider}/oauth/token`], ['client-id', 'demo-spa'], ['response-type', 'code'], ['issuer', null], ['revoke-url', `${provider}/revoke`]],
    exchange: [['authorize-url', `${provider}/oauth/authorize`], ['token-url', `${exchange}/token`], ['client-id', 'demo-app'], ['response-type', 'code'], ['issuer', null], ['revoke-url', `${exchange}/revoke`]],
    // Everything else comes from the provider's discovery document.
    oidc: [['issuer', provider], ['client-id', 'demo-spa'], ['token-url', null], ['authorize-url', null], ['response-type', null], ['revoke-url', null]],
  },
  /** The scopes each flow starts with: the API's `basic`, or, for OpenID Connect, who. */
  SCOPES: { implicit: ['basic'], pkce: ['basic'], exchange: ['basic'], oidc: ['openid', 'profile', 'email'] },
  /** Sets the element's attributes for flow `name` (a key of FLOWS). */
  applyFlow(name) {
    const widget = document.getElementById('demo-login');
    for (const [attr, value] of this.FLOWS[name]) {
      if (value === null) widget.removeAttribute(attr); else widget.setAttribute(attr, value);
    }
  },
  load() {
    try { return JSON.parse(sessionStorage.getItem(this.KEY)) ?? {}; } catch { return {}; }
  },
  save(settings) { sessionStorage.setItem(this.KEY, JSON.stringify(settings)); },
};
{
  const saved = demo.load();
  const widget = document.getElementById('demo-login');
  const flow = Object.hasOwn(demo.FLOWS, saved.flow) ? saved.flow : 'implicit';
  document.querySelector(`#flow input[value="${flow}"]`).checked = true;
  demo.applyFlow(flow);
  for (const name of ['mode', 'storage']) {
    const select = document.getElementById(name);
    if ([...select.options].some((option) => option.value === saved[name])) {
      select.value = saved[name];
      widget.setAttribute(name, saved[name]);
    }
  }
  if (Array.isArray(saved.scopes) && saved.scopes.length) {
    for (const box of document.querySelectorAll('#scopes input')) box.checked = saved.scopes.includes(box.value);
    widget.setAttribute('scope', [...document.querySelectorAll('#scopes input:checked')].map((b) => b.value).join(' '));
  }
}
