// Aggregates (count, sum, product, max, min, sort), array.* and set built-ins.

import { RegoObject, RegoSet, compare, isInteger, isNumber, numAdd, numMul, type Value } from '../value.js';
import { opaFloatOp, type FloatOp } from './bigfloat.js';
import { arr, builtin, elementErr, smallInt, typeErr, type BuiltinDef } from './support.js';
import { setIntersection } from './operators.js';

function numericItems(v: Value): readonly Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.values();
  throw typeErr(1, v, 'set', 'array');
}

/** Folds numbers exactly while all are integers, with OPA's big.Float otherwise. */
function fold(v: Value, init: number, exact: typeof numAdd, float: FloatOp): Value {
  const xs = numericItems(v);
  for (const x of xs) if (!isNumber(x)) throw elementErr(1, v, x, 'number');
  const nums = xs as (number | bigint)[];
  if (nums.every((x) => isInteger(x))) return nums.reduce<number | bigint>((acc, x) => exact(acc, x), init);
  return nums.reduce<number | bigint>((acc, x) => opaFloatOp(float, acc, x), init);
}

function setOfSets(v: Value): RegoSet[] {
  if (!(v instanceof RegoSet)) throw typeErr(1, v, 'set');
  return v.values().map((x) => {
    if (!(x instanceof RegoSet)) throw typeErr(1, x, 'set');
    return x;
  });
}

export const collectionBuiltins: BuiltinDef[] = [
  builtin('count', 1, ([v]) => {
    if (Array.isArray(v)) return v.length;
    if (v instanceof RegoObject || v instanceof RegoSet) return v.size;
    if (typeof v === 'string') return runeLength(v);
    throw typeErr(1, v!, 'array', 'object', 'set', 'string');
  }),
  builtin('sum', 1, ([v]) => fold(v!, 0, numAdd, 'add')),
  builtin('product', 1, ([v]) => fold(v!, 1, numMul, 'mul')),
  builtin('max', 1, ([v]) => {
    const xs = numericItems(v!);
    if (xs.length === 0) return undefined;
    return xs.reduce((m, x) => (compare(m, x) <= 0 ? x : m));
  }),
  builtin('min', 1, ([v]) => {
    const xs = numericItems(v!);
    if (xs.length === 0) return undefined;
    return xs.reduce((m, x) => (compare(m, x) >= 0 ? x : m));
  }),
  builtin('sort', 1, ([v]) => [...numericItems(v!)].sort(compare)),
  builtin('array.concat', 2, ([a, b]) => [...arr(a!, 1), ...arr(b!, 2)]),
  builtin('array.slice', 3, ([a, s, e]) => {
    const xs = arr(a!, 1);
    let start = smallInt(s!, 2);
    let stop = smallInt(e!, 3);
    stop = Math.min(Math.max(stop, 0), xs.length);
    start = Math.min(Math.max(start, 0), stop);
    return xs.slice(start, stop);
  }),
  builtin('array.reverse', 1, ([a]) => [...arr(a!, 1)].reverse()),
  builtin('array.flatten', 1, ([a]) => arr(a!, 1).flatMap((x) => (Array.isArray(x) ? x : [x]))),
  builtin('intersection', 1, ([v]) => {
    const sets = setOfSets(v!);
    if (sets.length === 0) return new RegoSet();
    return sets.reduce(setIntersection);
  }),
  builtin('union', 1, ([v]) => {
    const out = new RegoSet();
    for (const s of setOfSets(v!)) for (const x of s) out.add(x);
    return out;
  }),
];

/** Number of Unicode code points (Go's len([]rune(s))). */
export function runeLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
