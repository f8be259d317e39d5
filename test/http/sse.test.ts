import t from 'tap';
import { SseParser, type SseEvent } from '../../lib/http/sse.js';
import type { TapTest } from './fixtures/record.js';

function parse(chunks: (string | Buffer)[], opts?: { maxEventBytes?: number }): { events: SseEvent[]; parser: SseParser } {
  const events: SseEvent[] = [];
  const parser = new SseParser((ev) => events.push(ev), opts);
  for (const c of chunks) parser.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  return { events, parser };
}

/** Every way of cutting `input` in two, plus one byte at a time, must give `expected`. */
function checkAllSplits(t: TapTest, input: Buffer, expected: SseEvent[]): void {
  t.strictSame(parse([input]).events, expected, 'whole');
  for (let cut = 1; cut < input.length; cut++) {
    const got = parse([input.subarray(0, cut), input.subarray(cut)]).events;
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      t.strictSame(got, expected, `cut at ${cut}`);
      return;
    }
  }
  const single: Buffer[] = [];
  for (let i = 0; i < input.length; i++) single.push(input.subarray(i, i + 1));
  t.strictSame(parse(single).events, expected, 'byte by byte');
}

t.test('dispatches an event on the blank line, with data, type and id', async (t) => {
  const { events } = parse(['event: delta\nid: 7\ndata: {"a":1}\n\n']);
  t.strictSame(events, [{ event: 'delta', data: '{"a":1}', id: '7' }]);
});

t.test('joins multi-line data with LF and strips exactly one leading space', async (t) => {
  const { events } = parse(['data: one\ndata:two\ndata:  three\ndata\n\n']);
  t.strictSame(events, [{ event: null, data: 'one\ntwo\n three\n', id: null }]);
});

t.test('accepts CRLF, LF and CR line endings, mixed', async (t) => {
  const { events } = parse(['data: a\r\n\r\ndata: b\n\ndata: c\r\rdata: d\r\ndata: e\n\r\n']);
  t.strictSame(
    events.map((e) => e.data),
    ['a', 'b', 'c', 'd\ne'],
  );
});

t.test('ignores comments, retry and unknown fields; no data means no event', async (t) => {
  const { events } = parse([': keep-alive\n\nretry: 100\nfoo: bar\n\nevent: ping\n\ndata: x\n\n']);
  t.strictSame(events, [{ event: null, data: 'x', id: null }], 'the ping without data is not dispatched and its type does not leak');
});

t.test('id persists across events, an empty id resets it, an id with NUL is ignored', async (t) => {
  const { events } = parse(['id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\n']);
  t.strictSame(
    events.map((e) => e.id),
    ['1', '1', '1', ''],
  );
});

t.test('an empty event field means the default type (null)', async (t) => {
  const { events } = parse(['event:\ndata: a\n\n']);
  t.equal(events[0]!.event, null);
});

t.test('strips a leading BOM, even split across chunks, but only at stream start', async (t) => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const input = Buffer.concat([bom, Buffer.from('data: a\n\n')]);
  const { events } = parse([input.subarray(0, 1), input.subarray(1, 2), input.subarray(2)]);
  t.strictSame(events, [{ event: null, data: 'a', id: null }]);
  const second = parse(['data: a\n\n', Buffer.concat([bom, Buffer.from('data: b\n\n')])]).events;
  t.equal(second.length, 1, 'a BOM later in the stream is part of a field name, so the line is ignored');
});

t.test('decodes UTF-8 split inside a multi-byte character', async (t) => {
  const input = Buffer.from('data: héllo 🌍 世界\n\n', 'utf8');
  checkAllSplits(t, input, [{ event: null, data: 'héllo 🌍 世界', id: null }]);
});

t.test('a CR at a chunk end followed by LF in the next chunk is one line break', async (t) => {
  const { events } = parse(['data: a\r', '\ndata: b\r', '\n\r', '\n']);
  t.strictSame(events, [{ event: null, data: 'a\nb', id: null }]);
  const empty = parse(['data: a\r', Buffer.alloc(0), '\n\r\n']).events;
  t.strictSame(empty.map((e) => e.data), ['a'], 'an empty chunk keeps the pending CR');
});

