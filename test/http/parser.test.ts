import t from 'tap';
import { bytes, feed, record, summary, type TapTest, type Event } from './fixtures/record.js';
import { MessageParser, type MessageHead, type MessageKind } from '../../lib/http/parser.js';

/** A chunked body holding `parts`, sizes in hex, with the last-chunk. */
function chunks(...parts: string[]): string {
  return parts.map((p) => `${Buffer.byteLength(p, 'latin1').toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n';
}

function heads(events: Event[]): MessageHead[] {
  return events.flatMap((e) => (e.type === 'head' ? [e.head] : []));
}

/** The recording for `input` fed whole must equal the one for every 2-way split and 1-byte feeding. */
function checkSplits(t: TapTest, kind: MessageKind, input: Buffer, opts: { eof?: boolean; method?: string } = {}): string[] {
  const run = (cuts: number[]) => {
    const rec = record(kind);
    if (opts.method) rec.parser.setRequestMethod(opts.method);
    return summary(feed(rec, input, cuts, opts.eof));
  };
  const whole = run([]);
  for (let cut = 1; cut < input.length; cut++) {
    const got = run([cut]);
    if (JSON.stringify(got) !== JSON.stringify(whole)) {
      t.strictSame(got, whole, `cut at ${cut}`);
      return whole;
    }
  }
  t.strictSame(run(Array.from({ length: input.length }, (_, i) => i)), whole, 'byte by byte');
  return whole;
}

t.test('GET without body: head fields, no body, end', async (t) => {
  const rec = record('request');
  const input = 'GET /v1/models?x=1 HTTP/1.1\r\nHost: api.openai.com\r\nAccept: */*\r\nX-Empty:\r\n\r\n';
  const ev = feed(rec, bytes(input));
  t.equal(ev.length, 2);
  const h = heads(ev)[0]!;
  t.match(h, {
    method: 'GET',
    url: '/v1/models?x=1',
    statusCode: null,
    statusMessage: null,
    versionMajor: 1,
    versionMinor: 1,
    contentLength: null,
    chunked: false,
    keepAlive: true,
    upgrade: false,
    expectContinue: false,
    bodyFraming: 'none',
  });
  t.strictSame(h.headers, [
    ['Host', 'api.openai.com'],
    ['Accept', '*/*'],
    ['X-Empty', ''],
  ]);
  t.equal(h.headerBytes, input.length);
  t.same(ev[1], { type: 'end' });
});

t.test('field values keep their bytes (latin1) and lose surrounding whitespace only', async (t) => {
  const ev = feed(record('request'), Buffer.concat([bytes('GET / HTTP/1.1\r\nHost: x\r\nX-Name: \t caf'), Buffer.from([0xe9, 0x8a]), bytes(' \t\r\n\r\n')]));
  t.strictSame(heads(ev)[0]!.headers[1], ['X-Name', 'caf\u00e9\u008a']);
});

t.test('Content-Length body is passed through, split or not', async (t) => {
  const out = checkSplits(t, 'request', bytes('POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world'));
  t.strictSame(out.slice(1), ['body "hello world"', 'end']);
  t.match(out[0], /length cl=11 ka=true/);
});

t.test('body chunks are views into the fed buffers, not copies', async (t) => {
  const input = bytes('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
  const seen: Buffer[] = [];
  const p = new MessageParser('request', { onHead() {}, onBody: (c) => seen.push(c), onEnd() {}, onError() {} });
  p.execute(input);
  t.equal(seen.length, 1);
  t.equal(seen[0]!.buffer, input.buffer, 'same memory');
  t.equal(seen[0]!.byteOffset, input.byteOffset + input.length - 5);
});

t.test('chunked body with extensions and trailers is de-chunked; trailers are dropped', async (t) => {
  const input = bytes(
    'POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value;q="quoted; str"\r\nhello\r\n' +
      '1 ; ext\r\n \r\n' +
      'A\r\n0123456789\r\n' +
      '00\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n',
  );
  const out = checkSplits(t, 'request', input);
  t.strictSame(out.slice(1), ['body "hello 0123456789"', 'end']);
  t.match(out[0], /chunked cl=null/);
});

t.test('chunked body without trailers, upper-case hex, Transfer-Encoding in any case', async (t) => {
  const out = checkSplits(t, 'request', bytes('POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: Chunked\r\n\r\n1F\r\n' + 'a'.repeat(31) + '\r\n0\r\n\r\n'));
  t.strictSame(out.slice(1), [`body "${'a'.repeat(31)}"`, 'end']);
});

t.test('keep-alive: HTTP/1.1 persists unless Connection: close; HTTP/1.0 only with keep-alive', async (t) => {
  const cases: [string, boolean][] = [
    ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', true],
    ['GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', false],
    ['GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, CLOSE\r\n\r\n', false],
    ['GET / HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n', true],
    ['GET / HTTP/1.0\r\n\r\n', false],
    ['GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n', true],
    ['GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n', false],
  ];
  for (const [input, keepAlive] of cases) {
    t.equal(heads(feed(record('request'), bytes(input)))[0]?.keepAlive, keepAlive, JSON.stringify(input));
  }
});

t.test('Expect: 100-continue is flagged', async (t) => {
  const ev = feed(record('request'), bytes('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n'));
  t.equal(heads(ev)[0]!.expectContinue, true);
  t.equal(ev.length, 1, 'still waiting for the body');
});

t.test('pipelined requests: the parser pauses after each message until resume()', async (t) => {
  const rec = record('request', { autoResume: false });
  const second = 'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc';
  const third = 'GET /c HTTP/1.1\r\nHost: x\r\n\r\n';
  feed(rec, bytes('GET /a HTTP/1.1\r\nHost: x\r\n\r\n' + second + third));
  t.strictSame(summary(rec.events).map((s) => s.split(' HTTP')[0]), ['head GET /a', 'end']);
  t.equal(rec.parser.paused, true);
  t.equal(rec.parser.pendingBytes, second.length + third.length);
  rec.parser.execute(bytes('GET /d HTTP/1.1\r\nHost: x\r\n\r\n'));
  t.equal(rec.events.length, 2, 'bytes arriving while paused are only queued');
  rec.parser.resume();
  t.strictSame(summary(rec.events).slice(2).map((s) => s.split(' HTTP')[0]), ['head POST /b', 'body "abc"', 'end']);
  rec.parser.resume();
  rec.parser.resume();
  t.strictSame(summary(rec.events).slice(5).map((s) => s.split(' HTTP')[0]), ['head GET /c', 'end', 'head GET /d', 'end']);
  t.equal(rec.parser.pendingBytes, 0);
});

t.test('pipelined requests split anywhere give the same messages', async (t) => {
  const out = checkSplits(
    t,
    'request',
    bytes(
      'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody' +
        'POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
        '\r\nGET /c HTTP/1.0\r\n\r\n',
    ),
  );
  t.strictSame(
    out.map((s) => s.split(' HTTP')[0]),
    ['head POST /a', 'body "body"', 'end', 'head POST /b', 'body "abc"', 'end', 'head GET /c', 'end'],
  );
});

t.test('pause() inside onHead holds the body until resume()', async (t) => {
  const rec = record('request', { onHead: (_h, p) => p.pause() });
  feed(rec, bytes('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc'));
  t.equal(rec.events.length, 1);
  t.equal(rec.parser.pendingBytes, 3);
  rec.parser.execute(bytes('def'));
  t.equal(rec.parser.pendingBytes, 6);
  rec.parser.resume();
  t.strictSame(summary(rec.events).slice(1), ['body "abcdef"', 'end']);
});

t.test('pause() inside the last onBody defers onEnd until resume()', async (t) => {
  const log: string[] = [];
  const p: MessageParser = new MessageParser('request', {
    onHead: () => void log.push('head'),
    onBody: () => {
      log.push('body');
      p.pause();
    },
    onEnd: () => void log.push('end'),
    onError: () => void log.push('error'),
  });
  p.execute(bytes('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok'));
  t.strictSame(log, ['head', 'body']);
  t.equal(p.pendingBytes, 0);
  p.resume();
  t.strictSame(log, ['head', 'body', 'end']);
  t.equal(p.paused, true, 'paused again after the message');
});

t.test('pause() from outside stops parsing of later execute() calls', async (t) => {
  const rec = record('request');
  rec.parser.pause();
  rec.parser.resume();
  rec.parser.pause();
  feed(rec, bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  t.equal(rec.events.length, 0);
  rec.parser.resume();
  t.equal(rec.events.length, 2);
});

t.test('leading empty lines before a request line are ignored', async (t) => {
  const ev = feed(record('request'), bytes('\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  t.equal(heads(ev)[0]!.method, 'GET');
});

t.test('request-target forms', async (t) => {
  const ok = [
    'GET http://api.openai.com/v1 HTTP/1.1',
    'OPTIONS * HTTP/1.1',
    'CONNECT api.openai.com:443 HTTP/1.1',
    'GET /path?q=%20&a=b HTTP/1.1',
  ];
  for (const line of ok) t.equal(heads(feed(record('request'), bytes(line + '\r\nHost: x\r\n\r\n'))).length, 1, line);
  const bad = ['GET * HTTP/1.1', 'GET relative HTTP/1.1', 'CONNECT /x HTTP/1.1', 'CONNECT host HTTP/1.1', 'GET /caf\u00e9 HTTP/1.1'];
  for (const line of bad) {
    t.strictSame(summary(feed(record('request'), bytes(line + '\r\nHost: x\r\n\r\n'))), ['error 400 YORI_ERR_HTTP_BAD_TARGET'], line);
  }
});

t.test('upgrade request (WebSocket): ends, pauses, and detach() hands back the following bytes', async (t) => {
  const rec = record('request', { autoResume: false });
  const frames = Buffer.from([0x81, 0x85, 1, 2, 3, 4, 0x69, 0x67, 0x6f, 0x68, 0x6b]);
  feed(rec, Buffer.concat([bytes('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\r\n'), frames]));
  t.equal(heads(rec.events)[0]!.upgrade, true);
  t.equal(rec.events[1]!.type, 'end');
  t.equal(rec.parser.pendingBytes, frames.length);
  rec.parser.execute(Buffer.from([0x88, 0x80]));
  const rest = rec.parser.detach();
  t.strictSame([...rest], [...frames, 0x88, 0x80]);
  t.throws(() => rec.parser.execute(Buffer.from('x')), /after detach/);
  rec.parser.finish();
  t.equal(rec.events.length, 2);
});

t.test('Upgrade without Connection: upgrade is not an upgrade; CONNECT is', async (t) => {
  t.equal(heads(feed(record('request'), bytes('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n')))[0]!.upgrade, false);
  t.equal(heads(feed(record('request'), bytes('CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n')))[0]!.upgrade, true);
});

t.test('detach() with nothing pending returns an empty buffer', async (t) => {
  const rec = record('request', { autoResume: false });
  feed(rec, bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  t.equal(rec.parser.detach().length, 0);
});

t.test('finish(): silent between messages, an error mid-message, deferred while paused', async (t) => {
  const idle = record('request');
  feed(idle, bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n\r\n'), [], true);
  t.strictSame(summary(idle.events).slice(1), ['end']);
  t.throws(() => idle.parser.execute(bytes('GET')), /after detach\(\) or finish\(\)/);
  idle.parser.finish();

  for (const partial of ['GET / HT', 'GET / HTTP/1.1\r\nHost: x\r\n', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab']) {
    const ev = summary(feed(record('request'), bytes(partial), [], true));
    t.equal(ev[ev.length - 1], 'error 400 YORI_ERR_HTTP_TRUNCATED', JSON.stringify(partial));
  }

  const paused = record('request', { autoResume: false });
  feed(paused, bytes('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c'), [], true);
  t.equal(paused.events.length, 2);
  paused.parser.resume();
  t.equal(paused.events.length, 4, 'the second request still parses');
  paused.parser.resume();
  t.strictSame(summary(paused.events).slice(4), ['error 400 YORI_ERR_HTTP_TRUNCATED'], 'then the cut third one is reported');
});

t.test('after an error nothing fires and further input is ignored', async (t) => {
  const rec = record('request');
  feed(rec, bytes('GET / HTTP/1.1\r\nHost: x\r\nBad(Name): 1\r\n\r\n'));
  rec.parser.execute(bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  rec.parser.resume();
  rec.parser.finish();
  t.strictSame(summary(rec.events), ['error 400 YORI_ERR_HTTP_BAD_FIELD_NAME']);
  t.equal(rec.parser.pendingBytes, 0);
});

t.test('header block limit: at the limit passes, one byte over is 431, even in one huge buffer', async (t) => {
  const base = 'GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ';
  const limit = 1024;
  const exact = base + 'a'.repeat(limit - base.length - 4) + '\r\n\r\n';
  t.equal(exact.length, limit);
  t.equal(heads(feed(record('request', { maxHeaderBytes: limit }), bytes(exact))).length, 1);
  const over = base + 'a'.repeat(limit - base.length - 3) + '\r\n\r\n';
  t.strictSame(summary(checkSplitsWith(t, over, limit)), ['error 431 YORI_ERR_HTTP_HEADER_TOO_LARGE']);
  const huge = record('request');
  feed(huge, Buffer.concat([bytes(base), Buffer.alloc(4 * 1024 * 1024, 0x61)]));
  t.strictSame(summary(huge.events), ['error 431 YORI_ERR_HTTP_HEADER_TOO_LARGE'], 'default 64 KiB limit');
  const leading = record('request', { maxHeaderBytes: 100 });
  feed(leading, bytes('\r\n'.repeat(100)));
  t.strictSame(summary(leading.events), ['error 431 YORI_ERR_HTTP_HEADER_TOO_LARGE'], 'endless empty lines are bounded too');
});

function checkSplitsWith(t: TapTest, input: string, maxHeaderBytes: number): Event[] {
  const whole = feed(record('request', { maxHeaderBytes }), bytes(input));
  const single = feed(record('request', { maxHeaderBytes }), bytes(input), Array.from({ length: input.length }, (_, i) => i));
  t.strictSame(summary(single), summary(whole), 'byte by byte');
  return whole;
}

t.test('a configured limit above 80 KiB holds for every message (http-parser-js resets its own)', async (t) => {
  const big = 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(100 * 1024) + '\r\n\r\n';
  const rec = record('request', { maxHeaderBytes: 200 * 1024 });
  feed(rec, bytes(big + big + big), [1000, big.length + 5]);
  t.strictSame(summary(rec.events).map((s) => s.slice(0, 8)), ['head GET', 'end', 'head GET', 'end', 'head GET', 'end']);
});

t.test('trailer section is bounded by the header limit', async (t) => {
  const rec = record('request', { maxHeaderBytes: 200 });
  feed(rec, bytes('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ' + 'a'.repeat(300)));
  t.strictSame(summary(rec.events).slice(1), ['error 431 YORI_ERR_HTTP_HEADER_TOO_LARGE']);
});

t.test('garbage and TLS bytes are a clean 400', async (t) => {
  const clientHello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
  t.strictSame(summary(feed(record('request'), clientHello)), ['error 400 YORI_ERR_HTTP_BAD_START_LINE']);
  t.strictSame(summary(feed(record('request'), bytes('hello there\r\n\r\n'))), ['error 400 YORI_ERR_HTTP_BAD_START_LINE']);
  t.strictSame(summary(feed(record('request'), bytes('\u00ff\u00fe\r\n'))), ['error 400 YORI_ERR_HTTP_BAD_START_LINE']);
  const random = Buffer.alloc(4096);
  let x = 12345;
  for (let i = 0; i < random.length; i++) random[i] = (x = (x * 1103515245 + 12345) & 0x7fffffff) >> 16;
  const ev = feed(record('request'), random);
  t.equal(ev.length, 1);
  t.equal(ev[0]!.type, 'error');
});

t.test('methods: unknown ones are 501, lower-case is malformed, HTTP/2.0 is 505, HTTP/1.0 is fine', async (t) => {
  t.strictSame(summary(feed(record('request'), bytes('QUERY / HTTP/1.1\r\nHost: x\r\n\r\n'))), ['error 501 YORI_ERR_HTTP_METHOD_NOT_IMPLEMENTED']);
  t.strictSame(summary(feed(record('request'), bytes('get / HTTP/1.1\r\nHost: x\r\n\r\n'))), ['error 400 YORI_ERR_HTTP_BAD_START_LINE']);
  t.strictSame(summary(feed(record('request'), bytes('GET / HTTP/2.0\r\nHost: x\r\n\r\n'))), ['error 505 YORI_ERR_HTTP_VERSION_NOT_SUPPORTED']);
  t.strictSame(summary(feed(record('request'), bytes('GET / HTTP/1.2\r\nHost: x\r\n\r\n'))), ['error 505 YORI_ERR_HTTP_VERSION_NOT_SUPPORTED']);
  t.equal(heads(feed(record('request'), bytes('PATCH / HTTP/1.0\r\n\r\n')))[0]!.versionMinor, 0);
});

// ---- responses ----

t.test('response with Content-Length', async (t) => {
  const out = checkSplits(t, 'response', bytes('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'));
  t.match(out[0], /^head 200 OK HTTP\/1.1 length cl=2 ka=true up=false/);
  t.strictSame(out.slice(1), ['body "{}"', 'end']);
});

t.test('chunked response (SSE style), split anywhere', async (t) => {
  const out = checkSplits(
    t,
    'response',
    bytes('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n' + chunks('data: {"a":1}\n\n', 'data: [DONE]\n\n')),
  );
  t.strictSame(out.slice(1), ['body "data: {\\"a\\":1}\\n\\ndata: [DONE]\\n\\n"', 'end']);
});

t.test('response without length is read until close and is not keep-alive', async (t) => {
  const out = checkSplits(t, 'response', bytes('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this\r\n\r\nuntil EOF'), { eof: true });
  t.match(out[0], /close cl=null ka=false/);
  t.strictSame(out.slice(1), ['body "all of this\\r\\n\\r\\nuntil EOF"', 'end']);
  const http10 = summary(feed(record('response'), bytes('HTTP/1.0 200 OK\r\n\r\nabc'), [], true));
  t.strictSame(http10.slice(1), ['body "abc"', 'end']);
});

t.test('read-until-close: EOF while paused ends the body after resume()', async (t) => {
  const rec = record('response', { onHead: (_h, p) => p.pause() });
  feed(rec, bytes('HTTP/1.1 200 OK\r\n\r\nxyz'), [], true);
  t.equal(rec.events.length, 1);
  rec.parser.resume();
  t.strictSame(summary(rec.events).slice(1), ['body "xyz"', 'end']);
});

t.test('response to HEAD has no body despite Content-Length; the method applies once', async (t) => {
  const rec = record('response');
  rec.parser.setRequestMethod('HEAD');
  feed(rec, bytes('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'));
  const s = summary(rec.events);
  t.match(s[0], /none cl=1234/);
  t.equal(s[1], 'end');
  t.match(s[2], /length cl=3/);
  t.strictSame(s.slice(3), ['body "abc"', 'end']);
});

t.test('204 and 304 have no body; Content-Length: 0 neither', async (t) => {
  for (const status of ['204 No Content', '304 Not Modified']) {
    const s = summary(feed(record('response'), bytes(`HTTP/1.1 ${status}\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n`)));
    t.equal(s.length, 4, status);
    t.match(s[0], / none cl=10 ka=true/);
    t.equal(s[1], 'end');
    t.match(s[2], /200 OK HTTP\/1.1 none cl=0/);
  }
});

t.test('interim 100 Continue and 103 fire onHead only, then the final response follows', async (t) => {
  const input = bytes(
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
  );
  const out = checkSplits(t, 'response', input);
  t.strictSame(
    out.map((s) => s.split(' HTTP')[0]),
    ['head 100 Continue', 'head 103 Early Hints', 'head 201 Created', 'body "ok"', 'end'],
  );
  const rec = record('response', { autoResume: false });
  feed(rec, bytes('HTTP/1.1 100 Continue\r\n\r\n'));
  t.equal(rec.parser.paused, false, 'no pause after an interim response');
  rec.parser.finish();
  t.strictSame(summary(rec.events).slice(1), ['error 502 YORI_ERR_HTTP_TRUNCATED'], 'EOF before the final response is a truncation');
});

t.test('101 Switching Protocols: onHead, onEnd, then every byte is handed back by detach()', async (t) => {
  const rec = record('response');
  const after = bytes('HTTP/1.1 200 OK\r\n\r\n not http at all \u0000');
  feed(rec, Buffer.concat([bytes('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 5\r\n\r\n'), after]));
  const s = summary(rec.events);
  t.match(s[0], /^head 101 Switching Protocols HTTP\/1.1 none cl=5 ka=true up=true/);
  t.strictSame(s.slice(1), ['end']);
  rec.parser.resume();
  rec.parser.execute(bytes('more'));
  t.equal(rec.events.length, 2, 'nothing is parsed after an upgrade');
  t.equal(rec.parser.pendingBytes, after.length + 4);
  rec.parser.finish();
  t.equal(rec.parser.detach().toString('latin1'), after.toString('latin1') + 'more');
});

t.test('2xx to CONNECT is an upgrade; other answers to CONNECT are not', async (t) => {
  const ok = record('response');
  ok.parser.setRequestMethod('CONNECT');
  feed(ok, bytes('HTTP/1.1 200 Connection Established\r\n\r\n\u0016\u0003\u0001'));
  t.equal(heads(ok.events)[0]!.upgrade, true);
  t.equal(ok.parser.detach().length, 3);
  const denied = record('response');
  denied.parser.setRequestMethod('CONNECT');
  feed(denied, bytes('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'));
  t.equal(heads(denied.events)[0]!.upgrade, false);
});

t.test("onHead returning 'skip-body' ends a response at its head; requests ignore it", async (t) => {
  const rec = record('response', { onHead: () => 'skip-body' });
  feed(rec, bytes('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
  const hs = heads(rec.events);
  t.equal(hs.length, 2);
  t.equal(hs[1]!.bodyFraming, 'none');
  t.equal(hs[1]!.chunked, false);
  const req = record('request', { onHead: () => 'skip-body' });
  feed(req, bytes('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc'));
  t.strictSame(summary(req.events).slice(1), ['body "abc"', 'end']);
});

t.test('response status lines', async (t) => {
  t.equal(heads(feed(record('response'), bytes('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n')))[0]!.statusMessage, '', 'reason may be missing');
  t.equal(heads(feed(record('response'), bytes('HTTP/1.1 404 Not\tFound \u00e9\r\nContent-Length: 0\r\n\r\n')))[0]!.statusMessage, 'Not\tFound \u00e9');
  const bad = ['HTTP/1.1 20 OK', 'HTTP/2 200 OK', 'HTTX/1.1 200 OK', 'HTTP/1.1 OK'];
  for (const line of bad) t.strictSame(summary(feed(record('response'), bytes(line + '\r\n\r\n'))), ['error 502 YORI_ERR_HTTP_BAD_START_LINE'], line);
  t.strictSame(summary(feed(record('response'), bytes('HTTP/1.1 099 Odd\r\n\r\n'))), ['error 502 YORI_ERR_HTTP_BAD_STATUS']);
  t.strictSame(summary(feed(record('response'), bytes('HTTP/1.1 600 Odd\r\n\r\n'))), ['error 502 YORI_ERR_HTTP_BAD_STATUS']);
  t.strictSame(summary(feed(record('response'), bytes('HTTP/2.0 200 OK\r\n\r\n'))), ['error 502 YORI_ERR_HTTP_VERSION_NOT_SUPPORTED']);
});

t.test('response-side errors are 502 with the side and a clear message', async (t) => {
  const ev = feed(record('response'), bytes('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'));
  t.match(ev, [{ type: 'error', status: 502, side: 'response', code: 'YORI_ERR_HTTP_CONTENT_LENGTH_MISMATCH', message: 'invalid upstream response: two different Content-Length values' }]);
  const truncated = feed(record('response'), bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'), [], true);
  t.strictSame(summary(truncated).slice(1), ['body "abc"', 'error 502 YORI_ERR_HTTP_TRUNCATED']);
});

t.test('upstream response framing rules', async (t) => {
  const cases: [string, string][] = [
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 'YORI_ERR_HTTP_UNSUPPORTED_TRANSFER_CODING'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', 'YORI_ERR_HTTP_LENGTH_AND_CHUNKED'],
    ['HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING'],
    ['HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n', 'YORI_ERR_HTTP_OBS_FOLD'],
  ];
  for (const [input, code] of cases) t.strictSame(summary(feed(record('response'), bytes(input))), [`error 502 ${code}`], JSON.stringify(input));
});

t.test('random multi-way splits of a mixed pipeline give the same messages (seeded)', async (t) => {
  const input = bytes(
    '\r\nPOST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n0123456789' +
      'POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' + chunks('ab', 'c'.repeat(300), '\r\n\r\n') +
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n' +
      'GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
  );
  const expected = summary(feed(record('request'), input));
  t.equal(expected.filter((s) => s === 'end').length, 4);
  let seed = 42;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  for (let run = 0; run < 300; run++) {
    const cuts = new Set<number>();
    const count = 1 + rand(12);
    for (let i = 0; i < count; i++) cuts.add(1 + rand(input.length - 1));
    const got = summary(feed(record('request'), input, [...cuts].sort((a, b) => a - b)));
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      t.strictSame(got, expected, `cuts ${[...cuts].join(',')}`);
      return;
    }
  }
  t.pass('300 random splits agree');
});
