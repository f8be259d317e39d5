// String built-ins, following Go's strings package semantics (runes, not UTF-16 units).

import { RegoSet, formatValue, isInteger, toBigInt, type Value } from '../value.js';
import { goSprintf, type GoArg } from './gofmt.js';
import { renderTemplate } from './template.js';
import { runeLength } from './collections.js';
import {
  EvalError,
  builtin,
  enumErr,
  num,
  obj,
  operandErr,
  smallInt,
  str,
  strings,
  typeErr,
  type BuiltinDef,
} from './support.js';

/** Go's unicode.IsSpace. */
export function isGoSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Go's strings.TrimSpace. */
export function trimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/**
 * Go's strings.ToLower/ToUpper: each code point on its own with Unicode's simple
 * case mapping (JS applies full and context-sensitive mappings: ß → SS, final σ).
 */
function mapCase(s: string, upper: boolean): string {
  if (/^[\u0000-\u007f]*$/.test(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = '';
  for (const ch of s) {
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    // a multi-code-point result is a special-casing rule; Go's simple mapping keeps the rune
    out += m.length === ch.length || [...m].length === 1 ? m : ch === '\u0130' ? 'i' : ch;
  }
  return out;
}

function trimLeftSet(s: string, cutset: string): string {
  const cut = new Set(cutset);
  const cps = [...s];
  let i = 0;
  while (i < cps.length && cut.has(cps[i]!)) i++;
  return cps.slice(i).join('');
}

function trimRightSet(s: string, cutset: string): string {
  const cut = new Set(cutset);
  const cps = [...s];
  let j = cps.length;
  while (j > 0 && cut.has(cps[j - 1]!)) j--;
  return cps.slice(0, j).join('');
}

/** Go's strings.Count: non-overlapping occurrences; "" counts rune boundaries. */
function countSubstr(s: string, sub: string): number {
  if (sub === '') return [...s].length + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

/** Go's strings.Split (an empty separator splits into runes). */
export function goSplit(s: string, sep: string): string[] {
  if (sep === '') return [...s];
  return s.split(sep);
}

/**
 * Go's strings.NewReplacer(old1, new1, …).Replace(s): at each position the
 * first pair (in argument order) whose old string matches wins; matches do
 * not overlap; an empty old string matches at every rune boundary.
 */
export function replaceAll(s: string, pairs: [string, string][]): string {
  if (pairs.length === 1 && pairs[0]![0] !== '') return s.split(pairs[0]![0]).join(pairs[0]![1]);
  let out = '';
  let i = 0;
  while (i <= s.length) {
    let matched = false;
    for (const [o, n] of pairs) {
      if (s.startsWith(o, i)) {
        out += n;
        if (o !== '') {
          i += o.length;
          matched = true;
        }
        break;
      }
    }
    if (matched) continue;
    if (i === s.length) break;
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    out += ch;
    i += ch.length;
  }
  return out;
}

/** Rune offsets of the (overlapping) occurrences of search in base; only the first unless all. */
function runeIndexes(base: string, search: string, all: boolean): number[] {
  const out: number[] = [];
  let runes = 0;
  let counted = 0;
  for (let i = base.indexOf(search); i !== -1; i = all ? base.indexOf(search, i + 1) : -1) {
    runes += runeLength(base.slice(counted, i));
    counted = i;
    out.push(runes);
  }
  return out;
}

function stringsOrString(v: Value, pos: number): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) || v instanceof RegoSet) return strings(v, pos);
  throw typeErr(pos, v, 'string', 'set', 'array');
}

function formatInt(input: number | bigint, base: Value): string {
  if (!(typeof base === 'number' || typeof base === 'bigint') || ![2, 8, 10, 16].includes(Number(base))) {
    throw enumErr(2, ['2', '8', '10', '16']);
  }
  const i = isInteger(input) ? toBigInt(input) : BigInt(Math.trunc(input as number));
  return i.toString(Number(base));
}

