/**
 * The TCP listeners of the data path and their lifecycle helpers. The transparent listener is
 * the pf `rdr` target for tcp/443; every accepted socket goes straight to the DataPath.
 * `allowHalfOpen` lets a client's FIN travel through a splice while the origin keeps sending.
 */
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import type { HostPort } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { DataPath } from './datapath.js';

export function createTransparentServer(dataPath: DataPath, logger: Logger): Server {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket: Socket) => dataPath.handleTransparent(socket));
  // Accept errors (EMFILE, ECONNABORTED) concern one connection, never the listener.
  server.on('error', (err) => logger.error({ err: err.message }, 'transparent listener error'));
  return server;
}

/** Binds `server` to `hp` (port 0: any free port); rejects on EADDRINUSE and the like. */
export function listen(server: Server, hp: HostPort): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(hp.port, hp.host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting new connections; open ones are the DataPath's to drain. */
export function stopAccepting(server: Server): void {
  if (server.listening) server.close();
}
