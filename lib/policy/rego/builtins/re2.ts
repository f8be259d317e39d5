// Go regexp (RE2) syntax → JavaScript RegExp, plus Go's match-iteration
// semantics (FindAll, Split, ReplaceAll with $-expansion).
//
// Everything is emitted for a `u`-flag RegExp so that matching runs on code
// points like Go's runes. Go's flags (?i) (?m) (?s) (?U) can change mid
// pattern; JS (Node 20) has no inline modifiers, so the translator tracks them
// and rewrites `.`, `^`, `$`, quantifiers and (where needed) letters itself.
// Constructs RE2 rejects (backreferences, lookaround, possessive or nested
// repetition) are errors here too, with Go's error texts.

export class RegexSyntaxError extends Error {
  constructor(code: string, arg: string) {
    super(`error parsing regexp: ${code}: \`${arg}\``);
  }
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const SYNTAX_CHARS = new Set('^$\\.*+?()[]{}|/');
const PERL_CLASSES: Record<string, string> = {
  d: '0-9',
  w: '0-9A-Za-z_',
  s: '\\t\\n\\f\\r ',
};
const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\u{0}-\\u{7f}',
  blank: '\\t ',
  cntrl: '\\u{0}-\\u{1f}\\u{7f}',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};
const UNICODE_CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
]);

function hexEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** A literal code point as JS regex source (outside or inside a class). */
function literal(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (/[0-9A-Za-z]/.test(ch)) return ch;
  if (cp < 0x20 || cp === 0x7f || SYNTAX_CHARS.has(ch) || ch === '-' || ch === ',' || ch === '#' || ch === ' ') return hexEscape(cp);
  if (cp < 0x80) return hexEscape(cp);
  return ch;
}

/** ASCII case variants of a code point range, for emulating (?i) locally. */
function foldRanges(lo: number, hi: number): [number, number][] {
  const out: [number, number][] = [[lo, hi]];
  const add = (a: number, b: number, delta: number) => {
    const x = Math.max(lo, a);
    const y = Math.min(hi, b);
    if (x <= y) out.push([x + delta, y + delta]);
  };
  add(0x41, 0x5a, 32);
  add(0x61, 0x7a, -32);
  return out;
}

class Translator {
  private i = 0;
  private readonly p: string;
  /** Case-insensitivity is applied with the JS `i` flag when it covers the whole pattern. */
  readonly globalI: boolean;
  groupCount = 0;
  readonly names: (string | undefined)[] = [undefined];

  constructor(pattern: string) {
    this.p = pattern;
    const m = /^\(\?([imsU]+)\)/.exec(pattern);
    this.globalI = !!m && m[1]!.includes('i') && !/\(\?[a-zA-Z]*-[a-zA-Z]*i/.test(pattern);
  }

  private cp(): number {
    return this.p.codePointAt(this.i)!;
  }

  private err(code: string, arg: string): never {
    throw new RegexSyntaxError(code, arg);
  }

  translate(): string {
    const out = this.alternation({ i: false, m: false, s: false, U: false }, 0);
    if (this.i < this.p.length) this.err('unexpected )', this.p);
    return out;
  }

  /** Parses until `)` or end; returns the JS source. */
  private alternation(flags: Flags, depth: number): string {
    let out = '';
    let canRepeat = false;
    let lastWasRepeat = false;
    const p = this.p;
    while (this.i < p.length) {
      const c = p[this.i]!;
      if (c === ')') {
        if (depth === 0) this.err('unexpected )', p);
        return out;
      }
      if (c === '|') {
        this.i++;
        out += '|';
        canRepeat = false;
        lastWasRepeat = false;
        continue;
      }
      if (c === '*' || c === '+' || c === '?' || (c === '{' && this.repeatAhead())) {
        const start = this.i;
        let q: string;
        if (c === '{') {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(this.i))!;
          const min = Number(m[1]);
          const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
          if (min > 1000 || max > 1000 || (max >= 0 && max < min)) this.err('invalid repeat count', m[0]);
          q = m[0];
          this.i += m[0].length;
        } else {
          q = c;
          this.i++;
        }
        let lazy = false;
        if (p[this.i] === '?') {
          lazy = true;
          this.i++;
        }
        const opText = p.slice(start, this.i);
        if (!canRepeat) this.err('missing argument to repetition operator', opText);
        if (lastWasRepeat) this.err('invalid nested repetition operator', p.slice(start - 1, this.i));
        if (flags.U) lazy = !lazy;
        out += q + (lazy ? '?' : '');
        lastWasRepeat = true;
        continue;
      }
      lastWasRepeat = false;
      const atom = this.atom(flags, depth);
      if (atom === null) {
        canRepeat = false;
        continue;
      }
      out += atom.src;
      canRepeat = atom.repeatable;
    }
    if (depth > 0) this.err('missing closing )', p);
    return out;
  }

