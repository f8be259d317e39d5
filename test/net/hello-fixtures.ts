/**
 * ClientHello fixtures for the net tests: a wire-format builder for edge cases (fragmented
 * records, odd extensions) and a capture of what Node's real TLS client sends.
 */
import net from 'node:net';
import tls from 'node:tls';

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function vec16(data: Buffer): Buffer {
  return Buffer.concat([u16(data.length), data]);
}

export function extension(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(data)]);
}

export function sniExtension(host: string): Buffer {
  const name = Buffer.from(host, 'latin1');
  return extension(0, vec16(Buffer.concat([Buffer.from([0]), u16(name.length), name])));
}

export function alpnExtension(protocols: string[]): Buffer {
  const list = Buffer.concat(protocols.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])));
  return extension(16, vec16(list));
}

export interface HelloParts {
  sni?: string;
  alpn?: string[];
  /** Raw extension blocks appended after SNI/ALPN. */
  extensions?: Buffer[];
  /** Omit the extensions block entirely (old clients). */
  noExtensions?: boolean;
  /** Split the handshake message into records of at most this many bytes. */
  recordSize?: number;
}

/** The handshake message (type 1 + length + body). */
export function helloMessage(parts: HelloParts = {}): Buffer {
  const exts: Buffer[] = [];
  if (parts.sni !== undefined) exts.push(sniExtension(parts.sni));
  if (parts.alpn) exts.push(alpnExtension(parts.alpn));
  exts.push(...(parts.extensions ?? []));
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32, 7), // random
    Buffer.from([0]), // session id
    vec16(Buffer.from([0x13, 0x01, 0x13, 0x02])), // cipher suites
    Buffer.from([1, 0]), // compression: null
    ...(parts.noExtensions ? [] : [vec16(Buffer.concat(exts))]),
  ]);
  const head = Buffer.from([1, 0, 0, 0]);
  head.writeUIntBE(body.length, 1, 3);
  return Buffer.concat([head, body]);
}

/** Wraps a handshake message into TLS records. */
export function records(message: Buffer, recordSize = 16_384): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < message.length; i += recordSize) {
    const frag = message.subarray(i, i + recordSize);
    out.push(Buffer.from([0x16, 3, 1]), u16(frag.length), frag);
  }
  return Buffer.concat(out);
}

export function buildClientHello(parts: HelloParts = {}): Buffer {
  return records(helloMessage(parts), parts.recordSize);
}

/** The first flight of Node's (OpenSSL's) TLS client, captured by a plain TCP server. */
export async function captureClientHello(opts: { servername?: string; ALPNProtocols?: string[] }): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const got = new Promise<Buffer>((resolve) => {
    server.once('connection', (s) => {
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
      });
    });
  });
  const client = tls.connect({ host: '127.0.0.1', port, ...opts, rejectUnauthorized: false });
  client.on('error', () => {});
  const bytes = await got;
  client.destroy();
  await new Promise((r) => server.close(r));
  return bytes;
}