export const stringBuiltins: BuiltinDef[] = [
  builtin('concat', 2, ([sep, xs]) => {
    const s = str(sep!, 1);
    if (!Array.isArray(xs) && !(xs instanceof RegoSet)) throw typeErr(2, xs!, 'set', 'array');
    return strings(xs, 2).join(s);
  }),
  builtin('contains', 2, ([s, sub]) => str(s!, 1).includes(str(sub!, 2))),
  builtin('startswith', 2, ([s, p]) => str(s!, 1).startsWith(str(p!, 2))),
  builtin('endswith', 2, ([s, p]) => str(s!, 1).endsWith(str(p!, 2))),
  builtin('strings.count', 2, ([s, sub]) => countSubstr(str(s!, 1), str(sub!, 2))),
  builtin('strings.any_prefix_match', 2, ([a, b]) => {
    const xs = stringsOrString(a!, 1);
    const ps = stringsOrString(b!, 2);
    return xs.some((x) => ps.some((p) => x.startsWith(p)));
  }),
  builtin('strings.any_suffix_match', 2, ([a, b]) => {
    const xs = stringsOrString(a!, 1);
    const ps = stringsOrString(b!, 2);
    return xs.some((x) => ps.some((p) => x.endsWith(p)));
  }),
  builtin('format_int', 2, ([n, base]) => formatInt(num(n!, 1), num(base!, 2))),
  builtin('indexof', 2, ([b, s]) => {
    const base = str(b!, 1);
    const search = str(s!, 2);
    if (search === '') throw new EvalError('empty search character');
    return runeIndexes(base, search, false)[0] ?? -1;
  }),
  builtin('indexof_n', 2, ([b, s]) => {
    const base = str(b!, 1);
    const search = str(s!, 2);
    if (search === '') throw new EvalError('empty search character');
    return runeIndexes(base, search, true);
  }),
  builtin('substring', 3, ([b, s, l]) => {
    const base = str(b!, 1);
    const start = smallInt(s!, 2);
    const length = smallInt(l!, 3);
    if (start < 0) throw new EvalError('negative offset');
    const runes = [...base];
    if (start >= runes.length) return '';
    return runes.slice(start, length < 0 ? undefined : start + length).join('');
  }),
  builtin('lower', 1, ([s]) => mapCase(str(s!, 1), false)),
  builtin('upper', 1, ([s]) => mapCase(str(s!, 1), true)),
  builtin('split', 2, ([s, d]) => {
    const text = str(s!, 1);
    const delim = str(d!, 2);
    return text.includes(delim) ? goSplit(text, delim) : [text];
  }),
  builtin('strings.split_n', 3, ([s, d, n]) => {
    const text = str(s!, 1);
    const delim = str(d!, 2);
    const count = smallInt(n!, 3);
    const parts = text.includes(delim) ? goSplit(text, delim) : [text];
    if (count >= 0) return parts.slice(0, count);
    return parts.slice(Math.max(parts.length + count, 0));
  }),
  builtin('replace', 3, ([s, o, n]) => replaceAll(str(s!, 1), [[str(o!, 2), str(n!, 3)]])),
  builtin('strings.replace_n', 2, ([p, s]) => {
    const patterns = obj(p!, 1);
    const text = str(s!, 2);
    const pairs: [string, string][] = [];
    for (const [k, v] of patterns) {
      if (typeof k !== 'string') throw operandErr(1, 'non-string key found in pattern object');
      if (typeof v !== 'string') throw operandErr(1, 'non-string value found in pattern object');
      pairs.push([k, v]);
    }
    return pairs.length === 0 ? text : replaceAll(text, pairs);
  }),
  builtin('trim', 2, ([s, c]) => {
    const cut = str(c!, 2);
    return trimRightSet(trimLeftSet(str(s!, 1), cut), cut);
  }),
  builtin('trim_left', 2, ([s, c]) => trimLeftSet(str(s!, 1), str(c!, 2))),
  builtin('trim_right', 2, ([s, c]) => trimRightSet(str(s!, 1), str(c!, 2))),
  builtin('trim_prefix', 2, ([s, p]) => {
    const text = str(s!, 1);
    const pre = str(p!, 2);
    return text.startsWith(pre) ? text.slice(pre.length) : text;
  }),
  builtin('trim_suffix', 2, ([s, p]) => {
    const text = str(s!, 1);
    const suf = str(p!, 2);
    return suf !== '' && text.endsWith(suf) ? text.slice(0, text.length - suf.length) : text;
  }),
  builtin('trim_space', 1, ([s]) => trimSpace(str(s!, 1))),
  builtin('strings.reverse', 1, ([s]) => [...str(s!, 1)].reverse().join('')),
  builtin('strings.render_template', 2, ([t, v]) => renderTemplate(str(t!, 1), obj(v!, 2))),
  builtin('sprintf', 2, ([f, a]) => {
    const format = str(f!, 1);
    if (!Array.isArray(a)) throw typeErr(2, a!, 'array');
    return goSprintf(format, a.map(toGoArg));
  }),
];

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** How OPA hands a Rego value to Go's fmt.Sprintf. */
function toGoArg(v: Value): GoArg {
  if (typeof v === 'string') return { kind: 'string', v };
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (!isInteger(v)) return { kind: 'float', v: v as number };
    const b = toBigInt(v);
    return { kind: b >= INT64_MIN && b <= INT64_MAX ? 'int' : 'bigint', v: b };
  }
  return { kind: 'string', v: formatValue(v) };
}
