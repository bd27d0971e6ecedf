// Loaded as a classic script in <head>, before the widget module: every oauth-* event is recorded
// from the very start (tests read window.events).
window.events = [];
for (const type of ['oauth-login', 'oauth-error', 'oauth-renewed', 'oauth-logout', 'oauth-expired']) {
  document.addEventListener(type, (e) => window.events.push({ type: e.type, detail: e.detail, target: e.target.id }));
}
