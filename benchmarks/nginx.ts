/**
 * nginx as the reference TLS-terminating proxy for the data-path benchmark (SPEC §8 compares
 * YORI's max req/s with nginx's "on the same run"): one nginx process (master_process off, so
 * the measured process is the worker itself, one event loop like YORI's) terminating TLS with
 * the origin's certificate and proxying to the same origin over verified, kept-alive TLS.
 * Used only when an `nginx` binary is installed; every file lives in the run's temp folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

export interface Nginx {
  port: number;
  /** CPU time (user + system) of the nginx process so far, in µs. */
  cpuUs(): number;
  rssBytes(): number;
  stop(): Promise<void>;
}

const NGINX_PATHS = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'];
/** USER_HZ, the unit of /proc/<pid>/stat times on Linux. */
const CLOCK_TICKS_PER_S = 100;

export function findNginx(): string | null {
  for (const path of NGINX_PATHS) {
    if (spawnSync(path, ['-v']).status === 0) return path;
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startNginx(binary: string, work: string, opts: { originPort: number; certFile: string; keyFile: string; caFile: string; host: string }): Promise<Nginx> {
  const dir = join(work, 'nginx');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream origin { server 127.0.0.1:${opts.originPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${opts.certFile};
    ssl_certificate_key ${opts.keyFile};
    keepalive_requests 100000;
    location / {
      proxy_pass https://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host ${opts.host};
      proxy_ssl_server_name on;
      proxy_ssl_name ${opts.host};
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate ${opts.caFile};
      proxy_ssl_session_reuse on;
      proxy_buffering off;
      proxy_request_buffering on;
    }
  }
}
`);
  const child = spawn(binary, ['-e', join(dir, 'error.log'), '-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, 5000);
  const pid = child.pid!;
  return {
    port,
    cpuUs() {
      // /proc/<pid>/stat: fields 14 and 15 (utime, stime) after the parenthesised command.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S) * 1e6;
    },
    rssBytes() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      });
    },
  };
}
