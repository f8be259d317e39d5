// Go's fmt.Sprintf, for the argument kinds OPA's sprintf passes: int, *big.Int,
// float64 and string (every other Rego value arrives as its source-form string).
// Also Go's float formatting (strconv 'e'/'f'/'g' with exact decimal rounding).

import { goQuote } from '../value.js';

export type GoArg =
  | { kind: 'int'; v: bigint } // Go int (fits int64)
  | { kind: 'bigint'; v: bigint } // *big.Int
  | { kind: 'float'; v: number }
  | { kind: 'string'; v: string };

interface Flags {
  sharp: boolean;
  zero: boolean;
  plus: boolean;
  minus: boolean;
  space: boolean;
  sharpV: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

const TYPE_NAMES: Record<GoArg['kind'], string> = { int: 'int', bigint: '*big.Int', float: 'float64', string: 'string' };

// ---------------------------------------------------------------------------
// Exact decimal digits of doubles (Go's strconv `decimal`)

/** value = 0.<digits> × 10^dp; digits has no leading or trailing zeros ("" for zero). */
interface Decimal {
  digits: string;
  dp: number;
}

function exactDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', dp: 0 };
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  let exp2: number;
  if (expBits === 0) exp2 = -1074;
  else {
    mant |= 1n << 52n;
    exp2 = expBits - 1075;
  }
  let digits: string;
  let dp: number;
  if (exp2 >= 0) {
    digits = (mant << BigInt(exp2)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-exp2)).toString();
    dp = digits.length + exp2; // divide by 10^(-exp2)
  }
  const trimmed = digits.replace(/0+$/, '');
  return { digits: trimmed, dp };
}

/** Rounds to nd significant digits, half to even on exact ties (Go's decimal.Round). */
function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0) return { digits: '', dp: 0 };
  if (nd >= d.digits.length) return d;
  const next = d.digits.charCodeAt(nd) - 48;
  let up: boolean;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else if (nd + 1 < d.digits.length) up = true; // more nonzero digits follow (digits have no trailing zeros)
  else up = nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1;
  let digits = d.digits.slice(0, nd);
  let dp = d.dp;
  if (up) {
    let i = digits.length - 1;
    while (i >= 0 && digits[i] === '9') i--;
    if (i < 0) {
      digits = '1';
      dp++;
    } else {
      digits = digits.slice(0, i) + String.fromCharCode(digits.charCodeAt(i) + 1);
    }
  }
  return { digits: digits.replace(/0+$/, ''), dp };
}

