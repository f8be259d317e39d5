// OPA computes non-integer arithmetic with Go's big.Float at 64 bits of
// mantissa and hands the result back as the shortest decimal that round-trips
// at that precision, so 0.1 + 0.2 is 0.3 there, not 0.30000000000000004.
// This reproduces that: operands are read as the decimals they print as,
// rounded to 64-bit mantissas, combined exactly, rounded, and printed
// shortest-first; the decimal is then parsed back into a Value.

import { normNum, parseNumber } from '../value.js';

const PREC = 64n;

/** A binary float: mant × 2^exp, mant a 64-bit integer (or 0). */
interface BinFloat {
  neg: boolean;
  mant: bigint;
  exp: bigint;
}

function bitLength(n: bigint): bigint {
  return BigInt(n.toString(2).length);
}

/** Rounds num/den (> 0) to a 64-bit mantissa, ties to even. */
function roundRational(neg: boolean, num: bigint, den: bigint): BinFloat {
  if (num === 0n) return { neg, mant: 0n, exp: 0n };
  // choose exp so that num / den / 2^exp lies in [2^63, 2^64)
  let exp = bitLength(num) - bitLength(den) - PREC;
  const scaled = (e: bigint): [bigint, bigint] => (e >= 0n ? [num, den << e] : [num << -e, den]);
  let [n, d] = scaled(exp);
  if (n / d >= 1n << PREC) [n, d] = scaled(++exp);
  else if (n / d < 1n << (PREC - 1n)) [n, d] = scaled(--exp);
  let q = n / d;
  const r2 = (n % d) * 2n;
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) q++;
  if (q === 1n << PREC) {
    q >>= 1n;
    exp++;
  }
  return { neg, mant: q, exp };
}

/** The exact value of a decimal string as a reduced-enough fraction. */
function decimalToRational(text: string): [boolean, bigint, bigint] {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text)!;
  const frac = m[3] ?? '';
  let num = BigInt(m[2]! + frac);
  let den = 10n ** BigInt(frac.length);
  const e = Number(m[4] ?? 0);
  if (e > 0) num *= 10n ** BigInt(e);
  else if (e < 0) den *= 10n ** BigInt(-e);
  return [m[1] === '-', num, den];
}

function toRational(f: BinFloat): [bigint, bigint] {
  return f.exp >= 0n ? [f.mant << f.exp, 1n] : [f.mant, 1n << -f.exp];
}

function fromDecimal(text: string): BinFloat {
  const [neg, num, den] = decimalToRational(text);
  return roundRational(neg, num, den);
}

function same(a: BinFloat, b: BinFloat): boolean {
  return a.mant === b.mant && (a.mant === 0n || a.exp === b.exp) && a.neg === b.neg;
}

/** big.Float.Text('g', -1) / Text('f', -1): the shortest decimal that reads back as f. */
function shortestDecimal(f: BinFloat): string {
  if (f.mant === 0n) return '0';
  const [num, den] = toRational(f);
  const sign = f.neg ? '-' : '';
  if (num % den === 0n) return sign + (num / den).toString();
  // decimal exponent of the leading digit
  let dexp = num.toString().length - den.toString().length;
  const atLeastOne = (e: number) => (e >= 0 ? num >= den * 10n ** BigInt(e) : num * 10n ** BigInt(-e) >= den);
  while (!atLeastOne(dexp)) dexp--;
  while (atLeastOne(dexp + 1)) dexp++;
  for (let digits = 1; ; digits++) {
    // round num/den to `digits` significant digits, half to even
    const shift = digits - 1 - dexp;
    const [n, d] = shift >= 0 ? [num * 10n ** BigInt(shift), den] : [num, den * 10n ** BigInt(-shift)];
    let q = n / d;
    const r2 = (n % d) * 2n;
    if (r2 > d || (r2 === d && (q & 1n) === 1n)) q++;
    const text = `${q}e${-shift}`;
    if (same(fromDecimal(sign + text), f)) return sign + formatDecimal(q, -shift);
  }
}

/** q × 10^e in Go's %g layout (plain for exponents in [-4, 21)). */
function formatDecimal(q: bigint, e: number): string {
  let digits = q.toString();
  let exp = e;
  while (digits.length > 1 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  const point = digits.length + exp; // position of the decimal point
  const x = point - 1;
  if (x < -4 || x >= 21) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${mant}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  }
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

export type FloatOp = 'add' | 'sub' | 'mul' | 'div';

/** The decimal a number prints as (its literal, for numbers read from source or JSON). */
function decimalOf(n: number | bigint): string {
  return typeof n === 'bigint' ? n.toString() : String(n);
}

/**
 * Applies op to two numbers as OPA does (at least one is not an integer; the
 * divisor is not zero). Non-finite doubles fall back to double arithmetic.
 */
export function opaFloatOp(op: FloatOp, a: number | bigint, b: number | bigint): number | bigint {
  if (!Number.isFinite(Number(a)) || !Number.isFinite(Number(b))) {
    const [x, y] = [Number(a), Number(b)];
    return normNum(op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : x / y);
  }
  return parseNumber(floatOpDecimal(op, decimalOf(a), decimalOf(b)))!;
}

function floatOpDecimal(op: FloatOp, a: string, b: string): string {
  const x = fromDecimal(a);
  const y = fromDecimal(b);
  const [xn, xd] = toRational(x);
  const [yn, yd] = toRational(y);
  const sx = x.neg ? -xn : xn;
  const sy = y.neg ? -yn : yn;
  let num: bigint;
  let den: bigint;
  switch (op) {
    case 'add':
      [num, den] = [sx * yd + sy * xd, xd * yd];
      break;
    case 'sub':
      [num, den] = [sx * yd - sy * xd, xd * yd];
      break;
    case 'mul':
      [num, den] = [sx * sy, xd * yd];
      break;
    case 'div':
      [num, den] = [sx * yd, xd * sy];
      break;
  }
  const neg = num < 0n !== den < 0n && num !== 0n;
  return shortestDecimal(roundRational(neg, num < 0n ? -num : num, den < 0n ? -den : den));
}
