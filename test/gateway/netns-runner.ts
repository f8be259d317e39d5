/**
 * Helper process for netns.test.ts, run inside a network namespace with `ip netns exec`.
 *   gateway <port>  — a fake origin for api.openai.com on 127.0.0.1 and a YORI gateway whose
 *                     transparent listener is 0.0.0.0:<port>; prints one JSON line when ready
 *                     and one per finished exchange.
 *   client <ip> <caFile> — an HTTPS request to https://api.openai.com/ at <ip>:443 trusting
 *                     only <caFile>; prints the status and body as JSON.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOrigin, startTestGateway, testPki } from '../net/fixtures.js';

const [mode, a, b] = process.argv.slice(2);
const print = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

if (mode === 'gateway') {
  const keep = { teardown() {} };
  const origin = await startOrigin(keep, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ origin: 'fake-openai', path: req.url }));
  });
  const gw = await startTestGateway(keep, {
    overrides: { 'api.openai.com': origin.port },
    configure: (c) => (c.listen.transparent = { host: '0.0.0.0', port: Number(a) }),
    hooks: { exchangeDone: (ex) => print({ exchange: { host: ex.route.host, path: ex.path, status: ex.status, client: ex.client.ip } }) },
  });
  print({ ready: true, transparentPort: gw.port, caFile: join(testPki().gatewayCaDir, 'yori-ca.pem') });
  process.once('SIGTERM', () => void gw.close().then(() => process.exit(0)));
} else if (mode === 'client') {
  const req = https.get({ host: a, port: 443, servername: 'api.openai.com', path: '/v1/models', ca: readFileSync(b!), headers: { host: 'api.openai.com' }, agent: false }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => print({ status: res.statusCode, body }));
  });
  req.on('error', (e) => {
    print({ error: e.message });
    process.exitCode = 1;
  });
} else {
  process.stderr.write('usage: netns-runner.ts gateway <port> | client <ip> <caFile>\n');
  process.exitCode = 2;
}
