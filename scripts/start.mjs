// `npm start`: the dev provider on 127.0.0.1:9090 and the demo (www/ and pkg/) on localhost:8080,
// two origins as in real life. PROVIDER_PORT and DEMO_PORT override the ports.
import { resolve } from 'node:path';
import { serveStatic } from './lib/serve.mjs';
import { startProvider } from './lib/provider.mjs';

const root = resolve(import.meta.dirname, '..');
const providerPort = Number(process.env.PROVIDER_PORT ?? 9090);
const demoPort = Number(process.env.DEMO_PORT ?? 8080);
const providerOrigin = `http://127.0.0.1:${providerPort}`;

const provider = await startProvider({ port: providerPort });
await serveStatic({ port: demoPort, host: 'localhost', mounts: { '/': `${root}/www`, '/pkg/': `${root}/pkg` }, providerOrigin });
console.log(`\n  dev provider: ${providerOrigin}`);
console.log(`  demo:         http://localhost:${demoPort}/\n`);
if (demoPort !== 8080) {
  console.log(`  (register http://localhost:${demoPort}/ for demo-app in dev-provider/clients.json)\n`);
}
const stop = () => { provider.kill(); process.exit(0); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
