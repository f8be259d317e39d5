// Go regexp (RE2) matching with Go's iteration semantics (FindAll, Split,
// ReplaceAll with $-expansion), on two backends built from one parse:
//   • a JavaScript RegExp (`u` flag, code points like Go's runes) — fast, but
//     backtracking: exponential on nested repetitions, polynomial on several
//     unbounded ones;
//   • a Pike VM — linear in the input (program size × input length), used for
//     long inputs and for patterns that backtracking would blow up on.
// Policies match untrusted prompt text, so RE2's linear-time promise matters.
// Both backends give the same (leftmost-first) results.

import { parseRE2, RegexSyntaxError, type Assertion, type CharClass, type Node } from './re2-syntax.js';

export { RegexSyntaxError } from './re2-syntax.js';

/** One match: UTF-16 offsets and the capture groups (undefined when a group did not take part). */
export interface Match {
  index: number;
  end: number;
  groups: (string | undefined)[];
}

// ---------------------------------------------------------------------------
// JavaScript backend

const SYNTAX_CHARS = new Set('^$\\.*+?()[]{}|/-,# ');

function literal(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) return String.fromCodePoint(cp);
  if (cp < 0x80 || SYNTAX_CHARS.has(String.fromCodePoint(cp))) return `\\u{${cp.toString(16)}}`;
  return String.fromCodePoint(cp);
}

/** Simple case variants of a code point (itself included). */
const variantCache = new Map<number, number[]>();
function caseVariants(cp: number): number[] {
  let v = variantCache.get(cp);
  if (!v) {
    const ch = String.fromCodePoint(cp);
    v = [cp];
    for (const m of [ch.toLowerCase(), ch.toUpperCase()]) {
      const c = m.codePointAt(0)!;
      if ([...m].length === 1 && !v.includes(c)) v.push(c);
    }
    if (variantCache.size < 4096) variantCache.set(cp, v);
  }
  return v;
}

/** Ranges widened by case variants (for emulating a local (?i) in JS). */
function foldedRanges(ranges: [number, number][]): [number, number][] {
  const out = [...ranges];
  for (const [lo, hi] of ranges) {
    if (hi - lo > 0x2000) continue; // huge ranges (\W, [^...]) are closed under case folding already
    for (let cp = lo; cp <= hi; cp++) for (const v of caseVariants(cp)) if (v !== cp) out.push([v, v]);
  }
  return out;
}

function classSource(cls: CharClass, emulateFold: boolean): string {
  const ranges = emulateFold && cls.fold ? foldedRanges(cls.ranges) : cls.ranges;
  let body = ranges.map(([a, b]) => (a === b ? literal(a) : `${literal(a)}-${literal(b)}`)).join('');
  body += cls.props.map((p) => `\\${p.neg ? 'P' : 'p'}{${p.name}}`).join('');
  if (body === '') return cls.neg ? '[\\s\\S]' : '[^\\s\\S]';
  return `[${cls.neg ? '^' : ''}${body}]`;
}

const ASSERT_SOURCE: Record<Assertion, string> = {
  bol: '(?<![^\\n])',
  eol: '(?![^\\n])',
  bot: '^',
  eot: '$',
  wb: '\\b',
  nwb: '\\B',
};

function toSource(n: Node, emulateFold: boolean, names: (string | undefined)[]): string {
  const src = (x: Node) => toSource(x, emulateFold, names);
  switch (n.t) {
    case 'empty':
      return '';
    case 'lit': {
      const vs = emulateFold && n.fold ? caseVariants(n.cp) : [n.cp];
      return vs.length === 1 ? literal(n.cp) : `[${vs.map(literal).join('')}]`;
    }
    case 'class':
      return classSource(n.cls, emulateFold);
    case 'any':
      return n.nl ? '[\\s\\S]' : '[^\\n]';
    case 'assert':
      return ASSERT_SOURCE[n.kind];
    case 'cat':
      return n.items.map(src).join('');
    case 'alt':
      return `(?:${n.items.map(src).join('|')})`;
    case 'cap': {
      const name = names[n.index];
      return name ? `(?<${name}>${src(n.node)})` : `(${src(n.node)})`;
    }
    case 'rep': {
      const inner = src(n.node);
      const atom = n.node.t === 'lit' || n.node.t === 'class' || n.node.t === 'any' || n.node.t === 'cap' ? inner : `(?:${inner})`;
      const q =
        n.min === 0 && n.max === -1 ? '*' : n.min === 1 && n.max === -1 ? '+' : n.min === 0 && n.max === 1 ? '?' : n.max === -1 ? `{${n.min},}` : n.min === n.max ? `{${n.min}}` : `{${n.min},${n.max}}`;
      return atom + q + (n.greedy ? '' : '?');
    }
  }
}

