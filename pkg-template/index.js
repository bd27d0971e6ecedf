// Bundler entry (`import { define, login, OAuthError } from 'oauth-prefab'`). Instantiating the
// module also handles an OAuth response in this page's address, so a popup callback closes itself.
import init, { define, login, oauthErrorClass } from './oauth_prefab.js';

await init();

export { define, login };
/** The error class of every rejected `login()` and `fetch()`. */
export const OAuthError = oauthErrorClass();
