// Script-tag entry: `<script type="module" src=".../oauth-login.js"></script>`.
// Importing it defines <oauth-login> and handles an OAuth response in this page's address.
import init, { define } from './oauth_prefab.js';

await init();
define();