// ---------------------------------------------------------------------------
// Pike VM backend

type Inst =
  | { op: 'char'; cp: number; fold: boolean }
  | { op: 'class'; cls: CharClass }
  | { op: 'any'; nl: boolean }
  | { op: 'assert'; kind: Assertion }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'save'; n: number }
  | { op: 'match' };

const MAX_PROGRAM = 20_000;

class Compiler {
  readonly prog: Inst[] = [];

  constructor(private readonly pattern: string) {}

  private emit(i: Inst): number {
    if (this.prog.length >= MAX_PROGRAM) throw new RegexSyntaxError('expression too large', this.pattern);
    return this.prog.push(i) - 1;
  }

  compile(n: Node): void {
    switch (n.t) {
      case 'empty':
        return;
      case 'lit':
        this.emit({ op: 'char', cp: n.cp, fold: n.fold });
        return;
      case 'class':
        this.emit({ op: 'class', cls: n.cls });
        return;
      case 'any':
        this.emit({ op: 'any', nl: n.nl });
        return;
      case 'assert':
        this.emit({ op: 'assert', kind: n.kind });
        return;
      case 'cat':
        for (const x of n.items) this.compile(x);
        return;
      case 'cap':
        this.emit({ op: 'save', n: n.index * 2 });
        this.compile(n.node);
        this.emit({ op: 'save', n: n.index * 2 + 1 });
        return;
      case 'alt': {
        const jumps: number[] = [];
        n.items.forEach((x, k) => {
          if (k < n.items.length - 1) {
            const split = this.emit({ op: 'split', x: 0, y: 0 });
            (this.prog[split] as { x: number }).x = this.prog.length;
            this.compile(x);
            jumps.push(this.emit({ op: 'jmp', x: 0 }));
            (this.prog[split] as { y: number }).y = this.prog.length;
          } else this.compile(x);
        });
        for (const j of jumps) (this.prog[j] as { x: number }).x = this.prog.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < n.min; k++) this.compile(n.node);
        if (n.max === -1) {
          const split = this.emit({ op: 'split', x: 0, y: 0 });
          const body = this.prog.length;
          this.compile(n.node);
          this.emit({ op: 'jmp', x: split });
          this.patchSplit(split, body, this.prog.length, n.greedy);
          return;
        }
        const splits: number[] = [];
        for (let k = n.min; k < n.max; k++) {
          const split = this.emit({ op: 'split', x: 0, y: 0 });
          splits.push(split);
          this.patchSplit(split, this.prog.length, 0, n.greedy);
          this.compile(n.node);
        }
        // skipping one optional copy skips the rest
        for (const s of splits) this.patchSplit(s, s + 1, this.prog.length, n.greedy);
        return;
      }
    }
  }

  private patchSplit(at: number, body: number, out: number, greedy: boolean): void {
    const inst = this.prog[at] as { x: number; y: number };
    [inst.x, inst.y] = greedy ? [body, out] : [out, body];
  }
}

function inRanges(ranges: [number, number][], cp: number): boolean {
  for (const [lo, hi] of ranges) if (cp >= lo && cp <= hi) return true;
  return false;
}

const propCache = new Map<string, RegExp>();
function hasProp(name: string, cp: number): boolean {
  let re = propCache.get(name);
  if (!re) {
    re = new RegExp(`^\\p{${name}}$`, 'u');
    propCache.set(name, re);
  }
  return re.test(String.fromCodePoint(cp));
}

function classMatches(cls: CharClass, cp: number): boolean {
  const test = (c: number) => inRanges(cls.ranges, c) || cls.props.some((p) => hasProp(p.name, c) !== p.neg);
  const hit = test(cp) || (cls.fold && caseVariants(cp).some((v) => v !== cp && test(v)));
  return hit !== cls.neg;
}

