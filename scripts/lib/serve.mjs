// A small static file server for the host pages: www/ at /, pkg/ at /pkg/ (and, for tests, any
// other folder under its own prefix). `{{PROVIDER}}` in HTML is replaced with the dev provider's
// origin, so the demo works on any port.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/**
 * Serves `mounts` ({ '/': dir, '/pkg/': dir, ... }) on 127.0.0.1:`port`; resolves with the server
 * once it listens. `providerOrigin` fills `{{PROVIDER}}` in HTML files.
 */
export function serveStatic(options) {
  const { port, mounts, host = '127.0.0.1' } = options;
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(res, 405, 'text/plain', 'method not allowed');
      }
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const prefix = prefixes.find((p) => path.startsWith(p));
      if (!prefix) return send(res, 404, 'text/plain', 'not found');
      const base = resolve(mounts[prefix]);
      let file = normalize(join(base, path.slice(prefix.length)));
      if (file !== base && !file.startsWith(base + sep)) return send(res, 403, 'text/plain', 'forbidden');
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      let body = await readFile(file).catch(() => null);
      if (body === null) return send(res, 404, 'text/plain', 'not found');
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      if (extname(file) === '.html' && options.providerOrigin) {
        // Read at request time: the provider may start after the server.
        body = body.toString('utf8').replaceAll('{{PROVIDER}}', options.providerOrigin);
      }
      send(res, 200, type, req.method === 'HEAD' ? '' : body);
    } catch {
      send(res, 400, 'text/plain', 'bad request');
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolvePromise(server));
  });
}

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}
