import t from 'tap';
import { parseClientHello } from '../../lib/net/clienthello.js';
import { alpnExtension, buildClientHello, captureClientHello, extension, helloMessage, records, sniExtension } from './hello-fixtures.js';

t.test('reads SNI and ALPN from a real OpenSSL ClientHello', async (t) => {
  const bytes = await captureClientHello({ servername: 'api.openai.com', ALPNProtocols: ['h2', 'http/1.1'] });
  const r = parseClientHello(bytes);
  t.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  t.equal(r.hello.serverName, 'api.openai.com');
  t.same(r.hello.alpn, ['h2', 'http/1.1']);
  t.equal(r.hello.length, bytes.length);
});

t.test('a real ClientHello without SNI parses with serverName null', async (t) => {
  const bytes = await captureClientHello({});
  const r = parseClientHello(bytes);
  t.equal(r.status, 'ok');
  if (r.status === 'ok') t.equal(r.hello.serverName, null);
});

t.test('every strict prefix of a ClientHello asks for more bytes', async (t) => {
  const bytes = buildClientHello({ sni: 'api.anthropic.com', alpn: ['http/1.1'] });
  for (let n = 0; n < bytes.length; n++) {
    const r = parseClientHello(bytes.subarray(0, n));
    if (r.status !== 'more') t.fail(`prefix ${n} gave ${r.status}`);
  }
  t.equal(parseClientHello(bytes).status, 'ok');
});

t.test('a handshake message fragmented over many records is reassembled', async (t) => {
  const bytes = buildClientHello({ sni: 'generativelanguage.googleapis.com', alpn: ['http/1.1'], recordSize: 7 });
  const r = parseClientHello(bytes);
  t.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  t.equal(r.hello.serverName, 'generativelanguage.googleapis.com');
  t.same(r.hello.alpn, ['http/1.1']);
  t.equal(r.hello.length, bytes.length);
  for (let n = 0; n < bytes.length; n += 5) {
    t.equal(parseClientHello(bytes.subarray(0, n)).status, 'more');
  }
});

t.test('a 3-byte first fragment (header split across records) is reassembled', async (t) => {
  const msg = helloMessage({ sni: 'x.example' });
  const bytes = Buffer.concat([records(msg.subarray(0, 3)), records(msg.subarray(3))]);
  const r = parseClientHello(bytes);
  t.equal(r.status, 'ok');
  if (r.status === 'ok') t.equal(r.hello.serverName, 'x.example');
});

t.test('normalizes the host name: lower case, trailing dot removed', async (t) => {
  const r = parseClientHello(buildClientHello({ sni: 'API.OpenAI.COM.' }));
  t.equal(r.status === 'ok' && r.hello.serverName, 'api.openai.com');
});

t.test('hellos without extensions, with an empty SNI, with unknown extensions', async (t) => {
  const none = parseClientHello(buildClientHello({ noExtensions: true }));
  t.same(none.status === 'ok' && none.hello, { serverName: null, alpn: [], length: buildClientHello({ noExtensions: true }).length });
  const empty = parseClientHello(buildClientHello({ extensions: [extension(0, Buffer.alloc(0))] }));
  t.equal(empty.status === 'ok' && empty.hello.serverName, null);
  const unknown = parseClientHello(buildClientHello({ sni: 'a.b', extensions: [extension(0xfe0d, Buffer.alloc(40, 1)), extension(21, Buffer.alloc(0))] }));
  t.equal(unknown.status === 'ok' && unknown.hello.serverName, 'a.b');
  // A server_name list with only a non-host_name entry carries no host.
  const otherType = extension(0, Buffer.from([0, 4, 9, 0, 1, 0x61]));
  const other = parseClientHello(buildClientHello({ extensions: [otherType] }));
  t.equal(other.status === 'ok' && other.hello.serverName, null);
});

/** Expects `malformed` with a matching reason (never an exception). */
function malformedReason(bytes: Buffer): string | null {
  const r = parseClientHello(bytes);
  return r.status === 'malformed' ? r.reason : null;
}

