/**
 * SPEC §1 strict framing: each smuggling-shaped request is refused with the right status, and
 * nothing of it reaches the handlers (no head, no body, no next message), whether it arrives
 * in one buffer or byte by byte.
 */
import t from 'tap';
import { bytes, feed, record, summary, type TapTest } from './fixtures/record.js';

/** A request that would smuggle a second one if the refused message were forwarded. */
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';

function refuses(t: TapTest, head: string, status: number, code: string, body = '0\r\n\r\n'): void {
  const input = bytes(head + body + SMUGGLED);
  const expected = [`error ${status} ${code}`];
  const whole = record('request');
  feed(whole, input);
  t.strictSame(summary(whole.events), expected, JSON.stringify(head));
  whole.parser.resume();
  whole.parser.execute(bytes(SMUGGLED));
  t.strictSame(summary(whole.events), expected, 'nothing after the error');
  const single = record('request');
  feed(single, input, Array.from({ length: input.length }, (_, i) => i));
  t.strictSame(summary(single.events), expected, 'byte by byte');
}

const REQ = 'POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n';

t.test('two different Content-Length values', async (t) => {
  refuses(t, REQ + 'Content-Length: 5\r\nContent-Length: 6\r\n\r\n', 400, 'YORI_ERR_HTTP_CONTENT_LENGTH_MISMATCH', 'hello!');
  refuses(t, REQ + 'Content-Length: 5\r\nX: y\r\ncontent-length: 50\r\n\r\n', 400, 'YORI_ERR_HTTP_CONTENT_LENGTH_MISMATCH', 'hello');
  refuses(t, REQ + 'Content-Length: 5\r\nContent-Length: five\r\n\r\n', 400, 'YORI_ERR_HTTP_CONTENT_LENGTH_MISMATCH', 'hello');
});

t.test('identical duplicate Content-Length values are merged', async (t) => {
  const rec = record('request');
  feed(rec, bytes(REQ + 'Content-Length: 5\r\nContent-Length: 5\r\nContent-Length: 005\r\n\r\nhello'));
  t.strictSame(summary(rec.events).slice(1), ['body "hello"', 'end']);
});

t.test('Content-Length that is not plain digits', async (t) => {
  for (const v of ['+5', '-1', '5.0', '0x5', '1e3', '5, 5', '5 5', '', '\u00b2']) {
    refuses(t, REQ + `Content-Length: ${v}\r\n\r\n`, 400, 'YORI_ERR_HTTP_BAD_CONTENT_LENGTH', 'hello');
  }
  refuses(t, REQ + 'Content-Length: 99999999999999999999\r\n\r\n', 413, 'YORI_ERR_HTTP_CONTENT_LENGTH_TOO_LARGE', 'hello');
});