t.test('provider-shaped streams give the same events for every split', async (t) => {
  const openai = Buffer.from(
    'data: {"id":"c1","choices":[{"delta":{"content":"Hal"}}]}\n\n' +
      'data: {"id":"c1","choices":[{"delta":{"content":"lö"}}]}\n\n' +
      'data: {"id":"c1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2}}\n\n' +
      'data: [DONE]\n\n',
  );
  checkAllSplits(t, openai, [
    { event: null, data: '{"id":"c1","choices":[{"delta":{"content":"Hal"}}]}', id: null },
    { event: null, data: '{"id":"c1","choices":[{"delta":{"content":"lö"}}]}', id: null },
    { event: null, data: '{"id":"c1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2}}', id: null },
    { event: null, data: '[DONE]', id: null },
  ]);
  const anthropic = Buffer.from(
    'event: message_start\r\ndata: {"type":"message_start"}\r\n\r\n' +
      'event: ping\r\ndata: {"type": "ping"}\r\n\r\n' +
      ': comment\r\n' +
      'event: message_delta\r\ndata: {"type":"message_delta","usage":{"output_tokens":15}}\r\n\r\n',
  );
  checkAllSplits(t, anthropic, [
    { event: 'message_start', data: '{"type":"message_start"}', id: null },
    { event: 'ping', data: '{"type": "ping"}', id: null },
    { event: 'message_delta', data: '{"type":"message_delta","usage":{"output_tokens":15}}', id: null },
  ]);
});

t.test('end() discards an incomplete event and the parser can be reused', async (t) => {
  const { events, parser } = parse(['data: complete\n\ndata: partial\n', 'data: more']);
  parser.end();
  t.strictSame(events.map((e) => e.data), ['complete']);
  parser.push(Buffer.from('\n\ndata: next\n\n'));
  t.strictSame(events.map((e) => e.data), ['complete', 'next'], 'the cut line did not join the next stream');
});

t.test('an event over maxEventBytes is dropped and counted; the next one is delivered', async (t) => {
  const big = 'x'.repeat(200);
  const { events, parser } = parse([`data: small\n\ndata: ${big}\ndata: more\n\ndata: after\n\n`], { maxEventBytes: 100 });
  t.strictSame(events.map((e) => e.data), ['small', 'after']);
  t.equal(parser.droppedEvents, 1);
});

t.test('an oversized line arriving in many chunks is dropped without keeping its bytes', async (t) => {
  const events: SseEvent[] = [];
  const parser = new SseParser((ev) => events.push(ev), { maxEventBytes: 1024 });
  parser.push(Buffer.from('event: huge\ndata: '));
  const piece = Buffer.alloc(64 * 1024, 0x61);
  for (let i = 0; i < 64; i++) parser.push(piece); // 4 MiB line
  parser.push(Buffer.from('tail\n'));
  parser.push(Buffer.from('\n'));
  parser.push(Buffer.from('data: ok\n\n'));
  t.strictSame(events, [{ event: null, data: 'ok', id: null }], 'the dropped event type does not leak into the next event');
  t.equal(parser.droppedEvents, 1);
});

t.test('while dropping, a line break right at a chunk start ends the long line, not the event', async (t) => {
  const { events, parser } = parse(['data: ' + 'y'.repeat(50), '\ndata: still the same event\n', '\ndata: next\n\n'], { maxEventBytes: 20 });
  t.strictSame(events.map((e) => e.data), ['next']);
  t.equal(parser.droppedEvents, 1);
});

t.test('the bound counts the whole event, not just one line', async (t) => {
  const lines = Array.from({ length: 20 }, (_, i) => `data: line${i}\n`).join('');
  const { events, parser } = parse([lines + '\ndata: fits\n\n'], { maxEventBytes: 64 });
  t.strictSame(events.map((e) => e.data), ['fits']);
  t.equal(parser.droppedEvents, 1);
});
