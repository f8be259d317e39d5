/**
 * YORI under benchmark, in its own process: `bare` is the data path alone (startGateway,
 * no addons: what the proxy itself costs); `full` is what `yori start` runs (startYori:
 * providers, shipped policies, audit writer, alerts). Prints `{"port":N,"caFile":…}` once
 * listening; answers `stats` IPC messages with its RSS and CPU time.
 *
 * Usage (with an IPC channel): node --import ./benchmarks/register.mjs
 *   benchmarks/servers/gateway.ts <bare|full> <originPort> <originCaFile> <workDir> <policyDir>
 */
import { join } from 'node:path';
import { defaultConfig } from '../../lib/config/schema.js';
import { startGateway } from '../../lib/gateway.js';
import { createLogger } from '../../lib/log.js';

const [mode, originPort, originCaFile, workDir, policyDir] = process.argv.slice(2);

const config = defaultConfig();
config.log_level = 'silent';
config.data_dir = join(workDir!, `data-${mode}`);
config.ca.dir = join(workDir!, 'yori-ca');
config.policy.dir = policyDir!;
config.listen = { transparent: { host: '127.0.0.1', port: 0 }, proxy: null, admin: { host: '127.0.0.1', port: 0 } };
config.upstream.overrides = { 'api.openai.com': { host: '127.0.0.1', port: Number(originPort) } };
config.upstream.ca_file = originCaFile!;
const logger = createLogger('silent');

let close: () => Promise<void>;
let port: number;
if (mode === 'full') {
  const { startYori } = await import('../../lib/app.js');
  const yori = await startYori(config, { logger, pf: false });
  port = yori.gateway.transparentAddress.port;
  close = () => yori.close();
} else {
  const gw = await startGateway(config, { logger });
  port = gw.transparentAddress.port;
  close = () => gw.close();
}

process.on('message', (msg) => {
  if (msg !== 'stats') return;
  const cpu = process.cpuUsage();
  process.send!({ rss: process.memoryUsage().rss, cpuUserUs: cpu.user, cpuSystemUs: cpu.system });
});
process.on('SIGTERM', () => void close().then(() => process.exit(0)));
process.stdout.write(JSON.stringify({ port, caFile: join(config.ca.dir, 'yori-ca.pem') }) + '\n');
