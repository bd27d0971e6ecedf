// A small static file server for the host pages: www/ at /, pkg/ at /pkg/ (and, for tests, any
// other folder under its own prefix). Placeholders such as `{{PROVIDER}}` (the dev provider's
// origin) and `{{EXCHANGE}}` (the exchange's) are filled in HTML, so the demo works on any port.
// With `gzip: true` (opt-in; the benchmark's emulated slow network uses it), files are sent
// gzip-compressed to requests that accept gzip.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

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
 * once it listens. In HTML files, `replacements` ({ NAME: value, ... }) fills each `{{NAME}}`, and
 * `providerOrigin` fills `{{PROVIDER}}` (a shorthand, unless `replacements.PROVIDER` is set). Both
 * are read at every request, so they may be getters whose values come later (a server started
 * after this one); an empty or missing value leaves its placeholder as it is.
 *
 * `headers(path)`, if given, answers more headers for a file's response (a page's
 * Content-Security-Policy, in the end-to-end tests); it is called at every request.
 *
 * `gzip: true` sends each file (after its placeholders are filled) compressed with zlib level 9,
 * with `Content-Encoding: gzip`, to a GET whose `Accept-Encoding` accepts gzip, and adds
 * `Vary: Accept-Encoding` to every file's response; errors and HEAD stay uncompressed. Without it
 * (the default) nothing is compressed and the headers are the same as before the option existed.
 */
export function serveStatic(options) {
  const { port, mounts, host = '127.0.0.1' } = options;
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const compressed = new Map(); // file -> { body, gz }: each version compressed once
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
      if (extname(file) === '.html') body = fillPlaceholders(body.toString('utf8'), options);
      if (options.headers) res.setHeaders(new Map(Object.entries(options.headers(path) ?? {})));
      if (!options.gzip) return send(res, 200, type, req.method === 'HEAD' ? '' : body);
      if (req.method === 'HEAD' || !acceptsGzip(req.headers['accept-encoding'])) {
        return send(res, 200, type, req.method === 'HEAD' ? '' : body, { Vary: 'Accept-Encoding' });
      }
      body = Buffer.from(body);
      let entry = compressed.get(file);
      if (!entry?.body.equals(body)) compressed.set(file, entry = { body, gz: gzipSync(body, { level: 9 }) });
      send(res, 200, type, entry.gz, { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
    } catch {
      send(res, 400, 'text/plain', 'bad request');
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolvePromise(server));
  });
}

/** `html` with each `{{NAME}}` that has a current, non-empty value filled in (in one pass). */
function fillPlaceholders(html, options) {
  const values = { ...options.replacements };
  values.PROVIDER ||= options.providerOrigin;
  return html.replace(/\{\{([A-Z][A-Z0-9_]*)\}\}/g, (placeholder, name) => (values[name] ? String(values[name]) : placeholder));
}

/** Whether an `Accept-Encoding` value accepts gzip (`gzip` or `x-gzip`, with no `q=0`). */
function acceptsGzip(header = '') {
  return header.split(',').some((item) => {
    const [coding, ...params] = item.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== 'x-gzip') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}
