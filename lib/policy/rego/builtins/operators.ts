// Operators (under OPA's internal built-in names) and the arithmetic built-ins.

import {
  RegoObject,
  RegoSet,
  compare,
  equals,
  isInteger,
  isNumber,
  normInt,
  normNum,
  numAdd,
  numDiv,
  numMul,
  numRem,
  numSub,
  toBigInt,
  type Value,
} from '../value.js';
import { EvalError, builtin, int, num, typeErr, type BuiltinDef } from './support.js';

type NumOp = (a: number | bigint, b: number | bigint) => Value;

function arith(name: string, op: NumOp): BuiltinDef {
  return builtin(name, 2, ([a, b]) => op(num(a!, 1), num(b!, 2)));
}

function setOp(name: string, op: (a: RegoSet, b: RegoSet) => RegoSet): BuiltinDef {
  return builtin(name, 2, ([a, b]) => {
    if (!(a instanceof RegoSet)) throw typeErr(1, a!, 'set');
    if (!(b instanceof RegoSet)) throw typeErr(2, b!, 'set');
    return op(a, b);
  });
}

export function setDifference(a: RegoSet, b: RegoSet): RegoSet {
  const out = new RegoSet();
  for (const v of a) if (!b.has(v)) out.add(v);
  return out;
}

export function setIntersection(a: RegoSet, b: RegoSet): RegoSet {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out = new RegoSet();
  for (const v of small) if (large.has(v)) out.add(v);
  return out;
}

export function setUnion(a: RegoSet, b: RegoSet): RegoSet {
  const out = a.clone();
  for (const v of b) out.add(v);
  return out;
}

/** Rounds half away from zero, like OPA's round. */
function roundHalfAway(n: number): number {
  return n < 0 ? -Math.floor(-n + 0.5) : Math.floor(n + 0.5);
}

function unary(name: string, op: (n: number) => number): BuiltinDef {
  return builtin(name, 1, ([a]) => {
    const n = num(a!, 1);
    if (isInteger(n)) return n;
    return normNum(op(n as number));
  });
}

export const operatorBuiltins: BuiltinDef[] = [
  arith('plus', numAdd),
  builtin('minus', 2, ([a, b]) => {
    if (isNumber(a) && isNumber(b)) return numSub(a, b);
    if (a instanceof RegoSet && b instanceof RegoSet) return setDifference(a, b);
    if (!isNumber(a) && !(a instanceof RegoSet)) throw typeErr(1, a!, 'number', 'set');
    throw isNumber(a) ? typeErr(2, b!, 'number') : typeErr(2, b!, 'set');
  }),
  arith('mul', numMul),
  arith('div', (a, b) => {
    if (b == 0) throw new EvalError('divide by zero');
    return numDiv(a, b);
  }),
  arith('rem', (a, b) => {
    if (!isInteger(a) || !isInteger(b)) throw new EvalError('modulo on floating-point number');
    if (b == 0) throw new EvalError('modulo by zero');
    return numRem(a, b);
  }),
  builtin('lt', 2, ([a, b]) => compare(a!, b!) < 0),
  builtin('lte', 2, ([a, b]) => compare(a!, b!) <= 0),
  builtin('gt', 2, ([a, b]) => compare(a!, b!) > 0),
  builtin('gte', 2, ([a, b]) => compare(a!, b!) >= 0),
  builtin('equal', 2, ([a, b]) => equals(a!, b!)),
  builtin('neq', 2, ([a, b]) => !equals(a!, b!)),
  setOp('and', setIntersection),
  setOp('or', setUnion),
  builtin('internal.member_2', 2, ([x, c]) => {
    if (c instanceof RegoSet) return c.has(x!);
    if (Array.isArray(c)) return c.some((e) => equals(e, x!));
    if (c instanceof RegoObject) return c.values().some((e) => equals(e, x!));
    return false;
  }),
  builtin('internal.member_3', 3, ([k, v, c]) => {
    if (c instanceof RegoSet) return c.has(k!) && equals(k!, v!);
    let actual: Value | undefined;
    if (c instanceof RegoObject) actual = c.get(k!);
    else if (Array.isArray(c) && isInteger(k)) actual = c[Number(k)];
    return actual !== undefined && equals(actual, v!);
  }),
  builtin('abs', 1, ([a]) => {
    const n = num(a!, 1);
    return typeof n === 'bigint' ? normInt(n < 0n ? -n : n) : Math.abs(n);
  }),
  unary('round', roundHalfAway),
  unary('ceil', Math.ceil),
  unary('floor', Math.floor),
  builtin('numbers.range', 2, ([a, b]) => range(a!, b!, 1n)),
  builtin('numbers.range_step', 3, ([a, b, s]) => {
    const step = num(s!, 3);
    if (!isInteger(step) || step <= 0) throw new EvalError('step must be a positive integer');
    return range(a!, b!, toBigInt(step));
  }),
];

/** Inclusive integer range from a to b (counting down when b < a). */
function range(a: Value, b: Value, step: bigint): Value[] {
  const lo = toBigInt(int(a, 1));
  const hi = toBigInt(int(b, 2));
  const out: Value[] = [];
  if (lo <= hi) for (let i = lo; i <= hi; i += step) out.push(normInt(i));
  else for (let i = lo; i >= hi; i -= step) out.push(normInt(i));
  return out;
}
