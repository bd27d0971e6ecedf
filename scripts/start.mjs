// `npm start`: the dev provider on 127.0.0.1:9090, the exchange (oauth-prefab-exchange, which adds
// demo-app's client secret to the widget's token request) on 127.0.0.1:9091, and the demo (www/
// and pkg/) on localhost:8080: separate origins, as in real life. PROVIDER_PORT, EXCHANGE_PORT
// and DEMO_PORT override the ports. The demo page gets the origins through `{{PROVIDER}}` and
// `{{EXCHANGE}}`.
import { resolve } from 'node:path';
import { serveStatic } from './lib/serve.mjs';
import { startProvider } from './lib/provider.mjs';
import { buildExchange, demoExchangeConfig, startExchange } from './lib/exchange.mjs';
import { DEMO_PAGES, demoPolicy } from './lib/csp.mjs';

const root = resolve(import.meta.dirname, '..');
const providerPort = Number(process.env.PROVIDER_PORT ?? 9090);
const exchangePort = Number(process.env.EXCHANGE_PORT ?? 9091);
const demoPort = Number(process.env.DEMO_PORT ?? 8080);
const providerOrigin = `http://127.0.0.1:${providerPort}`;
const demoOrigin = `http://localhost:${demoPort}`;

// demo-app is the dev provider's confidential client (dev-provider/clients.json). Its secret goes
// to the exchange's environment only, never into the config (written to a temporary file by
// startExchange) nor into this process's environment.
const exchangeConfig = demoExchangeConfig({ providerOrigin, demoOrigin });

const exchangeBinary = buildExchange();
// Access tokens of a minute, so a session with offline_access shows its renewal while one watches.
// Either server failing to start has said why on stderr (a taken port, a bad setting): say which
// variable chooses its port, with no stack trace.
const failedToStart = (name, variable, port) => {
  console.error(`start: the ${name} did not start on port ${port} (its reason is above); if the port is taken, choose another with ${variable}=...`);
  process.exit(1);
};
let provider;
try {
  provider = await startProvider({ port: providerPort, args: ['--token-ttl', process.env.DEV_PROVIDER_TOKEN_TTL ?? '60'] });
} catch {
  failedToStart('dev provider', 'PROVIDER_PORT', providerPort);
}
let exchange;
try {
  exchange = await startExchange({
    port: exchangePort, config: exchangeConfig, env: { DEMO_APP_CLIENT_SECRET: 'demo-secret' }, binary: exchangeBinary,
  });
} catch {
  provider.kill();
  failedToStart('exchange', 'EXCHANGE_PORT', exchangePort);
}
try {
  await serveStatic({
    port: demoPort,
    host: 'localhost',
    mounts: { '/': `${root}/www`, '/pkg/': `${root}/pkg` },
    replacements: { PROVIDER: providerOrigin, EXCHANGE: exchange.url },
    // The demo dogfoods README's Content Security Policy.
    headers: (path) => (DEMO_PAGES.includes(path) ? { 'Content-Security-Policy': demoPolicy({ provider: providerOrigin, exchange: exchange.url }) } : {}),
  });
} catch (error) {
  // The provider and the exchange already listen: stop them, or they outlive this process and
  // hold their ports, and the next `npm start` fails on those instead.
  const children = [provider, exchange];
  const exited = children.map((child) => new Promise((r) => child.once('exit', r)));
  children.forEach((child) => child.kill());
  await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 3000))]);
  const hint = error.code === 'EADDRINUSE'
    ? ` (port ${demoPort} is in use: stop what holds it, or choose another with DEMO_PORT=...)`
    : '';
  console.error(`start: cannot serve the demo on ${demoOrigin}: ${error.message}${hint}`);
  process.exit(1);
}
console.log(`\n  dev provider: ${providerOrigin}`);
console.log(`  exchange:     ${exchange.url}`);
console.log(`  demo:         ${demoOrigin}/\n`);
if (demoPort !== 8080) {
  console.log(`  (register ${demoOrigin}/ for demo-app and demo-spa in dev-provider/clients.json)\n`);
}

// Either server dying leaves the demo half-broken: say so and stop the other. Stopping waits
// (briefly) for the children to exit, so startExchange can remove its temporary config.
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  const children = [provider, exchange].filter((child) => child.exitCode === null && child.signalCode === null);
  const exited = children.map((child) => new Promise((r) => child.once('exit', r)));
  children.forEach((child) => child.kill());
  await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 3000))]);
  process.exit(code);
}
for (const [name, child] of [['dev provider', provider], ['exchange', exchange]]) {
  child.once('exit', (status, signal) => {
    if (stopping) return;
    console.error(`start: the ${name} exited (${signal ?? `status ${status}`}); stopping`);
    stop(1);
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