  private repeatAhead(): boolean {
    return /^\{\d+(,\d*)?\}/.test(this.p.slice(this.i));
  }

  /** One atom; null when it only changed flags. */
  private atom(flags: Flags, depth: number): { src: string; repeatable: boolean } | null {
    const p = this.p;
    const c = p[this.i]!;
    switch (c) {
      case '(':
        return this.group(flags, depth);
      case '[':
        return { src: this.charClass(flags), repeatable: true };
      case '.':
        this.i++;
        return { src: flags.s ? '[\\s\\S]' : '[^\\n]', repeatable: true };
      case '^':
        this.i++;
        return { src: flags.m ? '(?<![^\\n])' : '^', repeatable: false };
      case '$':
        this.i++;
        return { src: flags.m ? '(?![^\\n])' : '$', repeatable: false };
      case '\\':
        return this.escape(flags);
    }
    const cp = this.cp();
    this.i += cp > 0xffff ? 2 : 1;
    return { src: this.lit(cp, flags), repeatable: true };
  }

  private lit(cp: number, flags: Flags): string {
    if (flags.i && !this.globalI) {
      const ch = String.fromCodePoint(cp);
      const lo = ch.toLowerCase();
      const up = ch.toUpperCase();
      if (lo !== up && [...lo].length === 1 && [...up].length === 1) {
        return '[' + literal(lo.codePointAt(0)!) + literal(up.codePointAt(0)!) + ']';
      }
    }
    return literal(cp);
  }

  private group(flags: Flags, depth: number): { src: string; repeatable: boolean } | null {
    const p = this.p;
    this.i++; // (
    if (p[this.i] === '?') {
      const rest = p.slice(this.i);
      const named = /^\?P?<([A-Za-z0-9_]+)>/.exec(rest);
      if (named) {
        this.i += named[0].length;
        this.groupCount++;
        this.names.push(named[1]);
        const inner = this.alternation({ ...flags }, depth + 1);
        this.i++;
        return { src: `(?<${named[1]}>${inner})`, repeatable: true };
      }
      if (rest.startsWith('?P<') || rest.startsWith('?<')) {
        const close = rest.indexOf('>');
        this.err('invalid named capture', close === -1 ? p.slice(this.i - 1) : p.slice(this.i - 1, this.i + close + 1));
      }
      const fm = /^\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
      if (!fm || /[^imsU]/.test((fm[1] ?? '') + (fm[2] ?? '')) || (fm[2] !== undefined && fm[2] === '')) {
        this.err('invalid or unsupported Perl syntax', p.slice(this.i - 1, this.i + 2));
      }
      const next = { ...flags };
      for (const f of fm[1]!) next[f as keyof Flags] = true;
      for (const f of fm[2] ?? '') next[f as keyof Flags] = false;
      this.i += fm[0].length;
      if (fm[3] === ')') {
        Object.assign(flags, next);
        return null;
      }
      const inner = this.alternation(next, depth + 1);
      this.i++;
      return { src: `(?:${inner})`, repeatable: true };
    }
    this.groupCount++;
    this.names.push(undefined);
    const inner = this.alternation({ ...flags }, depth + 1);
    this.i++;
    return { src: `(${inner})`, repeatable: true };
  }

  /** Escapes outside classes. */
  private escape(flags: Flags): { src: string; repeatable: boolean } {
    const p = this.p;
    const start = this.i;
    this.i++;
    if (this.i >= p.length) this.err('trailing backslash at end of expression', '');
    const c = p[this.i]!;
    switch (c) {
      case 'A':
        this.i++;
        return { src: '^', repeatable: false };
      case 'z':
        this.i++;
        return { src: '$', repeatable: false };
      case 'b':
      case 'B':
        this.i++;
        return { src: '\\' + c, repeatable: false };
      case 'Q': {
        const end = p.indexOf('\\E', this.i + 1);
        const text = end === -1 ? p.slice(this.i + 1) : p.slice(this.i + 1, end);
        this.i = end === -1 ? p.length : end + 2;
        return { src: [...text].map((ch) => this.lit(ch.codePointAt(0)!, flags)).join(''), repeatable: true };
      }
    }
    this.i = start;
    const item = this.classEscape();
    const single = /^\\u\{([0-9a-f]+)\}$/.exec(item);
    return { src: single ? this.lit(parseInt(single[1]!, 16), flags) : item, repeatable: true };
  }

