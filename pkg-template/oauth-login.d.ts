// The script-tag entry has no exports: importing it defines <oauth-login>.
import './index.js';
export {};