function isWordAt(s: string, pos: number): boolean {
  const c = s.charCodeAt(pos);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function assertHolds(kind: Assertion, s: string, pos: number): boolean {
  switch (kind) {
    case 'bot':
      return pos === 0;
    case 'eot':
      return pos === s.length;
    case 'bol':
      return pos === 0 || s.charCodeAt(pos - 1) === 10;
    case 'eol':
      return pos === s.length || s.charCodeAt(pos) === 10;
    case 'wb':
    case 'nwb':
      return (pos > 0 && isWordAt(s, pos - 1)) !== (pos < s.length && isWordAt(s, pos)) === (kind === 'wb');
  }
}

interface Thread {
  pc: number;
  caps: number[];
}

/** Runs the program leftmost-first from `start`; returns the capture offsets or null. */
function pikeSearch(prog: Inst[], ncap: number, s: string, start: number, anchored: boolean): number[] | null {
  const marks = new Int32Array(prog.length);
  let listId = 1;
  let clist: Thread[] = [];
  let nlist: Thread[] = [];
  let matched: number[] | null = null;
  const add = (list: Thread[], id: number, pc: number, pos: number, caps: number[]): void => {
    if (marks[pc] === id) return;
    marks[pc] = id;
    const inst = prog[pc]!;
    switch (inst.op) {
      case 'jmp':
        return add(list, id, inst.x, pos, caps);
      case 'split':
        add(list, id, inst.x, pos, caps);
        return add(list, id, inst.y, pos, caps);
      case 'save': {
        const c = caps.slice();
        c[inst.n] = pos;
        return add(list, id, pc + 1, pos, c);
      }
      case 'assert':
        if (assertHolds(inst.kind, s, pos)) add(list, id, pc + 1, pos, caps);
        return;
      default:
        list.push({ pc, caps });
    }
  };
  for (let pos = start; ; ) {
    if (matched === null && (!anchored || pos === 0)) {
      const caps = new Array<number>(ncap).fill(-1);
      caps[0] = pos;
      add(clist, listId, 0, pos, caps);
    }
    const cp = pos < s.length ? s.codePointAt(pos)! : -1;
    const next = pos + (cp > 0xffff ? 2 : 1);
    if (clist.length === 0) {
      // Nothing alive: stop unless a later start position may still match.
      if (matched !== null || anchored || cp < 0) break;
      listId++;
      pos = next;
      continue;
    }
    const nextId = listId + 1;
    for (const th of clist) {
      const inst = prog[th.pc]!;
      if (inst.op === 'match') {
        matched = th.caps.slice();
        matched[1] = pos;
        break; // lower-priority threads cannot win any more
      }
      if (cp < 0) continue;
      const ok = inst.op === 'char' ? inst.cp === cp || (inst.fold && caseVariants(cp).includes(inst.cp)) : inst.op === 'class' ? classMatches(inst.cls, cp) : inst.op === 'any' && (inst.nl || cp !== 10);
      if (ok) add(nlist, nextId, th.pc + 1, next, th.caps);
    }
    if (cp < 0) break;
    [clist, nlist] = [nlist, clist];
    nlist.length = 0;
    listId = nextId;
    pos = next;
  }
  return matched;
}

// ---------------------------------------------------------------------------

/** Inputs up to this many UTF-16 units may use the backtracking engine. */
const NATIVE_MAX_INPUT = 4096;

/**
 * Could backtracking on this pattern take more than quadratic time? True for
 * repetitions of something that itself repeats or alternates, and for more than
 * one unbounded (or long) repetition.
 */
function backtrackingRisk(root: Node): boolean {
  let unbounded = 0;
  let nested = false;
  const walk = (n: Node, inRep: boolean): void => {
    switch (n.t) {
      case 'rep':
        if (inRep) nested = true;
        if (n.max === -1 || n.max > 16) unbounded++;
        walk(n.node, true);
        return;
      case 'alt':
        if (inRep) nested = true;
        n.items.forEach((x) => walk(x, inRep));
        return;
      case 'cat':
        n.items.forEach((x) => walk(x, inRep));
        return;
      case 'cap':
        walk(n.node, inRep);
        return;
      default:
        return;
    }
  };
  walk(root, false);
  return nested || unbounded > 1;
}

function foldable(n: Node): boolean[] {
  switch (n.t) {
    case 'lit':
      return [n.fold];
    case 'class':
      return [n.cls.fold];
    case 'cat':
    case 'alt':
      return n.items.flatMap(foldable);
    case 'rep':
    case 'cap':
      return foldable(n.node);
    default:
      return [];
  }
}

export class CompiledRegex {
  /** Capture group names by index (index 0 is the whole match). */
  readonly names: (string | undefined)[];
  private readonly re: RegExp;
  private readonly prog: Inst[];
  private readonly risky: boolean;
  private readonly anchored: boolean;

  constructor(pattern: string) {
    const { root, names } = parseRE2(pattern);
    this.names = names;
    const folds = foldable(root);
    // JS's `i` flag when case-insensitivity covers the whole pattern, emulated otherwise
    const globalI = folds.length > 0 && folds.every(Boolean);
    this.re = new RegExp(toSource(root, !globalI, names), globalI ? 'gui' : 'gu');
    const c = new Compiler(pattern);
    c.compile(root);
    c.prog.push({ op: 'match' });
    this.prog = c.prog;
    this.risky = backtrackingRisk(root);
    this.anchored = root.t === 'assert' ? root.kind === 'bot' : root.t === 'cat' && root.items[0]?.t === 'assert' && root.items[0].kind === 'bot';
  }

  /** The leftmost-first match at or after pos. */
  exec(s: string, pos: number): Match | null {
    return !this.risky && s.length <= NATIVE_MAX_INPUT ? this.execNative(s, pos) : this.execLinear(s, pos);
  }

  /** exec on the JavaScript engine (backtracking). */
  execNative(s: string, pos: number): Match | null {
    this.re.lastIndex = pos;
    const m = this.re.exec(s);
    return m ? { index: m.index, end: m.index + m[0].length, groups: [...m] } : null;
  }

  /** exec on the Pike VM (linear time). */
  execLinear(s: string, pos: number): Match | null {
    const caps = pikeSearch(this.prog, this.names.length * 2, s, pos, this.anchored);
    if (!caps) return null;
    const groups: (string | undefined)[] = [];
    for (let k = 0; k < this.names.length; k++) {
      const a = caps[2 * k]!;
      const b = caps[2 * k + 1]!;
      groups.push(a >= 0 && b >= 0 ? s.slice(a, b) : undefined);
    }
    return { index: caps[0]!, end: caps[1]!, groups };
  }

  test(s: string): boolean {
    return this.exec(s, 0) !== null;
  }
}

/** Parses and compiles a Go regexp; throws RegexSyntaxError. */
export function compileRE2(pattern: string): CompiledRegex {
  return new CompiledRegex(pattern);
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

function advance(s: string, pos: number): number {
  if (pos >= s.length) return pos + 1;
  return pos + (s.codePointAt(pos)! > 0xffff ? 2 : 1);
}

/** Go's allMatches: successive non-overlapping matches; n < 0 means all. */
export function findAll(c: CompiledRegex, s: string, n: number): Match[] {
  const out: Match[] = [];
  if (n < 0) n = s.length + 1;
  let pos = 0;
  let prevMatchEnd = -1;
  while (out.length < n && pos <= s.length) {
    const m = c.exec(s, pos);
    if (!m) break;
    let accept = true;
    if (m.end === pos) {
      if (m.index === prevMatchEnd) accept = false;
      pos = advance(s, pos);
    } else {
      pos = m.end;
    }
    prevMatchEnd = m.end;
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
    if (m.end !== 0) out.push(s.slice(beg, end));
    beg = m.end;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's Regexp.Expand for a replacement template ($1, ${1}, $name, ${name}, $$). */
function expand(template: string, m: Match, names: (string | undefined)[]): string {
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
    const k = /^\d+$/.test(name) ? Number(name) : names.indexOf(name);
    if (k >= 0 && (k > 0 || /^\d+$/.test(name))) out += m.groups[k] ?? '';
  }
  return out;
}

/** Go's Regexp.ReplaceAllString. */
export function replaceAllString(c: CompiledRegex, s: string, template: string): string {
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    const m = c.exec(s, searchPos);
    if (!m) break;
    out += s.slice(lastMatchEnd, m.index);
    if (m.end > lastMatchEnd || m.index === 0) out += expand(template, m, c.names);
    lastMatchEnd = m.end;
    const next = advance(s, searchPos);
    searchPos = next > m.end ? next : m.end;
  }
  return out + s.slice(lastMatchEnd);
}

