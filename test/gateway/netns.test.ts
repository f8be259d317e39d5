/**
 * The transparent path through a real kernel redirect: the Linux stand-in for pf's `rdr`.
 * Two network namespaces created here (client 10.231.0.2, gateway 10.231.0.1, a veth pair
 * between them; nothing leaves them), an iptables REDIRECT of tcp/443 to YORI's transparent
 * port inside the gateway namespace, YORI and a fake origin running there, and a client in the
 * other namespace that connects to 10.231.0.1:443 with SNI api.openai.com.
 * Skips, saying why, only where root, `ip netns` or iptables are unavailable.
 */
import t from 'tap';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runner = fileURLToPath(new URL('./netns-runner.ts', import.meta.url));
const id = process.pid % 100000;
const NS_CLIENT = `yori-c${id}`;
const NS_GATEWAY = `yori-g${id}`;
const GATEWAY_IP = '10.231.0.1';
const CLIENT_IP = '10.231.0.2';
const TRANSPARENT_PORT = 8443;
/**
 * The gateway process loads TypeScript the way this test process does (tap's loader, whose
 * source maps tap's coverage merge understands; tsx's would corrupt it); tsx when run by hand.
 */
const NODE_ARGS = process.execArgv.some((a) => a.includes('@tapjs/')) ? process.execArgv : ['--import', 'tsx'];

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function unavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'needs root for ip netns and iptables';
  for (const [cmd, args] of [['ip', ['-V']], ['iptables', ['--version']]] as const) {
    try {
      run(cmd, [...args]);
    } catch {
      return `${cmd} is not installed (apt-get install iproute2 iptables)`;
    }
  }
  try {
    run('ip', ['netns', 'add', `yori-probe${id}`]);
    run('ip', ['netns', 'del', `yori-probe${id}`]);
  } catch (e) {
    return `cannot create network namespaces here (${(e as Error).message.split('\n')[0]})`;
  }
  return null;
}

function lines(child: ChildProcess): { next(match: (o: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> } {
  const seen: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      seen.push(JSON.parse(l));
    } catch {
      return;
    }
    waiters.splice(0).forEach((w) => w());
  });
  return {
    next: (match) => new Promise((resolve, reject) => {
      const check = () => {
        const hit = seen.find(match);
        if (hit) return resolve(hit);
        if (child.exitCode !== null) return reject(new Error(`runner exited with ${child.exitCode}`));
        waiters.push(check);
      };
      child.once('exit', check);
      check();
    }),
  };
}

/**
 * The client, plain JavaScript (it needs nothing of YORI): an HTTPS request to api.openai.com
 * at <ip>:443 trusting only <caFile>; prints the status and body, or the error, as JSON.
 */
const CLIENT = `
const [ip, caFile] = process.argv.slice(1);
const print = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
require('node:https').get({ host: ip, port: 443, servername: 'api.openai.com', path: '/v1/models',
  ca: require('node:fs').readFileSync(caFile), headers: { host: 'api.openai.com' }, agent: false }, (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => print({ status: res.statusCode, body }));
}).on('error', (e) => print({ error: e.message }));
`;

const reason = unavailable();
t.test('transparent path through an iptables REDIRECT between network namespaces', { skip: reason ?? false }, async (t) => {
  const cleanup = () => {
    for (const ns of [NS_CLIENT, NS_GATEWAY]) {
      try {
        run('ip', ['netns', 'del', ns]);
      } catch {
        // not there
      }
    }
  };
  cleanup();
  t.teardown(cleanup);

  run('ip', ['netns', 'add', NS_CLIENT]);
  run('ip', ['netns', 'add', NS_GATEWAY]);
  // The veth pair is created inside the namespaces: nothing touches the host's interfaces.
  run('ip', ['-n', NS_GATEWAY, 'link', 'add', 'yg0', 'type', 'veth', 'peer', 'name', 'yc0', 'netns', NS_CLIENT]);
  run('ip', ['-n', NS_GATEWAY, 'addr', 'add', `${GATEWAY_IP}/24`, 'dev', 'yg0']);
  run('ip', ['-n', NS_CLIENT, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'yc0']);
  for (const [ns, dev] of [[NS_GATEWAY, 'yg0'], [NS_CLIENT, 'yc0']]) {
    run('ip', ['-n', ns!, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', ns!, 'link', 'set', dev!, 'up']);
  }
  // pf: rdr on $lan proto tcp to port 443 -> 127.0.0.1 port 8443; Linux: REDIRECT.
  run('ip', ['netns', 'exec', NS_GATEWAY, 'iptables', '-t', 'nat', '-A', 'PREROUTING', '-i', 'yg0', '-p', 'tcp', '--dport', '443',
    '-j', 'REDIRECT', '--to-ports', String(TRANSPARENT_PORT)]);

  const gateway = spawn('ip', ['netns', 'exec', NS_GATEWAY, process.execPath, ...NODE_ARGS, runner, String(TRANSPARENT_PORT)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    gateway.kill('SIGKILL');
  });
  const out = lines(gateway);
  const ready = await out.next((o) => o.ready === true);
  t.equal(ready.transparentPort, TRANSPARENT_PORT);

  const client = spawn('ip', ['netns', 'exec', NS_CLIENT, process.execPath, '-e', CLIENT, GATEWAY_IP, String(ready.caFile)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    client.kill('SIGKILL');
  });
  const answer = await lines(client).next((o) => 'status' in o || 'error' in o);
  t.equal(answer.error, undefined, 'the client trusted the YORI-minted certificate');
  t.equal(answer.status, 200);
  t.same(JSON.parse(String(answer.body)), { origin: 'fake-openai', path: '/v1/models' });
  const record = await out.next((o) => 'exchange' in o);
  t.same(record.exchange, { host: 'api.openai.com', path: '/v1/models', status: 200, client: CLIENT_IP }, 'YORI intercepted it');
  const stopped = new Promise<number | null>((r) => gateway.once('exit', r));
  gateway.kill('SIGTERM');
  t.equal(await stopped, 0);
});
