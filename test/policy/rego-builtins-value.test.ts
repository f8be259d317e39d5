import t from 'tap';
import {
  RegoObject,
  RegoSet,
  compare,
  compareStrings,
  equals,
  formatFloatG,
  formatNumber,
  formatValue,
  fromJSON,
  goQuote,
  isInteger,
  jsonQuote,
  keyOf,
  normInt,
  numAdd,
  numDiv,
  numMul,
  numRem,
  numSub,
  parseNumber,
  stringifyJSON,
  toJSON,
  typeName,
  type Value,
} from '../../lib/policy/rego/value.js';

t.test('typeName covers every kind', async (t) => {
  const cases: [Value, string][] = [
    [null, 'null'],
    [true, 'boolean'],
    [1, 'number'],
    [2n ** 64n, 'number'],
    ['s', 'string'],
    [[], 'array'],
    [new RegoObject(), 'object'],
    [new RegoSet(), 'set'],
  ];
  for (const [v, n] of cases) t.equal(typeName(v), n);
});

t.test('numbers keep one representation per integer', async (t) => {
  t.equal(normInt(5n), 5);
  t.equal(normInt(2n ** 60n), 2n ** 60n);
  t.equal(parseNumber('1e30'), 10n ** 30n);
  t.equal(parseNumber('1.50'), 1.5);
  t.equal(parseNumber('-12'), -12);
  t.equal(parseNumber('1.5e1'), 15);
  t.equal(parseNumber('123456789012345678901234'), 123456789012345678901234n);
  t.equal(parseNumber('2.5e-3'), 0.0025);
  t.equal(parseNumber('abc'), undefined);
  t.ok(isInteger(3) && isInteger(3n) && !isInteger(3.5) && !isInteger('3' as Value));
  t.equal(fromJSON(2 ** 60), 2n ** 60n, 'integral doubles beyond 2^53 become bigint');
  t.equal(fromJSON(-0), 0);
});

t.test('arithmetic is exact on integers', async (t) => {
  t.equal(numAdd(18446744073709551617n, 1), 18446744073709551618n);
  t.equal(numAdd(1.5, 2.5), 4);
  t.equal(numAdd(Number.MAX_SAFE_INTEGER, 1), 2n ** 53n);
  t.equal(numSub(-18446744073709551617n, 1), -18446744073709551618n);
  t.equal(numSub(2 ** 53 + 2 - 2, -2), 2n ** 53n + 2n);
  t.equal(numMul(18446744073709551617n, 2), 36893488147419103234n);
  t.equal(numMul(2.5, 2), 5);
  t.equal(numMul(2 ** 40, 2 ** 40), 2n ** 80n);
  t.equal(numDiv(10n ** 30n, 10n ** 10n), 10n ** 20n);
  t.equal(numDiv(10n ** 30n, 7), BigInt(1e30 / 7), "an integral quotient beyond 2^53 is a bigint");
  t.equal(numDiv(1, 4), 0.25);
  t.equal(numRem(7, 4), 3);
  t.equal(numRem(-7, 4), -3);
  t.equal(numRem(18446744073709551617n, 18446744073709551616n), 1);
});

t.test('number formatting follows Go', async (t) => {
  t.equal(formatNumber(5), '5');
  t.equal(formatNumber(2n ** 64n), '18446744073709551616');
  t.equal(formatNumber(1e300), BigInt(1e300).toString());
  t.equal(formatNumber(3.14), '3.14');
  t.equal(formatNumber(1234567.5), '1.2345675e+06');
  t.equal(formatNumber(0.00001), '1e-05');
  t.equal(formatNumber(Infinity), 'Infinity');
  t.equal(formatFloatG(NaN), 'NaN');
  t.equal(formatFloatG(-Infinity), '-Inf');
  t.equal(formatFloatG(Infinity), '+Inf');
  t.equal(formatFloatG(0), '0');
  t.equal(formatFloatG(-0), '-0');
  t.equal(formatFloatG(1.5e-300), '1.5e-300');
});

t.test('compare is OPA total order', async (t) => {
  const sorted: Value[] = [
    null,
    false,
    true,
    -1,
    2n ** 70n * -1n,
    0.5,
    1,
    2n ** 70n,
    '',
    'a',
    'b',
    [],
    [1],
    [1, 2],
    [2],
    new RegoObject(),
    RegoObject.fromRecord({ a: 1 }),
    RegoObject.fromRecord({ a: 2 }),
    RegoObject.fromRecord({ a: 2, b: 1 }),
    RegoObject.fromRecord({ b: 0 }),
    new RegoSet(),
    new RegoSet([1]),
    new RegoSet([1, 2]),
    new RegoSet([2]),
  ];
  const shuffled = [...sorted].reverse();
  shuffled.sort(compare);
  t.same(shuffled.map(formatValue), [...sorted].sort(compare).map(formatValue));
  t.equal(compare(2n ** 70n * -1n, -1), -1);
  t.equal(compare(1, 1), 0);
  t.equal(compare(null, null), 0);
  t.equal(compare(new RegoSet([1, 2]), new RegoSet([2, 1])), 0);
  t.equal(compare([1, 2], [1]), 1);
  t.equal(compare(RegoObject.fromRecord({ a: 1 }), RegoObject.fromRecord({ a: 1, b: 2 })), -1);
});

