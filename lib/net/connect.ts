/**
 * The explicit proxy (`listen.proxy`): HTTP `CONNECT host:port` and nothing else. Once the
 * tunnel is accepted (200), the connection enters the same path as a transparent one
 * (lib/net/datapath.ts): AI hosts are intercepted or observed, everything else is spliced to
 * the requested host:port. Plain `GET http://…` proxying is not offered (501): the devices YORI
 * serves reach AI services over HTTPS only.
 */
import net, { type Server, type Socket } from 'node:net';
import { isIP } from 'node:net';
import { HttpFramingError, MessageParser, type MessageHead } from '../http/parser.js';
import { jsonErrorResponse } from '../http/serialize.js';
import type { Logger } from '../log.js';
import type { DataPath, TunnelTarget } from './datapath.js';

/** A client that sends no complete CONNECT head within this time is closed. */
const CONNECT_HEAD_TIMEOUT_MS = 30_000;
const ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n', 'latin1');
const HOSTNAME = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** `host:port` or `[v6]:port` from a CONNECT target; null when malformed. */
export function parseConnectTarget(target: string): TunnelTarget | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(target);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined) return isIP(m[1]) === 6 ? { host: m[1].toLowerCase(), port } : null;
  const host = m[2]!.toLowerCase().replace(/\.$/, '');
  return isIP(host) === 4 || (host.length <= 253 && HOSTNAME.test(host)) ? { host, port } : null;
}

export function createProxyServer(dataPath: DataPath, logger: Logger): Server {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => acceptConnect(socket, dataPath, logger));
  server.on('error', (err) => logger.error({ err: err.message }, 'proxy listener error'));
  return server;
}

function acceptConnect(socket: Socket, dataPath: DataPath, logger: Logger): void {
  let target: TunnelTarget | null = null;
  const refuse = (status: number, type: string, message: string) => {
    socket.off('data', onData);
    socket.end(jsonErrorResponse(status, type, message));
  };
  const parser = new MessageParser('request', {
    onHead(head: MessageHead) {
      if (head.method !== 'CONNECT') {
        refuse(501, 'not_implemented', 'this proxy only supports CONNECT');
        return;
      }
      target = parseConnectTarget(head.url!);
      if (!target) refuse(400, 'invalid_request', 'malformed CONNECT target');
    },
    onBody() {},
    onEnd() {
      if (!target) return;
      socket.off('data', onData);
      socket.off('error', onError);
      socket.setTimeout(0);
      const early = parser.detach(); // a client that sent its ClientHello without waiting
      socket.write(ESTABLISHED);
      socket.pause();
      if (early.length > 0) socket.unshift(early);
      dataPath.handleTunnel(socket, target);
    },
    onError(err: HttpFramingError) {
      refuse(err.status, 'invalid_request', err.message);
    },
  }, { maxHeaderBytes: dataPath.settings.maxHeaderBytes });
  const onData = (d: Buffer) => parser.execute(d);
  const onError = (err: Error) => logger.debug({ err: err.message }, 'proxy client error');
  socket.on('data', onData);
  socket.on('error', onError);
  socket.once('end', () => parser.finish());
  socket.setTimeout(CONNECT_HEAD_TIMEOUT_MS, () => socket.destroy());
}
