// Bundler entry (`import { define, login, OAuthError } from 'oauth-prefab'`). Importing it, like
// importing oauth-login.js, defines <oauth-login> and handles an OAuth response in this page's
// address (so a popup callback closes itself); define() is kept for explicit use.
export { define, login, OAuthError } from './oauth-login.js';
