/** Small stream helpers for the net tests. */

/** Reads from `s` until `done(all bytes so far)` or the socket ends. */
export function readUntil(s: NodeJS.ReadableStream & { destroyed?: boolean }, done: (buf: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (done(buf)) finish();
    };
    const finish = () => {
      s.off('data', onData);
      s.off('end', finish);
      s.off('close', finish);
      s.off('error', onError);
      resolve(buf);
    };
    const onError = (e: Error) => {
      s.off('data', onData);
      reject(e);
    };
    s.on('data', onData);
    s.once('end', finish);
    s.once('close', finish);
    s.once('error', onError);
  });
}

/** Reads everything until the peer closes. */
export function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  return readUntil(s, () => false);
}

/** The whole body of an incoming message (a request an origin received, or a response). */
export function readBody(message: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (d: Buffer) => chunks.push(d));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}