/** Shortest digits that round-trip (what JS and Go both print by default). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', dp: 0 };
  const [m, e] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = m.replace('.', '').replace(/0+$/, '');
  return { digits, dp: Number(e) + 1 };
}

function digitAt(d: Decimal, i: number): string {
  return i >= 0 && i < d.digits.length ? d.digits[i]! : '0';
}

function fmtE(neg: boolean, d: Decimal, prec: number, ch: 'e' | 'E'): string {
  let s = neg ? '-' : '';
  s += d.digits.length ? d.digits[0] : '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(d, i);
  }
  const exp = d.digits.length === 0 ? 0 : d.dp - 1;
  const a = Math.abs(exp);
  return s + ch + (exp < 0 ? '-' : '+') + (a < 10 ? '0' : '') + a;
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let s = neg ? '-' : '';
  if (d.dp > 0) for (let i = 0; i < d.dp; i++) s += digitAt(d, i);
  else s += '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) s += digitAt(d, d.dp + i);
  }
  return s;
}

/** Go's strconv.FormatFloat(x, fmt, prec, 64) for fmt in e, E, f, g, G. */
export function formatFloat(x: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    d = shortestDecimal(x);
    if (fmt === 'e' || fmt === 'E') prec = Math.max(d.digits.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(d.digits.length - d.dp, 0);
    else prec = d.digits.length;
  } else {
    const exact = exactDecimal(x);
    if (fmt === 'e' || fmt === 'E') d = roundDecimal(exact, prec + 1);
    else if (fmt === 'f') d = roundDecimal(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      d = roundDecimal(exact, prec);
    }
  }
  if (fmt === 'e' || fmt === 'E') return fmtE(neg, d, prec, fmt);
  if (fmt === 'f') return fmtF(neg, d, prec);
  let eprec = prec;
  const nd = d.digits.length;
  if (eprec > nd && nd >= d.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = d.dp - 1;
  if (nd !== 0 && (exp < -4 || exp >= eprec)) {
    if (prec > nd) prec = nd;
    return fmtE(neg, d, prec - 1, fmt === 'g' ? 'e' : 'E');
  }
  if (nd === 0) return neg ? '-0' : '0';
  if (prec > d.dp) prec = nd;
  return fmtF(neg, d, Math.max(prec - d.dp, 0));
}

// ---------------------------------------------------------------------------
// The printer

class Printer {
  out = '';
  f: Flags = clearFlags();

  pad(s: string): void {
    if (!this.f.widPresent || this.f.wid === 0) {
      this.out += s;
      return;
    }
    const width = this.f.wid - [...s].length;
    if (width <= 0) {
      this.out += s;
      return;
    }
    const padding = (this.f.zero && !this.f.minus ? '0' : ' ').repeat(width);
    this.out += this.f.minus ? s + ' '.repeat(width) : padding + s;
  }

  /** Go's fmt.fmtInteger. */
  fmtInteger(v: bigint, base: number, verb: string, upper = false): void {
    const f = this.f;
    const negative = v < 0n;
    const u = negative ? -v : v;
    let prec = 0;
    if (f.precPresent) {
      prec = f.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = f.zero;
        f.zero = false;
        this.pad('');
        f.zero = oldZero;
        return;
      }
    } else if (f.zero && !f.minus && f.widPresent) {
      prec = f.wid;
      if (negative || f.plus || f.space) prec--;
    }
    let digits = u.toString(base);
    if (upper) digits = digits.toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (f.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
      else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (negative) digits = '-' + digits;
    else if (f.plus) digits = '+' + digits;
    else if (f.space) digits = ' ' + digits;
    const oldZero = f.zero;
    f.zero = false;
    this.pad(digits);
    f.zero = oldZero;
  }

  /** Go's fmt.fmtFloat. */
  fmtFloat(v: number, verb: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): void {
    const f = this.f;
    if (f.precPresent) prec = f.prec;
    let num = formatFloat(v, verb, prec);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = f.zero;
      f.zero = false;
      if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
      this.pad(num);
      f.zero = oldZero;
      return;
    }
    if (f.sharp && !num.slice(1).includes('.')) {
      const ePos = num.search(/[eE]/);
      num = ePos === -1 ? num + '.' : num.slice(0, ePos) + '.' + num.slice(ePos);
    }
    if (f.plus || num[0] !== '+') {
      if (f.zero && !f.minus && f.widPresent && f.wid > num.length) {
        this.out += num[0];
        this.out += '0'.repeat(f.wid - num.length);
        this.out += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  fmtString(s: string, verb: string): boolean {
    const f = this.f;
    switch (verb) {
      case 'v':
      case 's':
        if (verb === 'v' && f.sharpV) this.pad(goQuote(s));
        else this.pad(f.precPresent ? [...s].slice(0, f.prec).join('') : s);
        return true;
      case 'q':
        this.pad(f.sharp && !/[`\u0000-\u0008\u000a-\u001f\u007f]/.test(s) ? '`' + s + '`' : goQuote(s));
        return true;
      case 'x':
      case 'X': {
        let bytes = [...Buffer.from(s, 'utf8')];
        if (f.precPresent) bytes = bytes.slice(0, f.prec);
        const parts = bytes.map((b) => {
          const h = b.toString(16).padStart(2, '0');
          return verb === 'X' ? h.toUpperCase() : h;
        });
        const prefix = f.sharp ? (verb === 'X' ? '0X' : '0x') : '';
        this.pad(f.space ? parts.map((p) => prefix + p).join(' ') : prefix + parts.join(''));
        return true;
      }
    }
    return false;
  }

  printArg(arg: GoArg, verb: string): void {
    const f = this.f;
    if (verb === 'T') {
      this.pad(TYPE_NAMES[arg.kind]);
      return;
    }
    switch (arg.kind) {
      case 'string':
        if (this.fmtString(arg.v, verb)) return;
        break;
      case 'int':
      case 'bigint':
        switch (verb) {
          case 'v':
          case 'd':
            return this.fmtInteger(arg.v, 10, verb);
          case 's':
            if (arg.kind === 'bigint') return this.fmtInteger(arg.v, 10, verb);
            break;
          case 'b':
            return this.fmtInteger(arg.v, 2, verb);
          case 'o':
          case 'O':
            return this.fmtInteger(arg.v, 8, verb);
          case 'x':
          case 'X':
            return this.fmtInteger(arg.v, 16, verb, verb === 'X');
        }
        if (arg.kind === 'bigint') {
          this.out += `%!${verb}(big.Int=${arg.v})`;
          return;
        }
        switch (verb) {
          case 'c':
            this.pad(String.fromCodePoint(validRune(arg.v)));
            return;
          case 'q':
            this.pad(quoteRune(validRune(arg.v)));
            return;
          case 'U': {
            const r = arg.v;
            let s = 'U+' + (r < 0n ? (r + (1n << 64n)).toString(16) : r.toString(16)).toUpperCase().padStart(f.precPresent ? f.prec : 4, '0');
            if (f.sharp && r >= 0n && r <= 0x10ffffn) s += " '" + String.fromCodePoint(Number(r)) + "'";
            const oldZero = f.zero;
            f.zero = false;
            this.pad(s);
            f.zero = oldZero;
            return;
          }
        }
        break;
      case 'float':
        switch (verb) {
          case 'v':
            return this.fmtFloat(arg.v, 'g', -1);
          case 'g':
          case 'G':
            return this.fmtFloat(arg.v, verb, -1);
          case 'e':
          case 'E':
          case 'f':
            return this.fmtFloat(arg.v, verb, 6);
          case 'F':
            return this.fmtFloat(arg.v, 'f', 6);
        }
        break;
    }
    this.badVerb(arg, verb);
  }

  badVerb(arg: GoArg, verb: string): void {
    this.out += `%!${verb}(${TYPE_NAMES[arg.kind]}=`;
    const saved = this.f;
    this.f = clearFlags();
    this.printArg(arg, 'v');
    this.f = saved;
    this.out += ')';
  }
}

function validRune(v: bigint): number {
  return v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn) ? 0xfffd : Number(v);
}

function quoteRune(r: number): string {
  if (r === 0x27) return "'\\''";
  if (r === 0x22) return `'"'`;
  const q = goQuote(String.fromCodePoint(r));
  return "'" + q.slice(1, -1) + "'";
}

function clearFlags(): Flags {
  return {
    sharp: false,
    zero: false,
    plus: false,
    minus: false,
    space: false,
    sharpV: false,
    wid: 0,
    widPresent: false,
    prec: 0,
    precPresent: false,
  };
}

function parseNum(format: string, i: number): { num: number; ok: boolean; i: number } {
  let num = 0;
  let ok = false;
  while (i < format.length && format.charCodeAt(i) >= 48 && format.charCodeAt(i) <= 57) {
    if (num > 1e6) return { num: 0, ok: false, i: format.length };
    num = num * 10 + (format.charCodeAt(i) - 48);
    ok = true;
    i++;
  }
  return { num, ok, i };
}

/** Go's fmt.Sprintf. */
export function goSprintf(format: string, args: GoArg[]): string {
  const p = new Printer();
  let argNum = 0;
  let reordered = false;
  let afterIndex = false;
  let goodArgNum = true;

  const argNumber = (i: number): number => {
    if (i >= format.length || format[i] !== '[') return i;
    reordered = true;
    const close = format.indexOf(']', i + 1);
    if (close === -1) {
      goodArgNum = false;
      return i;
    }
    const { num, ok, i: j } = parseNum(format, i + 1);
    if (!ok || j !== close || num < 1 || num > args.length) {
      goodArgNum = false;
      return close + 1;
    }
    argNum = num - 1;
    afterIndex = true;
    return close + 1;
  };

  const intFromArg = (): { n: number; ok: boolean } => {
    if (argNum >= args.length) return { n: 0, ok: false };
    const a = args[argNum++]!;
    if (a.kind !== 'int' || a.v > 1_000_000n || a.v < -1_000_000n) return { n: 0, ok: false };
    return { n: Number(a.v), ok: true };
  };

  const end = format.length;
  let i = 0;
  while (i < end) {
    goodArgNum = true;
    const pct = format.indexOf('%', i);
    if (pct === -1) {
      p.out += format.slice(i);
      break;
    }
    p.out += format.slice(i, pct);
    i = pct + 1;
    p.f = clearFlags();
    const f = p.f;
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = true;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    afterIndex = false;
    i = argNumber(i);
    if (i < end && format[i] === '*') {
      i++;
      const { n, ok } = intFromArg();
      f.wid = n;
      f.widPresent = ok;
      if (!ok) p.out += '%!(BADWIDTH)';
      if (f.wid < 0) {
        f.wid = -f.wid;
        f.minus = true;
        f.zero = false;
      }
      afterIndex = false;
    } else {
      const r = parseNum(format, i);
      f.wid = r.num;
      f.widPresent = r.ok;
      i = r.i;
      if (afterIndex && f.widPresent) goodArgNum = false;
    }
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      afterIndex = false;
      i = argNumber(i);
      if (i < end && format[i] === '*') {
        i++;
        const { n, ok } = intFromArg();
        f.prec = n;
        f.precPresent = ok;
        if (f.prec < 0) {
          f.prec = 0;
          f.precPresent = false;
        }
        if (!ok) p.out += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const r = parseNum(format, i);
        f.prec = r.ok ? r.num : 0;
        f.precPresent = true;
        i = r.i;
      }
    }
    if (!afterIndex) i = argNumber(i);
    if (i >= end) {
      p.out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      p.out += '%';
    } else if (!goodArgNum) {
      p.out += `%!${verb}(BADINDEX)`;
    } else if (argNum >= args.length) {
      p.out += `%!${verb}(MISSING)`;
    } else {
      if (verb === 'v') {
        f.sharpV = f.sharp;
        f.sharp = false;
        f.plus = false;
      }
      p.printArg(args[argNum]!, verb);
      argNum++;
    }
  }
  if (!reordered && argNum < args.length) {
    p.f = clearFlags();
    p.out += '%!(EXTRA ';
    args.slice(argNum).forEach((a, k) => {
      if (k > 0) p.out += ', ';
      p.out += TYPE_NAMES[a.kind] + '=';
      p.printArg(a, 'v');
    });
    p.out += ')';
  }
  return p.out;
}