t.test('garbage and broken hellos are malformed, never thrown', async (t) => {
  const expectMalformed = (name: string, bytes: Buffer, reason: RegExp) => t.match(malformedReason(bytes), reason, name);
  expectMalformed('plain HTTP', Buffer.from('GET / HTTP/1.1\r\n'), /not a TLS handshake/);
  expectMalformed('SSLv2 framing', Buffer.from([0x80, 0x2e, 0x01]), /not a TLS handshake/);
  expectMalformed('bad version', Buffer.from([0x16, 0x07, 0x01, 0, 5]), /record version/);
  expectMalformed('empty record', Buffer.from([0x16, 3, 1, 0, 0]), /empty handshake record/);
  expectMalformed('record too long', Buffer.from([0x16, 3, 1, 0x48, 0x01]), /record too long/);

  const msg = helloMessage({ sni: 'a.example' });
  const notHello = Buffer.from(msg);
  notHello[0] = 2;
  expectMalformed('server hello', records(notHello), /not a ClientHello/);

  const twoRecords = records(msg, 10);
  const alert = Buffer.from(twoRecords);
  alert[15] = 0x15; // second record turned into an alert
  expectMalformed('alert mid-hello', alert, /non-handshake record/);
  const badVer2 = Buffer.from(twoRecords);
  badVer2[16] = 0x09;
  expectMalformed('bad version in later record', badVer2, /record version/);

  // Body-level corruption: rebuild the message with a patched body.
  const body = msg.subarray(4);
  const patch = (mut: (b: Buffer) => Buffer) => {
    const nb = mut(Buffer.from(body));
    const head = Buffer.from([1, 0, 0, 0]);
    head.writeUIntBE(nb.length, 1, 3);
    return records(Buffer.concat([head, nb]));
  };
  expectMalformed('truncated body', patch((b) => b.subarray(0, 20)), /truncated ClientHello/);
  expectMalformed('session id > 32', patch((b) => { b[34] = 33; return b; }), /session id too long/);
  expectMalformed('no cipher suites bytes', patch((b) => b.subarray(0, 36)), /truncated cipher suites/);
  expectMalformed('odd cipher length', patch((b) => { b.writeUInt16BE(3, 35); return b; }), /cipher suites length/);
  expectMalformed('cut in compression', patch((b) => b.subarray(0, 41)), /truncated compression/);
  expectMalformed('compression overrun', patch((b) => { b[41] = 200; return b.subarray(0, 50); }), /truncated compression/);
  expectMalformed('zero compression methods', patch((b) => { b[41] = 0; return b; }), /no compression method/);
  expectMalformed('one byte of extensions length', patch((b) => b.subarray(0, 44)), /truncated extensions/);
  expectMalformed('extensions length mismatch', patch((b) => { b.writeUInt16BE(b.readUInt16BE(43) + 1, 43); return b; }), /does not match/);
  expectMalformed('truncated extension header', buildClientHello({ extensions: [Buffer.from([0, 1])] }), /truncated extension header/);
  expectMalformed('extension overrun', buildClientHello({ extensions: [Buffer.from([0, 1, 0, 9, 1])] }), /overruns the message/);
});

t.test('SNI and ALPN extension contents are bounds-checked', async (t) => {
  const bad = (name: string, ext: Buffer, reason: RegExp) => t.match(malformedReason(buildClientHello({ extensions: [ext] })), reason, name);
  bad('list length off', extension(0, Buffer.from([0, 9, 0, 0, 1, 0x61])), /server_name list length/);
  bad('one byte list', extension(0, Buffer.from([0])), /server_name list length/);
  bad('short entry', extension(0, Buffer.from([0, 2, 0, 0])), /truncated server_name entry/);
  bad('entry overrun', extension(0, Buffer.from([0, 4, 0, 0, 9, 0x61])), /overruns the extension/);
  bad('two host names', extension(0, Buffer.from([0, 8, 0, 0, 1, 0x61, 0, 0, 1, 0x62])), /more than one host_name/);
  bad('empty host', sniExtension(''), /not a valid hostname/);
  bad('just a dot', sniExtension('.'), /not a valid hostname/);
  bad('bad chars', sniExtension('evil host\r\n'), /not a valid hostname/);
  bad('empty label', sniExtension('a..b'), /not a valid hostname/);
  bad('long label', sniExtension('a'.repeat(64) + '.com'), /not a valid hostname/);
  bad('long name', sniExtension(('a'.repeat(60) + '.').repeat(5)), /not a valid hostname/);
  bad('duplicate sni', Buffer.concat([sniExtension('a.b'), sniExtension('c.d')]), /duplicate server_name/);
  bad('duplicate alpn', Buffer.concat([alpnExtension(['h2']), alpnExtension(['h2'])]), /duplicate ALPN/);
  bad('alpn list length', extension(16, Buffer.from([0, 5, 2, 0x68])), /ALPN list length/);
  bad('alpn empty list', extension(16, Buffer.from([0, 0])), /empty ALPN list/);
  bad('alpn empty name', extension(16, Buffer.from([0, 1, 0])), /empty ALPN protocol name/);
  bad('alpn overrun', extension(16, Buffer.from([0, 2, 5, 0x68])), /overruns the extension/);
});