  /**
   * An escape valid both inside and outside classes, at this.i (the backslash).
   * Returns JS source: a class `[...]`, `\p{..}`, or a single literal.
   */
  private classEscape(inClass = false): string {
    const p = this.p;
    const start = this.i;
    this.i++;
    if (this.i >= p.length) this.err('trailing backslash at end of expression', '');
    const c = p[this.i]!;
    this.i++;
    const perl = PERL_CLASSES[c.toLowerCase()];
    if (perl) {
      const neg = c !== c.toLowerCase();
      return inClass && !neg ? perl : `[${neg ? '^' : ''}${perl}]`;
    }
    switch (c) {
      case 'a':
        return hexEscape(7);
      case 'f':
        return hexEscape(12);
      case 't':
        return hexEscape(9);
      case 'n':
        return hexEscape(10);
      case 'r':
        return hexEscape(13);
      case 'v':
        return hexEscape(11);
      case 'x': {
        const m = /^\{([0-9A-Fa-f]+)\}|^([0-9A-Fa-f]{2})/.exec(p.slice(this.i));
        if (!m) this.err('invalid escape sequence', p.slice(start, this.i + 2));
        this.i += m[0].length;
        const v = parseInt(m[1] ?? m[2]!, 16);
        if (v > 0x10ffff) this.err('invalid escape sequence', p.slice(start, this.i));
        return hexEscape(v);
      }
      case 'p':
      case 'P': {
        let name: string;
        if (p[this.i] === '{') {
          const close = p.indexOf('}', this.i);
          if (close === -1) this.err('invalid character class range', p.slice(start));
          name = p.slice(this.i + 1, close);
          this.i = close + 1;
        } else {
          if (this.i >= p.length) this.err('invalid character class range', p.slice(start));
          name = p[this.i]!;
          this.i++;
        }
        let neg = c === 'P';
        if (name.startsWith('^')) {
          neg = !neg;
          name = name.slice(1);
        }
        let prop: string;
        if (name === 'Any') return neg ? '[^\\s\\S]' : '[\\s\\S]';
        if (UNICODE_CATEGORIES.has(name)) prop = name;
        else {
          prop = `Script=${name}`;
          try {
            new RegExp(`\\p{${prop}}`, 'u');
          } catch {
            this.err('invalid character class range', p.slice(start, this.i));
          }
        }
        return `\\${neg ? 'P' : 'p'}{${prop}}`;
      }
    }
    if (c >= '0' && c <= '7') {
      // Octal escapes; \0 alone and \1-\7 as backreferences are not RE2.
      const m = /^[0-7]{0,2}/.exec(p.slice(this.i))!;
      if (c !== '0' && m[0].length === 0) this.err('invalid escape sequence', p.slice(start, this.i));
      this.i += m[0].length;
      return hexEscape(parseInt(c + m[0], 8));
    }
    const cp = c.codePointAt(0)!;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) return hexEscape(cp);
    this.err('invalid escape sequence', p.slice(start, this.i));
  }

  /** `[...]` → a JS class. */
  private charClass(flags: Flags): string {
    const p = this.p;
    const start = this.i;
    this.i++;
    let neg = false;
    if (p[this.i] === '^') {
      neg = true;
      this.i++;
    }
    const parts: string[] = [];
    const ranges: [number, number][] = [];
    let first = true;
    for (;;) {
      if (this.i >= p.length) this.err('missing closing ]', p.slice(start));
      const c = p[this.i]!;
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[' && p[this.i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.i));
        if (m) {
          const cls = POSIX_CLASSES[m[2]!];
          if (!cls) this.err('invalid character class range', m[0]);
          this.i += m[0].length;
          // A negated POSIX class inside a class needs a nested negation, which JS
          // (without the v flag) lacks; expand its complement instead.
          parts.push(m[1] ? complementClass(cls) : cls);
          continue;
        }
      }
      let lo: number;
      if (c === '\\') {
        const item = this.classEscape(true);
        const single = /^\\u\{([0-9a-f]+)\}$/.exec(item);
        if (!single && item.length !== 1) {
          parts.push(item.startsWith('[^') ? complementClass(item.slice(2, -1)) : item.startsWith('[') ? item.slice(1, -1) : item);
          continue;
        }
        lo = single ? parseInt(single[1]!, 16) : item.codePointAt(0)!;
      } else {
        lo = this.cp();
        this.i += lo > 0xffff ? 2 : 1;
      }
      let hi = lo;
      if (p[this.i] === '-' && this.i + 1 < p.length && p[this.i + 1] !== ']') {
        this.i++;
        if (p[this.i] === '\\') {
          const item = this.classEscape(true);
          const single = /^\\u\{([0-9a-f]+)\}$/.exec(item);
          if (!single && item.length !== 1) this.err('invalid character class range', p.slice(start, this.i));
          hi = single ? parseInt(single[1]!, 16) : item.codePointAt(0)!;
        } else {
          hi = this.cp();
          this.i += hi > 0xffff ? 2 : 1;
        }
        if (hi < lo) this.err('invalid character class range', `${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`);
      }
      ranges.push([lo, hi]);
    }
    const all = flags.i && !this.globalI ? ranges.flatMap(([a, b]) => foldRanges(a, b)) : ranges;
    for (const [a, b] of all) parts.push(a === b ? literal(a) : `${literal(a)}-${literal(b)}`);
    if (parts.length === 0) return neg ? '[\\s\\S]' : '[^\\s\\S]';
    return `[${neg ? '^' : ''}${parts.join('')}]`;
  }
}

