import t from 'tap';
import { encodeChunk, jsonErrorResponse, LAST_CHUNK, removeHopByHop, serializeRequestHead, serializeResponseHead } from '../../lib/http/serialize.js';
import { feed, record, type Event } from './fixtures/record.js';
import type { HeaderPairs } from '../../lib/http/headers.js';

function only<T extends Event['type']>(events: Event[], type: T): Extract<Event, { type: T }>[] {
  return events.filter((e): e is Extract<Event, { type: T }> => e.type === type);
}

t.test('request head round-trips through the parser, bytes included', async (t) => {
  const headers: HeaderPairs = [
    ['Host', 'api.openai.com'],
    ['Content-Type', 'application/json'],
    ['X-Latin1', 'caf\u00e9 \u00ff'],
    ['Content-Length', '2'],
  ];
  const buf = serializeRequestHead('POST', '/v1/chat/completions?a=b', headers);
  t.equal(buf.toString('latin1').split('\r\n')[0], 'POST /v1/chat/completions?a=b HTTP/1.1');
  const ev = feed(record('request'), Buffer.concat([buf, Buffer.from('{}')]));
  const [head] = only(ev, 'head');
  t.equal(head!.head.method, 'POST');
  t.equal(head!.head.url, '/v1/chat/completions?a=b');
  t.strictSame(head!.head.headers, headers);
  t.equal(head!.head.headerBytes, buf.length);
  t.strictSame(only(ev, 'body'), [{ type: 'body', data: '{}' }]);
});

t.test('response head round-trips through the parser', async (t) => {
  const headers: HeaderPairs = [
    ['Content-Type', 'text/event-stream'],
    ['Transfer-Encoding', 'chunked'],
  ];
  const buf = serializeResponseHead(200, 'OK', headers);
  const ev = feed(record('response'), buf);
  const [head] = only(ev, 'head');
  t.equal(head!.head.statusCode, 200);
  t.equal(head!.head.statusMessage, 'OK');
  t.strictSame(head!.head.headers, headers);
  t.equal(only(feed(record('response'), serializeResponseHead(204, '', [])), 'head')[0]!.head.statusMessage, '');
});

t.test('serializers refuse CR, LF, NUL and invalid names (header injection)', async (t) => {
  t.throws(() => serializeRequestHead('GET', '/', [['X', 'a\r\nInjected: 1']]), TypeError);
  t.throws(() => serializeRequestHead('GET', '/', [['X', 'a\0']]), TypeError);
  t.throws(() => serializeRequestHead('GET', '/', [['X', 'a\u010aInjected: 1']]), TypeError, 'U+010A would become LF in latin1');
  t.throws(() => serializeRequestHead('GET', '/', [['X', 'night 🌙']]), TypeError);
  t.throws(() => serializeRequestHead('GET', '/caf\u00e9', []), TypeError);
  t.throws(() => serializeRequestHead('GET', '/', [['Bad Name', 'a']]), TypeError);
  t.throws(() => serializeRequestHead('GET', '/', [['', 'a']]), TypeError);
  t.throws(() => serializeRequestHead('GE T', '/', []), TypeError);
  t.throws(() => serializeRequestHead('GET', '/a b', []), TypeError);
  t.throws(() => serializeRequestHead('GET', '', []), TypeError);
  t.throws(() => serializeResponseHead(200, 'OK\r\nX: 1', []), TypeError);
  t.throws(() => serializeResponseHead(99, 'Low', []), TypeError);
  t.throws(() => serializeResponseHead(200.5, 'OK', []), TypeError);
  t.throws(() => serializeResponseHead(200, 'OK', [['X', 'line\nbreak']]), TypeError);
});

