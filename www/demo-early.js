// The demo's first script (a classic one, in <head>): it listens before the widget module loads,
// so the page hears every event, redirect mode included. demo.js takes the events from here.
window.earlyEvents = [];
for (const type of ['oauth-login', 'oauth-error', 'oauth-renewed', 'oauth-logout', 'oauth-expired']) {
  document.addEventListener(type, (event) => window.earlyEvents?.push(event));
}