/** The complement of a class body (a list of ranges in JS class syntax) as a class body. */
function complementClass(body: string): string {
  const re = new RegExp(`[${body}]`, 'u');
  const ranges: [number, number][] = [];
  let start = -1;
  for (let cp = 0; cp <= 0x80; cp++) {
    const inside = cp < 0x80 && re.test(String.fromCodePoint(cp));
    if (!inside && start === -1) start = cp;
    if (inside && start !== -1) {
      ranges.push([start, cp - 1]);
      start = -1;
    }
  }
  ranges.push([start === -1 ? 0x80 : start, 0x10ffff]);
  return ranges.map(([a, b]) => (a === b ? literal(a) : `${literal(a)}-${literal(b)}`)).join('');
}

export interface CompiledRegex {
  re: RegExp;
  /** Capture group names by index (index 0 is the whole match). */
  names: (string | undefined)[];
}

/** Translates and compiles a Go regexp; throws RegexSyntaxError. */
export function compileRE2(pattern: string): CompiledRegex {
  const t = new Translator(pattern);
  const src = t.translate();
  try {
    return { re: new RegExp(src, t.globalI ? 'gui' : 'gu'), names: t.names };
  } catch (e) {
    throw new RegexSyntaxError('invalid or unsupported Perl syntax', pattern + ` (${(e as Error).message})`);
  }
}

const cache = new Map<string, CompiledRegex>();
const CACHE_MAX = 200;

/** compileRE2 with a bounded process-wide cache (patterns are usually constants). */
export function getRegex(pattern: string): CompiledRegex {
  let c = cache.get(pattern);
  if (!c) {
    c = compileRE2(pattern);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(pattern, c);
  }
  return c;
}

/** Go's regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function execAt(re: RegExp, s: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(s);
}

function advance(s: string, pos: number): number {
  if (pos >= s.length) return pos + 1;
  const cp = s.codePointAt(pos)!;
  return pos + (cp > 0xffff ? 2 : 1);
}

/** Go's allMatches: successive non-overlapping matches; n < 0 means all. */
export function findAll(c: CompiledRegex, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  if (n < 0) n = s.length + 1;
  let pos = 0;
  let prevMatchEnd = -1;
  while (out.length < n && pos <= s.length) {
    const m = execAt(c.re, s, pos);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === pos) {
      if (start === prevMatchEnd) accept = false;
      pos = advance(s, pos);
    } else {
      pos = end;
    }
    prevMatchEnd = end;
    if (accept) out.push(m);
  }
  return out;
}

/** Go's Regexp.Split(s, -1). */
export function regexSplit(c: CompiledRegex, pattern: string, s: string): string[] {
  if (pattern.length > 0 && s.length === 0) return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(c, s, -1)) {
    end = m.index;
    if (m.index + m[0].length !== 0) out.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's Regexp.Expand for a replacement template ($1, ${1}, $name, ${name}, $$). */
function expand(template: string, m: RegExpExecArray, names: (string | undefined)[]): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf('$', i);
    if (d === -1) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, d);
    i = d + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    if (template[i] === '{') {
      const close = template.indexOf('}', i);
      const candidate = close === -1 ? '' : template.slice(i + 1, close);
      if (close !== -1 && /^[A-Za-z0-9_]+$/.test(candidate)) {
        name = candidate;
        i = close + 1;
      }
    } else {
      const nm = /^[A-Za-z0-9_]+/.exec(template.slice(i));
      if (nm) {
        name = nm[0];
        i += nm[0].length;
      }
    }
    if (name === undefined) {
      out += '$'; // malformed: Go copies the `$` literally
      continue;
    }
    if (/^\d+$/.test(name)) {
      const k = Number(name);
      if (k < m.length) out += m[k] ?? '';
    } else {
      const k = names.indexOf(name);
      if (k > 0) out += m[k] ?? '';
    }
  }
  return out;
}

/** Go's Regexp.ReplaceAllString. */
export function replaceAllString(c: CompiledRegex, s: string, template: string): string {
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    const m = execAt(c.re, s, searchPos);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    out += s.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += expand(template, m, c.names);
    lastMatchEnd = end;
    const next = advance(s, searchPos);
    if (next > end) searchPos = next;
    else searchPos = end;
  }
  return out + s.slice(lastMatchEnd);
}
