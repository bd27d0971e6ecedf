// The page's own script on the CSP fixture, as README "Pages with a Content Security Policy"
// writes it: listeners in a file, not inline. It also records what the policy refused.
window.violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));
document.addEventListener('oauth-login', (e) => { document.getElementById('out').textContent = `logged in (${e.detail.scope.join(' ')})`; });
document.addEventListener('oauth-error', (e) => { document.getElementById('out').textContent = `${e.detail.error}: ${e.detail.description}`; });
