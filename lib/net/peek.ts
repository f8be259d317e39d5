/**
 * Reads a connection's first bytes until they hold a complete ClientHello (Envoy's TLS
 * inspector): it only gathers facts and never routes. The bytes are kept so that the next
 * stage can replay them, to the origin (splice) or to YORI's own TLS server (interception).
 * Bounded in size and time: a client that never finishes its hello is closed, not kept.
 */
import type { Socket } from 'node:net';
import { parseClientHello, type ClientHello } from './clienthello.js';

export type PeekOutcome = 'ok' | 'malformed' | 'too_large' | 'timeout' | 'closed';

export interface PeekResult {
  outcome: PeekOutcome;
  hello: ClientHello | null;
  /** Every byte read from the socket so far (to replay). */
  bytes: Buffer;
  /** Why the outcome is not `ok`, for the log. */
  reason: string | null;
}

export interface PeekOptions {
  maxBytes: number;
  timeoutMs: number;
}

export const PEEK_DEFAULTS: PeekOptions = { maxBytes: 16 * 1024, timeoutMs: 10_000 };

/**
 * Resolves once the ClientHello is complete, broken, too large, late, or the client left.
 * Leaves the socket paused with no listeners of its own, so the caller can pipe or wrap it.
 */
export function peekClientHello(socket: Socket, opts: PeekOptions = PEEK_DEFAULTS): Promise<PeekResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (outcome: PeekOutcome, hello: ClientHello | null, reason: string | null) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.pause();
      resolve({ outcome, hello, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length), reason });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      const buf = chunks.length === 1 ? chunk : Buffer.concat(chunks, length);
      if (chunks.length > 1) chunks.splice(0, chunks.length, buf);
      const result = parseClientHello(buf);
      if (result.status === 'ok') finish('ok', result.hello, null);
      else if (result.status === 'malformed') finish('malformed', null, result.reason);
      else if (length >= opts.maxBytes) finish('too_large', null, `no complete ClientHello in ${length} bytes`);
    };
    const onEnd = () => finish('closed', null, 'client closed before a complete ClientHello');
    const onError = (err: Error) => finish('closed', null, err.message);
    const timer = setTimeout(() => finish('timeout', null, `no complete ClientHello after ${opts.timeoutMs} ms`), opts.timeoutMs);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.resume(); // a socket handed over paused (CONNECT) does not flow by itself
  });
}
