// regex.*, glob.* built-ins.

import type { Value } from '../value.js';
import { EvalError, builtin, elementErr, smallInt, str, typeErr, type BuiltinDef } from './support.js';
import { compileRE2, findAll, type CompiledRegex, getRegex, quoteMeta, regexSplit, replaceAllString } from './re2.js';
import { globsIntersect } from './globs.js';

/** regex.template_match: literal text with delimited regex sections, anchored (gorilla/mux style). */
function templateRegex(tpl: string, open: string, close: string): string {
  let level = 0;
  let idx = 0;
  const idxs: number[] = [];
  for (let i = 0; i < tpl.length; i++) {
    if (tpl[i] === open) {
      if (++level === 1) idx = i;
    } else if (tpl[i] === close) {
      if (--level === 0) idxs.push(idx, i + 1);
      else if (level < 0) throw new EvalError(`unbalanced braces in ${JSON.stringify(tpl)}`);
    }
  }
  if (level !== 0) throw new EvalError(`unbalanced braces in ${JSON.stringify(tpl)}`);
  let pattern = '^';
  let end = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    const raw = tpl.slice(end, idxs[i]);
    end = idxs[i + 1]!;
    const part = tpl.slice(idxs[i]! + 1, end - 1);
    compileRE2(`^${part}$`);
    pattern += `${quoteMeta(raw)}(${part})`;
  }
  return pattern + quoteMeta(tpl.slice(end)) + '$';
}

/** Compiles a gobwas/glob pattern to RE2 syntax (run on the linear-time engine when risky). */
export function globToRegex(pattern: string, delimiters: string[]): string {
  const notSep = delimiters.length ? `[^${delimiters.map(escapeChar).join('')}]` : '[\\s\\S]';
  let i = 0;
  const cps = [...pattern];
  const err = (msg: string): never => {
    throw new EvalError(msg);
  };
  const parse = (inTerms: boolean): string => {
    let out = '';
    while (i < cps.length) {
      const c = cps[i]!;
      if (inTerms && (c === ',' || c === '}')) return out;
      i++;
      switch (c) {
        case '*':
          if (cps[i] === '*') {
            i++;
            out += '[\\s\\S]*';
          } else out += notSep + '*';
          break;
        case '?':
          out += notSep;
          break;
        case '\\':
          if (i >= cps.length) err('unexpected end of input');
          out += escapeChar(cps[i++]!);
          break;
        case '[': {
          let neg = false;
          if (cps[i] === '!') {
            neg = true;
            i++;
          }
          let body = '';
          let closed = false;
          while (i < cps.length) {
            const d = cps[i++]!;
            if (d === ']') {
              closed = true;
              break;
            }
            if (cps[i] === '-' && i + 1 < cps.length && cps[i + 1] !== ']') {
              const hi = cps[i + 1]!;
              i += 2;
              if (hi.codePointAt(0)! < d.codePointAt(0)!) err('hi character should be greater than lo character');
              body += escapeChar(d) + '-' + escapeChar(hi);
            } else body += escapeChar(d);
          }
          if (!closed) err('unexpected end of input');
          out += `[${neg ? '^' : ''}${body}]`;
          break;
        }
        case '{': {
          const alts: string[] = [];
          for (;;) {
            alts.push(parse(true));
            if (i >= cps.length) err('unexpected end of input');
            if (cps[i++] === '}') break;
          }
          out += `(?:${alts.join('|')})`;
          break;
        }
        default:
          out += escapeChar(c);
      }
    }
    return out;
  };
  const body = parse(false);
  return `^${body}$`;
}

function escapeChar(c: string): string {
  return /[0-9A-Za-z]/.test(c) ? c : `\\x{${c.codePointAt(0)!.toString(16)}}`;
}

const globCache = new Map<string, CompiledRegex>();

function globMatch(pattern: string, delimiters: string[], text: string): boolean {
  const key = pattern + '\u0000' + delimiters.join('');
  let re = globCache.get(key);
  if (!re) {
    re = compileRE2(globToRegex(pattern, delimiters));
    if (globCache.size >= 200) globCache.delete(globCache.keys().next().value!);
    globCache.set(key, re);
  }
  return re.test(text);
}

/** gobwas/glob.QuoteMeta. */
function globQuoteMeta(s: string): string {
  return s.replace(/[*?\\[\]{}]/g, '\\$&');
}

export const regexBuiltins: BuiltinDef[] = [
  builtin('regex.is_valid', 1, ([p]) => {
    if (typeof p !== 'string') return false;
    try {
      compileRE2(p);
      return true;
    } catch {
      return false;
    }
  }),
  builtin('regex.match', 2, ([p, s]) => {
    return getRegex(str(p!, 1)).test(str(s!, 2));
  }),
  builtin('regex.split', 2, ([p, s]) => {
    const pattern = str(p!, 1);
    return regexSplit(getRegex(pattern), pattern, str(s!, 2));
  }),
  builtin('regex.find_n', 3, ([p, s, n]) => {
    const pattern = str(p!, 1);
    const text = str(s!, 2);
    const count = smallInt(n!, 3);
    return findAll(getRegex(pattern), text, count).map((m) => m.groups[0]!);
  }),
  builtin('regex.find_all_string_submatch_n', 3, ([p, s, n]) => {
    const pattern = str(p!, 1);
    const text = str(s!, 2);
    const count = smallInt(n!, 3);
    return findAll(getRegex(pattern), text, count).map((m) => m.groups.map((g) => g ?? ''));
  }),
  builtin('regex.replace', 3, ([s, p, r]) => {
    const text = str(s!, 1);
    const pattern = str(p!, 2);
    const repl = str(r!, 3);
    return replaceAllString(getRegex(pattern), text, repl);
  }),
  builtin('regex.template_match', 4, ([p, m, s, e]) => {
    const pattern = str(p!, 1);
    const text = str(m!, 2);
    const start = str(s!, 3);
    const end = str(e!, 4);
    if (start.length !== 1) throw new EvalError(`start delimiter has to be exactly one character long but is ${Buffer.byteLength(start)} long`);
    if (end.length !== 1) throw new EvalError(`end delimiter has to be exactly one character long but is ${Buffer.byteLength(start)} long`);
    return getRegex(templateRegex(pattern, start, end)).test(text);
  }),
  builtin('regex.globs_match', 2, ([a, b]) => globsIntersect(str(a!, 1), str(b!, 2))),
  builtin('glob.match', 3, ([p, d, m]) => {
    const pattern = str(p!, 1);
    let delimiters: string[];
    if (d === null) delimiters = [];
    else if (Array.isArray(d)) {
      delimiters = d.map((x: Value) => {
        if (typeof x !== 'string') throw elementErr(2, d, x, 'string');
        if ([...x].length !== 1) throw elementErr(2, d, x, 'rune');
        return x;
      });
      if (delimiters.length === 0) delimiters = ['.'];
    } else throw typeErr(2, d!, 'array', 'null');
    return globMatch(pattern, delimiters, str(m!, 3));
  }),
  builtin('glob.quote_meta', 1, ([p]) => globQuoteMeta(str(p!, 1))),
];
