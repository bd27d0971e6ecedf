// Compiled by `tsc --noEmit` only (never bundled): proves the package's index.d.ts gives the
// element, its properties and its events real types. Each @ts-expect-error must be an error,
// so a type that silently became `any` fails the check too.
import type { OAuthError, OAuthErrorCode, OAuthLoginDetail, OAuthLoginElement } from 'oauth-prefab';
import { login } from 'oauth-prefab';
// The script-tag entry has the bundler entry's exports (it is the module index.js re-exports).
import { define as defineFromScript, OAuthError as ScriptOAuthError } from 'oauth-prefab/oauth-login.js';

const widget = document.querySelector('oauth-login')!;
const asElement: OAuthLoginElement = widget;
const clientId: string | null = widget.clientId;
widget.clientId = 'my-app';
widget.mode = 'redirect';
const callback: string = widget.callbackurl;
const loggedIn: boolean = widget.loggedIn;
const expiresAt: number | null = widget.expiresAt;

widget.addEventListener('oauth-login', (event) => {
  const token: string = event.detail.accessToken;
  const scopes: string[] = event.detail.scope;
  const expiresIn: number | null = event.detail.expiresIn;
  // @ts-expect-error accessToken is a string, not a number
  const wrong: number = event.detail.accessToken;
  void [token, scopes, expiresIn, wrong];
});
widget.addEventListener('oauth-error', (event) => {
  const code: OAuthErrorCode = event.detail.error;
  const reason: string | null = event.detail.reason;
  void [code, reason];
});
// Bubbling and composed: typed on document and window too.
document.addEventListener('oauth-logout', (event) => { const provider: string = event.detail.provider; void provider; });
window.addEventListener('oauth-expired', (event) => { const error: OAuthErrorCode | null = event.detail.error; void error; });
const created = document.createElement('oauth-login');
created.storage = 'session';

// @ts-expect-error accessToken is read-only
widget.accessToken = 'forged';
// @ts-expect-error mode is 'popup' | 'redirect'
widget.mode = 'iframe';
// @ts-expect-error clientId is required
void login({ authorizeUrl: 'https://example.com/authorize' });

async function programmatic(): Promise<string> {
  try {
    const detail: OAuthLoginDetail = await widget.login();
    const response: Response = await widget.fetch('https://api.example.com/me');
    void response;
    return detail.accessToken;
  } catch (error) {
    const code: OAuthErrorCode = (error as OAuthError).code;
    return code;
  }
}

void [asElement, clientId, callback, loggedIn, expiresAt, programmatic, defineFromScript, ScriptOAuthError];