t.test('chunked encoder output is de-chunked by the parser to the same bytes', async (t) => {
  const pieces = [Buffer.from('data: {"x":1}\n\n'), Buffer.alloc(0), Buffer.alloc(70000, 0x62), Buffer.from('é', 'utf8')];
  t.strictSame(encodeChunk(Buffer.alloc(0)), [], 'an empty chunk writes nothing (it would end the body)');
  const data = pieces[0]!;
  const encoded = encodeChunk(data);
  t.equal(encoded[1], data, 'the data itself is not copied');
  const wire = Buffer.concat([
    serializeResponseHead(200, 'OK', [['Transfer-Encoding', 'chunked']]),
    ...pieces.flatMap((p) => encodeChunk(p)),
    LAST_CHUNK,
  ]);
  const ev = feed(record('response'), wire);
  t.equal(only(ev, 'body')[0]!.data, Buffer.concat(pieces).toString('latin1'));
  t.equal(ev[ev.length - 1]!.type, 'end');
  t.equal(LAST_CHUNK.toString(), '0\r\n\r\n');
});

t.test('removeHopByHop drops hop-by-hop fields and those named in Connection', async (t) => {
  const headers: HeaderPairs = [
    ['Host', 'api.openai.com'],
    ['Connection', 'keep-alive, X-Hop'],
    ['Keep-Alive', 'timeout=5'],
    ['X-Hop', 'secret'],
    ['Proxy-Authorization', 'Basic abc'],
    ['Proxy-Connection', 'keep-alive'],
    ['TE', 'trailers'],
    ['Trailer', 'X-Checksum'],
    ['Transfer-Encoding', 'chunked'],
    ['Upgrade', 'websocket'],
    ['Authorization', 'Bearer sk-x'],
    ['Content-Length', '5'],
    ['Proxy', 'not a prefix match'],
  ];
  t.strictSame(removeHopByHop(headers), [
    ['Host', 'api.openai.com'],
    ['Authorization', 'Bearer sk-x'],
    ['Content-Length', '5'],
    ['Proxy', 'not a prefix match'],
  ]);
  t.equal(headers.length, 13, 'the input is not modified');
});

t.test('removeHopByHop with keepUpgrade keeps the WebSocket handshake fields', async (t) => {
  const headers: HeaderPairs = [
    ['Host', 'x'],
    ['Connection', 'Upgrade'],
    ['Upgrade', 'websocket'],
    ['Connection', 'keep-alive'],
    ['Sec-WebSocket-Key', 'abc'],
    ['Keep-Alive', '5'],
  ];
  t.strictSame(removeHopByHop(headers, { keepUpgrade: true }), [
    ['Host', 'x'],
    ['Upgrade', 'websocket'],
    ['Sec-WebSocket-Key', 'abc'],
    ['Connection', 'Upgrade'],
  ]);
  t.strictSame(removeHopByHop([['Upgrade', 'websocket']], { keepUpgrade: true }), [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
  ], 'a 101 without Connection still tells the client which field is hop-by-hop');
});

t.test('jsonErrorResponse is a complete response the parser accepts', async (t) => {
  const message = 'blocked by bedtime policy 🌙 (kids-ipad)';
  const buf = jsonErrorResponse(403, 'policy_blocked', message);
  const rec = record('response');
  const ev = feed(rec, buf);
  const head = only(ev, 'head')[0]!.head;
  t.equal(head.statusCode, 403);
  t.equal(head.statusMessage, 'Forbidden');
  t.equal(head.keepAlive, false, 'Connection: close');
  t.match(head.headers, [['Content-Type', 'application/json']]);
  const body = Buffer.from(only(ev, 'body')[0]!.data, 'latin1');
  t.equal(head.contentLength, body.length, 'Content-Length counts UTF-8 bytes');
  t.strictSame(JSON.parse(body.toString('utf8')), { error: { type: 'policy_blocked', message } });
  t.equal(ev[ev.length - 1]!.type, 'end');

  const open = only(feed(record('response'), jsonErrorResponse(502, 'upstream_error', 'x', { close: false })), 'head')[0]!.head;
  t.equal(open.keepAlive, true);
  t.equal(open.statusMessage, 'Bad Gateway');
  t.equal(only(feed(record('response'), jsonErrorResponse(599, 't', 'm')), 'head')[0]!.head.statusMessage, '', 'unknown status: empty reason');
});
