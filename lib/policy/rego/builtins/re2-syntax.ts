// Go regexp (RE2) syntax → an AST, with Go's error texts. Two backends use
// it (re2.ts): a JavaScript RegExp for speed and a linear-time VM for long or
// backtracking-prone inputs. Flags (?imsU) are resolved here, per node.

export class RegexSyntaxError extends Error {
  constructor(code: string, arg: string) {
    super(`error parsing regexp: ${code}: \`${arg}\``);
  }
}

export type Range = [number, number];

export interface CharClass {
  ranges: Range[];
  /** Unicode properties (JS \p names: "L", "Script=Greek"). */
  props: { name: string; neg: boolean }[];
  neg: boolean;
  /** Case-insensitive: a code point also matches through its simple case variants. */
  fold: boolean;
}

export type Assertion = 'bol' | 'eol' | 'bot' | 'eot' | 'wb' | 'nwb';

export type Node =
  | { t: 'empty' }
  | { t: 'lit'; cp: number; fold: boolean }
  | { t: 'class'; cls: CharClass }
  | { t: 'any'; nl: boolean }
  | { t: 'assert'; kind: Assertion }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number; greedy: boolean }
  | { t: 'cap'; index: number; node: Node };

export interface Syntax {
  root: Node;
  /** Capture names by group index (index 0, the whole match, is unnamed). */
  names: (string | undefined)[];
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const WORD: Range[] = [
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
];
const PERL_CLASSES: Record<string, Range[]> = {
  d: [[48, 57]],
  w: WORD,
  s: [
    [9, 10],
    [12, 13],
    [32, 32],
  ],
};
const POSIX_CLASSES: Record<string, Range[]> = {
  alnum: [
    [48, 57],
    [65, 90],
    [97, 122],
  ],
  alpha: [
    [65, 90],
    [97, 122],
  ],
  ascii: [[0, 127]],
  blank: [
    [9, 9],
    [32, 32],
  ],
  cntrl: [
    [0, 31],
    [127, 127],
  ],
  digit: [[48, 57]],
  graph: [[33, 126]],
  lower: [[97, 122]],
  print: [[32, 126]],
  punct: [
    [33, 47],
    [58, 64],
    [91, 96],
    [123, 126],
  ],
  space: [
    [9, 13],
    [32, 32],
  ],
  upper: [[65, 90]],
  word: WORD,
  xdigit: [
    [48, 57],
    [65, 70],
    [97, 102],
  ],
};
const UNICODE_CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
]);

