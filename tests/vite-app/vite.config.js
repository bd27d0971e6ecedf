// What a user of oauth-prefab needs in Vite: nothing for `vite build`. For `vite dev`, keep the
// package out of dependency pre-bundling, so that wasm-bindgen's
// `new URL('oauth_prefab_bg.wasm', import.meta.url)` still points next to the module.
import { defineConfig } from 'vite';

export default defineConfig({
  optimizeDeps: { exclude: ['oauth-prefab'] },
});