t.test('Transfer-Encoding that does not end in chunked, or is not only chunked', async (t) => {
  refuses(t, REQ + 'Transfer-Encoding: gzip\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING');
  refuses(t, REQ + 'Transfer-Encoding: chunked, gzip\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING');
  refuses(t, REQ + 'Transfer-Encoding: identity\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING');
  refuses(t, REQ + 'Transfer-Encoding:\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING');
  refuses(t, REQ + 'Transfer-Encoding: xchunked\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING');
  refuses(t, REQ + 'Transfer-Encoding: chunked\u00a0\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING');
  refuses(t, REQ + 'Transfer-Encoding: "chunked"\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING');
  refuses(t, REQ + 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING');
  refuses(t, REQ + 'Transfer-Encoding: gzip, chunked\r\n\r\n', 501, 'YORI_ERR_HTTP_UNSUPPORTED_TRANSFER_CODING');
  refuses(t, REQ + 'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n', 501, 'YORI_ERR_HTTP_UNSUPPORTED_TRANSFER_CODING');
  refuses(t, 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING');
});

t.test('Transfer-Encoding list syntax: case and empty elements', async (t) => {
  const rec = record('request');
  feed(rec, bytes(REQ + 'Transfer-Encoding: , CHUNKED ,\r\n\r\n3\r\nabc\r\n0\r\n\r\n'));
  t.strictSame(summary(rec.events).slice(1), ['body "abc"', 'end']);
});

t.test('Content-Length together with Transfer-Encoding is refused', async (t) => {
  refuses(t, REQ + 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'YORI_ERR_HTTP_LENGTH_AND_CHUNKED');
  refuses(t, REQ + 'Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n', 400, 'YORI_ERR_HTTP_LENGTH_AND_CHUNKED');
});

t.test('whitespace between a field name and its colon', async (t) => {
  refuses(t, REQ + 'Transfer-Encoding : chunked\r\n\r\n', 400, 'YORI_ERR_HTTP_SPACE_BEFORE_COLON');
  refuses(t, REQ + 'Content-Length\t: 5\r\n\r\n', 400, 'YORI_ERR_HTTP_SPACE_BEFORE_COLON', 'hello');
  refuses(t, REQ + 'Host : evil\r\n\r\n', 400, 'YORI_ERR_HTTP_SPACE_BEFORE_COLON', '');
});

t.test('obs-fold is refused', async (t) => {
  refuses(t, REQ + 'Transfer-Encoding:\r\n chunked\r\n\r\n', 400, 'YORI_ERR_HTTP_OBS_FOLD');
  refuses(t, REQ + 'X-Long: a\r\n\tb\r\nContent-Length: 0\r\n\r\n', 400, 'YORI_ERR_HTTP_OBS_FOLD', '');
  refuses(t, 'GET / HTTP/1.1\r\n Host: x\r\n\r\n', 400, 'YORI_ERR_HTTP_OBS_FOLD', '');
});

t.test('CR, LF, NUL and other control bytes inside a field value', async (t) => {
  refuses(t, REQ + 'X: a\0b\r\nContent-Length: 0\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_FIELD_VALUE', '');
  refuses(t, REQ + 'X: a\rTransfer-Encoding: chunked\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_FIELD_VALUE');
  refuses(t, REQ + 'X: a\nTransfer-Encoding: chunked\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_LINE_ENDING');
  refuses(t, REQ + 'X: a\u0001\r\nContent-Length: 0\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_FIELD_VALUE', '');
  refuses(t, REQ + 'X: a\u007f\r\nContent-Length: 0\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_FIELD_VALUE', '');
  refuses(t, REQ + 'Content-Length: 0\r\n\n', 400, 'YORI_ERR_HTTP_BAD_LINE_ENDING', '');
  refuses(t, REQ + 'Content-Length: 0\r\n\r\r\n', 400, 'YORI_ERR_HTTP_BAD_LINE_ENDING', '');
  refuses(t, REQ + 'X: a\r\rContent-Length: 0\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_FIELD_VALUE', '');
});

t.test('malformed field names', async (t) => {
  refuses(t, REQ + ': empty\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_FIELD_NAME', '');
  refuses(t, REQ + 'X(y): 1\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_FIELD_NAME', '');
  refuses(t, REQ + 'X-\u00e9: 1\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_FIELD_NAME', '');
  refuses(t, REQ + '\u00e9X: 1\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_FIELD_NAME', '');
  refuses(t, REQ + 'NoColon\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_FIELD_NAME', '');
  refuses(t, REQ + 'NoColon\n\r\n', 400, 'YORI_ERR_HTTP_BAD_FIELD_NAME', '');
  refuses(t, REQ + '\nX: 1\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_LINE_ENDING', '');
});

t.test('malformed request lines', async (t) => {
  const lines = ['GET  / HTTP/1.1', 'GET / HTTP/1.1 ', 'GET /a b HTTP/1.1', 'GET\t/ HTTP/1.1', '/ HTTP/1.1', 'GET / HTTP/1', 'GET / HTTP/1.10', 'GET / http/1.1', 'GET /'];
  for (const line of lines) refuses(t, line + '\r\nHost: x\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_START_LINE', '');
  refuses(t, 'GET / HTTP/1.1\nHost: x\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_LINE_ENDING', '');
  refuses(t, 'GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_START_LINE', '');
  refuses(t, 'GET / HTTP/1.1\rHost: x\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_LINE_ENDING', '');
  refuses(t, '\r\rGET / HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_LINE_ENDING', '');
});

t.test('Host: required once in HTTP/1.1', async (t) => {
  refuses(t, 'GET / HTTP/1.1\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_HOST', '');
  refuses(t, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_HOST', '');
  refuses(t, 'GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n', 400, 'YORI_ERR_HTTP_BAD_HOST', '');
});

// Chunk-level violations come after the head was delivered; nothing after them may fire.
function refusesBody(t: TapTest, body: string, code: string, bodySeen: string | null = null): void {
  const head = REQ + 'Transfer-Encoding: chunked\r\n\r\n';
  const input = bytes(head + body + SMUGGLED);
  for (const cuts of [[], Array.from({ length: input.length }, (_, i) => i)]) {
    const s = summary(feed(record('request'), input, cuts));
    const expected = bodySeen === null ? [`error 400 ${code}`] : [`body ${JSON.stringify(bodySeen)}`, `error 400 ${code}`];
    t.strictSame(s.slice(1), expected, `${JSON.stringify(body)} ${cuts.length ? 'byte by byte' : 'whole'}`);
  }
}

t.test('chunk size overflow and malformed chunk framing', async (t) => {
  refusesBody(t, 'fffffffffffffffffff\r\n', 'YORI_ERR_HTTP_CHUNK_SIZE_OVERFLOW');
  refusesBody(t, '100000000000000\r\n', 'YORI_ERR_HTTP_CHUNK_SIZE_OVERFLOW');
  refusesBody(t, '0x5\r\nhello\r\n0\r\n\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, '-1\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, '+5\r\nhello\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, '\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, ' 5\r\nhello\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, '5 \r\nhello\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, '5 x\r\nhello\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, '5\nhello\r\n0\r\n\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, '5\r\rhello\r\n0\r\n\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, '5;x\r\rhello\r\n0\r\n\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, '5;a=\0\r\nhello\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, '5;' + 'e'.repeat(20000) + '\r\nhello\r\n', 'YORI_ERR_HTTP_BAD_CHUNK');
  refusesBody(t, '5\r\nhelloXX\r\n0\r\n\r\n', 'YORI_ERR_HTTP_BAD_CHUNK', 'hello');
  refusesBody(t, '5\r\nhello\rX0\r\n\r\n', 'YORI_ERR_HTTP_BAD_CHUNK', 'hello');
  refusesBody(t, '5\r\nhello\n0\r\n\r\n', 'YORI_ERR_HTTP_BAD_CHUNK', 'hello');
  refusesBody(t, '0\r\nX : y\r\n\r\n', 'YORI_ERR_HTTP_SPACE_BEFORE_COLON');
  refusesBody(t, '0\r\nX: a\0\r\n\r\n', 'YORI_ERR_HTTP_BAD_FIELD_VALUE');
  refusesBody(t, '0\r\n\n', 'YORI_ERR_HTTP_BAD_LINE_ENDING');
});

t.test('the largest safe chunk size is accepted (and then waits for its data)', async (t) => {
  const rec = record('request');
  feed(rec, bytes(REQ + 'Transfer-Encoding: chunked\r\n\r\n0000000000001fffffffffffff\r\nabc'));
  t.strictSame(summary(rec.events).slice(1), ['body "abc"']);
});

t.test('a valid request after all of this still parses (sanity)', async (t) => {
  const rec = record('request');
  feed(rec, bytes(REQ + 'Content-Length: 2\r\n\r\n{}' + SMUGGLED));
  t.strictSame(
    summary(rec.events).map((s) => s.split(' HTTP')[0]),
    ['head POST /v1/chat/completions', 'body "{}"', 'end', 'head GET /smuggled', 'end'],
  );
});
