/**
 * The fake AI origin the data-path benchmark talks to, run in its own process so that its
 * CPU does not share YORI's event loop. HTTPS (cert for api.openai.com from a CA the runner
 * made), keep-alive, HTTP/1.1 only.
 *   POST /v1/chat/completions  reads the body, answers a fixed ~600-byte JSON completion
 *   GET  /sse?events=N&interval=MS  N SSE events, each stamped with the monotonic clock
 *                                   (process.hrtime, shared by every process on the box)
 *   GET  /hold                 an SSE stream that sends a ping every second until closed
 * Prints `{"port":N}` on stdout once listening.
 *
 * Usage: node --import ./benchmarks/register.mjs benchmarks/servers/origin.ts <cert.pem> <key.pem>
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

const [certFile, keyFile] = process.argv.slice(2);

const COMPLETION = Buffer.from(JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1764100000,
  model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Photosynthesis turns light, water and CO2 into sugar and oxygen. '.repeat(6) }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 42, completion_tokens: 96, total_tokens: 138 },
}));

const server = https.createServer({ cert: readFileSync(certFile!), key: readFileSync(keyFile!), ALPNProtocols: ['http/1.1'], keepAliveTimeout: 60_000 }, (req, res) => {
  const url = new URL(req.url ?? '/', 'https://api.openai.com');
  if (url.pathname === '/sse') {
    const events = Number(url.searchParams.get('events') ?? 20);
    const interval = Number(url.searchParams.get('interval') ?? 10);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let n = 0;
    const tick = () => {
      res.write(`data: {"n":${n},"t":${process.hrtime.bigint()}}\n\n`);
      if (++n < events) setTimeout(tick, interval);
      else res.end('data: [DONE]\n\n');
    };
    tick();
    return;
  }
  if (url.pathname === '/hold') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
    const ping = setInterval(() => res.write('data: {"ping":true}\n\n'), 1000);
    res.on('close', () => clearInterval(ping));
    return;
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': COMPLETION.length });
    res.end(COMPLETION);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n'));
process.on('SIGTERM', () => process.exit(0));
