/**
 * Splice: the "never break the household's internet" path. Connects to the origin, replays
 * the bytes the peek stage already read, then pipes both directions untouched. No per-chunk
 * JavaScript of ours runs here: byte counts come from the sockets' own counters.
 *
 * Half-close is propagated (a FIN from either side ends the other side's writing while the
 * opposite direction keeps flowing); a reset or error on either side resets the other.
 */
import net, { type Socket } from 'node:net';
import type { HostPort } from '../config/schema.js';

/** How long the origin side may stay open after the client connection closed. */
const LINGER_MS = 30_000;

export interface SpliceResult {
  /** Bytes the client sent (the replayed peek included). */
  bytesUp: number;
  /** Bytes the origin sent. */
  bytesDown: number;
  /** Why the splice ended abnormally, or null. */
  error: string | null;
}

export interface SpliceOptions {
  connectTimeoutMs: number;
  /** Called once the origin accepted the TCP connection. */
  onConnected?: () => void;
}

/** Splices `client` to `target`; resolves when both sockets are closed. Never rejects. */
export function splice(client: Socket, target: HostPort, replay: Buffer, opts: SpliceOptions): Promise<SpliceResult> {
  return new Promise((resolve) => {
    let error: string | null = null;
    let open = 2;
    let connected = false;
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    const connectTimer = setTimeout(() => fail(`connect to ${target.host}:${target.port} timed out`, false), opts.connectTimeoutMs);

    function fail(message: string, reset: boolean) {
      error ??= message;
      // Mirror a reset to the other side so both peers see what a direct connection shows.
      for (const s of [client, upstream]) {
        if (s.destroyed) continue;
        if (reset) s.resetAndDestroy();
        else s.destroy();
      }
    }
    const onError = (err: NodeJS.ErrnoException) => fail(err.message, err.code === 'ECONNRESET' || err.code === 'ECONNREFUSED');
    const onClose = () => {
      if (--open > 0) return;
      clearTimeout(connectTimer);
      resolve({ bytesUp: client.bytesRead, bytesDown: upstream.bytesRead, error });
    };
    const onClientClose = () => {
      // A client that leaves before the origin answered takes the half-made connection with
      // it; afterwards its end is passed on (the last bytes still reach the origin).
      if (!connected) {
        upstream.destroy();
      } else if (!upstream.destroyed) {
        if (!upstream.writableEnded) upstream.end();
        // An origin that never closes its side is not kept around for ever.
        upstream.setTimeout(LINGER_MS, () => upstream.destroy());
      }
      onClose();
    };

    client.on('error', onError);
    upstream.on('error', onError);
    upstream.once('close', onClose);
    if (client.closed) onClientClose();
    else client.once('close', onClientClose);
    upstream.once('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      opts.onConnected?.();
      client.setKeepAlive(true, 60_000);
      upstream.setKeepAlive(true, 60_000);
      if (replay.length > 0) upstream.write(replay);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
}
