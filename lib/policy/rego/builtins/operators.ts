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
import { opaFloatOp, type FloatOp } from './bigfloat.js';

type NumOp = (a: number | bigint, b: number | bigint) => Value;

/** An arithmetic operator: exact on integers, OPA's 64-bit big.Float otherwise. */
function arith(name: string, exact: NumOp, float: FloatOp, check?: (a: number | bigint, b: number | bigint) => void): BuiltinDef {
  return builtin(name, 2, ([x, y]) => {
    const a = num(x!, 1);
    const b = num(y!, 2);
    check?.(a, b);
    return isInteger(a) && isInteger(b) ? exact(a, b) : opaFloatOp(float, a, b);
  });
}

function setOp(name: string, op: (a: RegoSet, b: RegoSet) => RegoSet): BuiltinDef {
  return builtin(name, 2, ([a, b]) => {
    if (!(a instanceof RegoSet)) throw typeErr(1, a!, 'set');
    if (!(b instanceof RegoSet)) throw typeErr(2, b!, 'set');
    return op(a, b);
  });
}

function setDifference(a: RegoSet, b: RegoSet): RegoSet {
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

function setUnion(a: RegoSet, b: RegoSet): RegoSet {
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
  arith('plus', numAdd, 'add'),
  builtin('minus', 2, ([a, b]) => {
    if (isNumber(a) && isNumber(b)) return isInteger(a) && isInteger(b) ? numSub(a, b) : opaFloatOp('sub', a, b);
    if (a instanceof RegoSet && b instanceof RegoSet) return setDifference(a, b);
    if (!isNumber(a) && !(a instanceof RegoSet)) throw typeErr(1, a!, 'number', 'set');
    throw isNumber(a) ? typeErr(2, b!, 'number') : typeErr(2, b!, 'set');
  }),
  arith('mul', numMul, 'mul'),
  arith('div', (a, b) => (numRem(a, b) == 0 ? numDiv(a, b) : opaFloatOp('div', a, b)), 'div', (_a, b) => {
    if (b == 0) throw new EvalError('divide by zero');
  }),
  builtin('rem', 2, ([x, y]) => {
    const a = num(x!, 1);
    const b = num(y!, 2);
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

/** More elements than a policy on a router should ever build (OPA relies on cancellation). */
const RANGE_LIMIT = 1n << 20n;

/** Inclusive integer range from a to b (counting down when b < a). */
function range(a: Value, b: Value, step: bigint): Value[] {
  const lo = toBigInt(int(a, 1));
  const hi = toBigInt(int(b, 2));
  const span = lo <= hi ? hi - lo : lo - hi;
  if (span / step >= RANGE_LIMIT) throw new EvalError(`range of more than ${RANGE_LIMIT} numbers`);
  const out: Value[] = [];
  if (lo <= hi) for (let i = lo; i <= hi; i += step) out.push(normInt(i));
  else for (let i = lo; i >= hi; i -= step) out.push(normInt(i));
  return out;
}
