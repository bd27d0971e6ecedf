// The app under test: the bundler entry of the installed package, used as the README shows.
import { define, login, OAuthError } from 'oauth-prefab';
import type { OAuthLoginDetail } from 'oauth-prefab';

define();

const provider = document.querySelector<HTMLMetaElement>('meta[name=provider]')!.content;

/** What the browser test reads back. Tokens only go here, never to the page text. */
interface AppState {
  events: { type: string; detail: unknown }[];
  programmatic: { ok: true; detail: OAuthLoginDetail } | { ok: false; code: string; isOAuthError: boolean } | null;
  invalidConfig: () => Promise<{ isOAuthError: boolean; code: string; name: string }>;
  oauthErrorIsAClass: boolean;
}

const app: AppState = {
  events: [],
  programmatic: null,
  oauthErrorIsAClass: typeof OAuthError === 'function' && OAuthError.prototype instanceof Error,
  async invalidConfig() {
    try {
      // Deliberately wrong: no clientId.
      await login({} as Parameters<typeof login>[0]);
    } catch (error) {
      return { isOAuthError: error instanceof OAuthError, code: (error as OAuthError).code, name: (error as Error).name };
    }
    throw new Error('login({}) resolved');
  },
};
(window as unknown as { app: AppState }).app = app;

const widget = document.querySelector('oauth-login')!;
for (const type of ['oauth-login', 'oauth-error'] as const) {
  widget.addEventListener(type, (event) => {
    app.events.push({ type, detail: event.detail });
    document.getElementById('out')!.textContent = `${type}`;
  });
}

document.getElementById('programmatic')!.addEventListener('click', () => {
  login({ clientId: 'vite-app', authorizeUrl: `${provider}/oauth/authorize`, scope: 'basic' }).then(
    (detail) => { app.programmatic = { ok: true, detail }; },
    (error: unknown) => {
      app.programmatic = { ok: false, code: error instanceof OAuthError ? error.code : String(error), isOAuthError: error instanceof OAuthError };
    },
  );
});