export function complement(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

/** A class-escape item: ranges or a Unicode property. */
type ClassItem = { ranges: Range[] } | { prop: { name: string; neg: boolean } };

class Parser {
  private i = 0;
  private readonly names: (string | undefined)[] = [undefined];

  constructor(private readonly p: string) {}

  private err(code: string, arg: string): never {
    throw new RegexSyntaxError(code, arg);
  }

  private cp(): number {
    return this.p.codePointAt(this.i)!;
  }

  parse(): Syntax {
    const root = this.alternation({ i: false, m: false, s: false, U: false }, 0);
    if (this.i < this.p.length) this.err('unexpected )', this.p);
    return { root, names: this.names };
  }

  /** Parses until `)` or the end. */
  private alternation(flags: Flags, depth: number): Node {
    const branches: Node[] = [];
    let items: Node[] = [];
    let lastWasRepeat = false;
    let canRepeat = false;
    const p = this.p;
    const finish = (): Node => {
      branches.push(items.length === 1 ? items[0]! : items.length === 0 ? { t: 'empty' } : { t: 'cat', items });
      return branches.length === 1 ? branches[0]! : { t: 'alt', items: branches };
    };
    while (this.i < p.length) {
      const c = p[this.i]!;
      if (c === ')') {
        if (depth === 0) this.err('unexpected )', p);
        return finish();
      }
      if (c === '|') {
        this.i++;
        branches.push(items.length === 1 ? items[0]! : items.length === 0 ? { t: 'empty' } : { t: 'cat', items });
        items = [];
        canRepeat = false;
        lastWasRepeat = false;
        continue;
      }
      const rep = /^(?:[*+?]|\{(\d+)(,(\d*))?\})\??/.exec(p.slice(this.i));
      if (rep && (c !== '{' || rep[1] !== undefined)) {
        const start = this.i;
        let min: number;
        let max: number;
        if (c === '{') {
          min = Number(rep[1]);
          max = rep[2] === undefined ? min : rep[3] === '' ? -1 : Number(rep[3]);
          const brace = rep[0].endsWith('?') ? rep[0].slice(0, -1) : rep[0];
          if (min > 1000 || max > 1000 || (max >= 0 && max < min)) this.err('invalid repeat count', brace);
        } else [min, max] = c === '*' ? [0, -1] : c === '+' ? [1, -1] : [0, 1];
        this.i += rep[0].length;
        const opText = p.slice(start, this.i);
        if (!canRepeat) this.err('missing argument to repetition operator', opText);
        if (lastWasRepeat) this.err('invalid nested repetition operator', p.slice(start - 1, this.i));
        const lazy = rep[0].length > 1 && rep[0].endsWith('?') && (c !== '{' || rep[0].endsWith('}?'));
        items.push({ t: 'rep', node: items.pop()!, min, max, greedy: lazy === flags.U });
        lastWasRepeat = true;
        continue;
      }
      lastWasRepeat = false;
      const atom = this.atom(flags, depth);
      if (atom === null) {
        canRepeat = false;
        continue;
      }
      items.push(...(atom.t === 'cat' && atom.items.every((n) => n.t === 'lit') ? atom.items : [atom]));
      canRepeat = atom.t !== 'assert' && !(atom.t === 'cat' && atom.items.length === 0);
    }
    if (depth > 0) this.err('missing closing )', p);
    return finish();
  }

  /** One atom; null when it only changed flags. */
  private atom(flags: Flags, depth: number): Node | null {
    const c = this.p[this.i]!;
    switch (c) {
      case '(':
        return this.group(flags, depth);
      case '[':
        return { t: 'class', cls: this.charClass(flags) };
      case '.':
        this.i++;
        return { t: 'any', nl: flags.s };
      case '^':
        this.i++;
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot' };
      case '$':
        this.i++;
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot' };
      case '\\':
        return this.escape(flags);
    }
    const cp = this.cp();
    this.i += cp > 0xffff ? 2 : 1;
    return { t: 'lit', cp, fold: flags.i };
  }

  private group(flags: Flags, depth: number): Node | null {
    const p = this.p;
    this.i++; // (
    if (p[this.i] !== '?') {
      const index = this.names.push(undefined) - 1;
      const node = this.alternation({ ...flags }, depth + 1);
      this.i++;
      return { t: 'cap', index, node };
    }
    const rest = p.slice(this.i);
    const named = /^\?P?<([A-Za-z0-9_]+)>/.exec(rest);
    if (named) {
      this.i += named[0].length;
      const index = this.names.push(named[1]) - 1;
      const node = this.alternation({ ...flags }, depth + 1);
      this.i++;
      return { t: 'cap', index, node };
    }
    if (rest.startsWith('?P<') || rest.startsWith('?<')) {
      const close = rest.indexOf('>');
      this.err('invalid named capture', close === -1 ? p.slice(this.i - 1) : p.slice(this.i - 1, this.i + close + 1));
    }
    const fm = /^\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
    if (!fm || /[^imsU]/.test((fm[1] ?? '') + (fm[2] ?? '')) || fm[2] === '') {
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
    const node = this.alternation(next, depth + 1);
    this.i++;
    // wrapped so that a following repetition applies to the whole group
    return { t: 'cat', items: [node] };
  }

  /** Escapes outside classes. */
  private escape(flags: Flags): Node {
    const p = this.p;
    const start = this.i;
    const c = p[this.i + 1];
    switch (c) {
      case 'A':
      case 'z':
      case 'b':
      case 'B':
        this.i += 2;
        return { t: 'assert', kind: c === 'A' ? 'bot' : c === 'z' ? 'eot' : c === 'b' ? 'wb' : 'nwb' };
      case 'Q': {
        const end = p.indexOf('\\E', this.i + 2);
        const text = end === -1 ? p.slice(this.i + 2) : p.slice(this.i + 2, end);
        this.i = end === -1 ? p.length : end + 2;
        return { t: 'cat', items: [...text].map((ch) => ({ t: 'lit', cp: ch.codePointAt(0)!, fold: flags.i }) as Node) };
      }
    }
    this.i = start;
    const item = this.classEscape();
    if (typeof item === 'number') return { t: 'lit', cp: item, fold: flags.i };
    return { t: 'class', cls: 'prop' in item ? { ranges: [], props: [item.prop], neg: false, fold: flags.i } : { ranges: item.ranges, props: [], neg: false, fold: flags.i } };
  }

  /** An escape valid inside and outside classes: a code point, ranges or a property. */
  private classEscape(): number | ClassItem {
    const p = this.p;
    const start = this.i;
    this.i++;
    if (this.i >= p.length) this.err('trailing backslash at end of expression', '');
    const c = p[this.i]!;
    this.i++;
    const perl = PERL_CLASSES[c.toLowerCase()];
    if (perl) return { ranges: c === c.toLowerCase() ? perl : complement(perl) };
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (simple[c] !== undefined) return simple[c]!;
    if (c === 'x') {
      const m = /^\{([0-9A-Fa-f]+)\}|^([0-9A-Fa-f]{2})/.exec(p.slice(this.i));
      if (!m) this.err('invalid escape sequence', p.slice(start, this.i + 2));
      this.i += m[0].length;
      const v = parseInt(m[1] ?? m[2]!, 16);
      if (v > 0x10ffff) this.err('invalid escape sequence', p.slice(start, this.i));
      return v;
    }
    if (c === 'p' || c === 'P') {
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
      if (name === 'Any') return { ranges: neg ? [] : [[0, 0x10ffff]] };
      const prop = UNICODE_CATEGORIES.has(name) ? name : `Script=${name}`;
      try {
        new RegExp(`\\p{${prop}}`, 'u');
      } catch {
        this.err('invalid character class range', p.slice(start, this.i));
      }
      return { prop: { name: prop, neg } };
    }
    if (c >= '0' && c <= '7') {
      // Octal escapes; \1-\7 alone would be backreferences, which RE2 lacks.
      const m = /^[0-7]{0,2}/.exec(p.slice(this.i))!;
      if (c !== '0' && m[0].length === 0) this.err('invalid escape sequence', p.slice(start, this.i));
      this.i += m[0].length;
      return parseInt(c + m[0], 8);
    }
    const cp = c.codePointAt(0)!;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) return cp;
    return this.err('invalid escape sequence', p.slice(start, this.i));
  }

  /** `[...]`. */
  private charClass(flags: Flags): CharClass {
    const p = this.p;
    const start = this.i;
    this.i++;
    const cls: CharClass = { ranges: [], props: [], neg: false, fold: flags.i };
    if (p[this.i] === '^') {
      cls.neg = true;
      this.i++;
    }
    let first = true;
    const single = (): number => {
      if (p[this.i] !== '\\') {
        const cp = this.cp();
        this.i += cp > 0xffff ? 2 : 1;
        return cp;
      }
      const item = this.classEscape();
      if (typeof item !== 'number') this.err('invalid character class range', p.slice(start, this.i));
      return item;
    };
    for (;;) {
      if (this.i >= p.length) this.err('missing closing ]', p.slice(start));
      const c = p[this.i]!;
      if (c === ']' && !first) {
        this.i++;
        return cls;
      }
      first = false;
      if (c === '[' && p[this.i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.i));
        if (m) {
          const ranges = POSIX_CLASSES[m[2]!];
          if (!ranges) this.err('invalid character class range', m[0]);
          this.i += m[0].length;
          cls.ranges.push(...(m[1] ? complement(ranges) : ranges));
          continue;
        }
      }
      if (c === '\\' && /^\\[dDsSwWpP]/.test(p.slice(this.i))) {
        const item = this.classEscape() as ClassItem;
        if ('prop' in item) cls.props.push(item.prop);
        else cls.ranges.push(...item.ranges);
        continue;
      }
      const lo = single();
      let hi = lo;
      if (p[this.i] === '-' && this.i + 1 < p.length && p[this.i + 1] !== ']') {
        this.i++;
        hi = single();
        if (hi < lo) this.err('invalid character class range', `${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`);
      }
      cls.ranges.push([lo, hi]);
    }
  }
}

export function parseRE2(pattern: string): Syntax {
  return new Parser(pattern).parse();
}
