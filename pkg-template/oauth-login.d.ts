// The script-tag entry: importing it defines <oauth-login>. It is also the module the bundler
// entry re-exports, so it has the same three exports (js/oauth-login.js).
export { define, login, OAuthError } from './index.js';