t.test('strings compare by code point like Go', async (t) => {
  t.equal(compareStrings('a', 'a'), 0);
  t.equal(compareStrings('a', 'b'), -1);
  t.equal(compareStrings('ab', 'a'), 1);
  t.equal(compareStrings('a', 'ab'), -1);
  t.equal(compareStrings('\u{1F600}', '\uFFFD'), 1, 'astral sorts after U+FFFD');
  t.equal(compareStrings('\uFFFD', '\u{1F600}'), -1);
});

t.test('equals and keys treat 1, 1.0 and 1n alike', async (t) => {
  t.ok(equals(1, 1n));
  t.ok(equals([1, 'a'], [1, 'a']));
  t.notOk(equals([1], [1, 2]));
  t.notOk(equals([1], ['1']));
  t.notOk(equals('a', 'b'));
  t.notOk(equals(null, false));
  t.notOk(equals(1, '1'));
  t.ok(equals(RegoObject.fromRecord({ a: [1] }), RegoObject.fromRecord({ a: [1] })));
  t.notOk(equals(RegoObject.fromRecord({ a: 1 }), RegoObject.fromRecord({ b: 1 })));
  t.notOk(equals(RegoObject.fromRecord({ a: 1 }), new RegoSet([1])));
  t.ok(equals(new RegoSet([1, 2]), new RegoSet([2, 1])));
  t.notOk(equals(new RegoSet([1, 2]), new RegoSet([1, 3])));
  t.notOk(equals(new RegoSet([1]), [1]));
  t.equal(keyOf(1), keyOf(1n));
  t.equal(keyOf('x'), 'x');
  t.not(keyOf('\u0000#1'), keyOf(1), 'a string never collides with a non-string key');
  t.not(keyOf(true), keyOf(false));
  t.not(keyOf(null), keyOf('n'));
  t.equal(keyOf(new RegoSet([1, 2])), keyOf(new RegoSet([2, 1])));
  t.equal(keyOf(new RegoObject([['b', 1], ['a', 2]])), keyOf(new RegoObject([['a', 2], ['b', 1]])));
  t.equal(keyOf(0.5), keyOf(0.5));
  t.equal(keyOf(2 ** 60), keyOf(2n ** 60n));
});

t.test('objects and sets iterate in sorted order and support edits', async (t) => {
  const o = new RegoObject([
    ['b', 2],
    [1, 'one'],
    ['a', 1],
  ]);
  t.same(o.keys(), [1, 'a', 'b']);
  t.same(o.values(), ['one', 1, 2]);
  t.equal(o.get('a'), 1);
  t.ok(o.has(1n));
  t.ok(o.delete('a'));
  t.notOk(o.has('a'));
  t.equal(o.size, 2);
  t.same([...o].map(([k]) => k), [1, 'b']);
  const c = o.clone().set('z', 0);
  t.equal(o.size, 2, 'clone is independent');
  t.equal(c.size, 3);
  const s = new RegoSet(['b', 'a', 'a']);
  t.equal(s.size, 2);
  t.same([...s], ['a', 'b']);
  t.ok(s.delete('a'));
  t.same(s.clone().add('c').values(), ['b', 'c']);
  t.same(s.values(), ['b']);
});

t.test('fromJSON and toJSON convert both ways', async (t) => {
  const v = fromJSON({ a: [1, 2n ** 70n, null, true, 'x'], s: new Set([3, 1]), m: new Map([[1, 'one']]), u: undefined });
  t.equal(
    formatValue(v),
    '{"a": [1, 1180591620717411303424, null, true, "x"], "m": {1: "one"}, "s": {1, 3}, "u": null}',
  );
  t.same(toJSON(v), { a: [1, 2n ** 70n, null, true, 'x'], m: { '1': 'one' }, s: [1, 3], u: null });
  t.equal(fromJSON(v), v, 'values pass through');
  t.throws(() => fromJSON(() => 1), /cannot convert function/);
  t.same(toJSON(new RegoObject([[[1, 2], 'x']])), { '[1,2]': 'x' });
});

t.test('JSON text and quoting match Go', async (t) => {
  t.equal(stringifyJSON(fromJSON({ b: '<&>', a: [1.5, new Set(['x'])], c: null, d: false })), '{"a":[1.5,["x"]],"b":"\\u003c\\u0026\\u003e","c":null,"d":false}');
  t.equal(stringifyJSON(new RegoObject([[2, 'two']])), '{"2":"two"}');
  t.equal(jsonQuote('a"\\\n\r\t\b\f\u0001\u2028😀'), '"a\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u2028😀"');
  t.equal(jsonQuote('\ud800x'), '"\ufffdx"', 'a lone surrogate becomes U+FFFD');
  t.equal(goQuote('a"\\\u0007\b\f\n\r\t\u000b\u0001\u007f'), '"a\\"\\\\\\a\\b\\f\\n\\r\\t\\v\\x01\\x7f"');
  t.equal(goQuote('é😀\u00ad\u{e0001}\ud800'), '"é😀\\u00ad\\U000e0001\\ufffd"');
});

t.test('formatValue prints Rego source form', async (t) => {
  t.equal(formatValue(new RegoSet()), 'set()');
  t.equal(formatValue(fromJSON([1, 'a', [true], null, { k: new Set([2]) }])), '[1, "a", [true], null, {"k": {2}}]');
});
