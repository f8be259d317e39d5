/**
 * Helper process for netns.test.ts, run inside the gateway's network namespace with
 * `ip netns exec`: a fake origin for api.openai.com on 127.0.0.1 and a YORI gateway whose
 * transparent listener is 0.0.0.0:<port>. Prints one JSON line when ready and one per
 * finished exchange; SIGTERM closes the gateway and exits 0.
 *
 * Usage: netns-runner.ts <port>
 */
import { join } from 'node:path';
import { startOrigin, startTestGateway, testPki } from '../net/fixtures.js';

const port = Number(process.argv[2]);
const print = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
const keep = { teardown() {} };
const origin = await startOrigin(keep, (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ origin: 'fake-openai', path: req.url }));
});
const gw = await startTestGateway(keep, {
  overrides: { 'api.openai.com': origin.port },
  configure: (c) => (c.listen.transparent = { host: '0.0.0.0', port }),
  hooks: { exchangeDone: (ex) => print({ exchange: { host: ex.route.host, path: ex.path, status: ex.status, client: ex.client.ip } }) },
});
print({ ready: true, transparentPort: gw.port, caFile: join(testPki().gatewayCaDir, 'yori-ca.pem') });
process.once('SIGTERM', () => void gw.close().then(() => process.exit(0)));
