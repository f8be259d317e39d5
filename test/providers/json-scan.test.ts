import t from 'tap';
import type { JsonObject } from '../../lib/providers/collect.js';
import { JsonRecordScanner } from '../../lib/providers/json-scan.js';
import { bytewise } from './fixtures/harness.js';

function scan(keys: string[], chunks: (string | Buffer)[]): { records: [JsonObject, boolean][]; failed: boolean } {
  const records: [JsonObject, boolean][] = [];
  const s = new JsonRecordScanner(new Set(keys), (rec, whole) => records.push([rec, whole]));
  for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c) : c);
  return { records, failed: s.failed };
}

t.test('a top-level object is one whole record holding only wanted values', async (t) => {
  const r = scan(['n', 's', 'b'], ['{"a":{"n":1,"x":2,"s":"hi","b":true,"z":null},"n":-2.5e1,"arr":[{"n":7}],"s":"top"}']);
  t.same(r, { records: [[{ a: { n: 1, s: 'hi', b: true }, n: -25, arr: [{ n: 7 }], s: 'top' }, true]], failed: false });
});

t.test('elements of a top-level array are records, not whole', async (t) => {
  const r = scan(['n'], ['[{"n":1},\n{"n":2}\n,\r\n{"m":3}, 4, "x", [5], {}]']);
  t.same(r.records, [[{ n: 1 }, false], [{ n: 2 }, false], [{}, false], [{}, false]]);
  t.notOk(r.failed);
  t.same(scan(['n'], ['[]', '[ ]', '[1,]']).records, [], 'empty and trailing-comma arrays');
});

t.test('NDJSON and concatenated values are successive whole records', async (t) => {
  const r = scan(['n'], ['{"n":1}\n{"n":2}{"n":3} 17 "s" true\n{"n":4}\n']);
  t.same(r.records.map(([rec]) => rec.n), [1, 2, 3, 4]);
  t.ok(r.records.every(([, whole]) => whole));
});

t.test('string values: escapes decoded, over-long ones dropped, keys with escapes never match', async (t) => {
  const r = scan(['v', 'w', 'k'], ['{"v":"a\\"b\\u00e9\\n","w":"', 'x'.repeat(300), '","k\\u0065y":"q","k":"ok"}']);
  t.same(r.records, [[{ v: 'a"bé\n', k: 'ok' }, true]]);
  const long = scan(['v'], [`{"${'k'.repeat(200)}":1,"v":"${'é'.repeat(100)}"}`]);
  t.same(long.records, [[{ v: 'é'.repeat(100) }, true]], 'multi-byte string at the cap');
  t.same(scan(['v'], ['{"v":"bad \\x escape"}']).records, [[{}, true]], 'an invalid escape is dropped');
});

t.test('every split point and bytewise feeding give the same records', async (t) => {
  const doc = Buffer.from('[{"finishReason":"STÖP \\"😀\\"","usage":{"n":12,"t":true},"text":"a\\\\\\"b ✨ \\u2603"},\n{"x":[1,{"n":3}],"n":-0.5}]');
  const expected = scan(['finishReason', 'n', 't'], [doc]);
  t.same(expected.records, [
    [{ finishReason: 'STÖP "😀"', usage: { n: 12, t: true } }, false],
    [{ x: [undefined, { n: 3 }], n: -0.5 }, false],
  ]);
  for (let i = 0; i <= doc.length; i++) {
    const r = scan(['finishReason', 'n', 't'], [doc.subarray(0, i), doc.subarray(i)]);
    if (JSON.stringify(r) !== JSON.stringify(expected)) t.fail(`split at ${i}: ${JSON.stringify(r)}`);
  }
  t.same(scan(['finishReason', 'n', 't'], bytewise(doc)), expected);
});

t.test('invalid JSON stops the scan', async (t) => {
  for (const bad of ['<html>', '{"a" 1}', '{1:2}', '{"a":1 "b":2}', '[1 2]', '{"a":tru}', '{"a":-}', '{"a":1]', '[1}', '{"a":1}}']) {
    const r = scan(['a'], [bad]);
    t.ok(r.failed, bad);
  }
  const r = scan(['a'], ['{"a":1} <', '{"a":2}']);
  t.same(r.records, [[{ a: 1 }, true]], 'records before the error stay; nothing after');
  t.ok(scan([], ['['.repeat(300)]).failed, 'nesting deeper than the limit');
});

t.test('bounded: __proto__ is never written, values per record are capped', async (t) => {
  const r = scan(['__proto__', 'polluted', 'n'], ['{"__proto__":{"polluted":1},"a":{"__proto__":2},"n":1}']);
  t.same(r.records, [[{ n: 1 }, true]]);
  t.equal(({} as Record<string, unknown>).polluted, undefined);
  const many = `{"list":[${Array.from({ length: 3000 }, () => '{"n":1}').join(',')}],"n":2}`;
  const capped = scan(['n'], [many]);
  const rec = capped.records[0]![0] as { list: unknown[]; n?: number };
  t.equal(rec.list.filter(Boolean).length, 1024);
  t.equal(rec.n, undefined, 'values past the cap are dropped');
  const longNumber = scan(['n'], [`{"n":${'1'.repeat(100)}}`]);
  t.same(longNumber, { records: [[{}, true]], failed: false }, 'an over-long number is skipped, not an error');
});
