// regex.globs_match: do two "regex-style globs" (literal runes, `.`, `[...]`
// sets, each optionally followed by `*` or `+`) match a common string?
// Same glob syntax and error texts as github.com/yashtewari/glob-intersection,
// decided exactly by searching the product of the two automata.

import { EvalError } from './support.js';

type Matcher = { kind: 'char'; r: number } | { kind: 'dot' } | { kind: 'set'; runes: Set<number> };
interface Token {
  m: Matcher;
  star: boolean;
  /** Already followed by `*` or `+`. */
  flagged: boolean;
}

function invalid(input: string, pos: number, msg: string): EvalError {
  return new EvalError(`input:${input}, pos:${pos}, ${msg}: the input provided is invalid`);
}

function tokenize(input: string): Token[] {
  const runes = [...input].map((c) => c.codePointAt(0)!);
  const tokens: Token[] = [];
  let i = 0;
  const next = (): { r: number; escaped: boolean } | undefined => {
    if (i >= runes.length) return undefined;
    if (runes[i] === 0x5c) {
      if (i === runes.length - 1) throw invalid(input, i, 'input ends with a \\ (escape) character');
      i += 2;
      return { r: runes[i - 1]!, escaped: true };
    }
    return { r: runes[i++]!, escaped: false };
  };
  for (let t = next(); t; t = next()) {
    const c = String.fromCodePoint(t.r);
    if (!t.escaped && (c === '*' || c === '+')) {
      const prev = tokens[tokens.length - 1];
      if (!prev || prev.flagged) throw invalid(input, i, `flag '${c}' must be preceded by a non-flag`);
      prev.flagged = true;
      if (c === '*') prev.star = true;
      else tokens.push({ m: prev.m, star: true, flagged: true }); // X+ is X X*
      continue;
    }
    if (!t.escaped && c === ']') throw invalid(input, i, "set-close ']' with no preceding '['");
    if (!t.escaped && c === '.') {
      tokens.push({ m: { kind: 'dot' }, star: false, flagged: false });
      continue;
    }
    if (!t.escaped && c === '[') {
      const set = new Set<number>();
      let prev: number | undefined;
      let complete = false;
      for (let s = next(); s; s = next()) {
        if (!s.escaped && s.r === 0x5d) {
          complete = true;
          break;
        }
        if (!s.escaped && s.r === 0x2d) {
          if (prev === undefined) throw invalid(input, i, "range character '-' must be preceded by a Unicode character");
          if (i >= runes.length - 1) throw invalid(input, i, "range character '-' must be followed by a Unicode character");
          const hi = next()!;
          if (!hi.escaped && (hi.r === 0x5d || hi.r === 0x2d)) {
            throw invalid(input, i, "range character '-' cannot be followed by a special symbol");
          }
          if (hi.r < prev) {
            throw invalid(input, i, `range is out of order: '${String.fromCodePoint(hi.r)}' comes before '${String.fromCodePoint(prev)}' in Unicode`);
          }
          for (let x = prev; x <= hi.r; x++) set.add(x);
          prev = undefined;
          continue;
        }
        set.add(s.r);
        prev = s.r;
      }
      if (!complete) throw invalid(input, i, 'found [ without matching ]');
      tokens.push({ m: { kind: 'set', runes: set }, star: false, flagged: false });
      continue;
    }
    tokens.push({ m: { kind: 'char', r: t.r }, star: false, flagged: false });
  }
  return tokens;
}

function overlap(a: Matcher, b: Matcher): boolean {
  if ((a.kind === 'set' && a.runes.size === 0) || (b.kind === 'set' && b.runes.size === 0)) return false;
  if (a.kind === 'dot' || b.kind === 'dot') return true;
  if (a.kind === 'char' && b.kind === 'char') return a.r === b.r;
  if (a.kind === 'char') return (b as { runes: Set<number> }).runes.has(a.r);
  if (b.kind === 'char') return a.runes.has(b.r);
  for (const r of a.runes) if (b.runes.has(r)) return true;
  return false;
}

/** True when some string matches both globs. */
export function globsIntersect(lhs: string, rhs: string): boolean {
  const g1 = tokenize(lhs);
  const g2 = tokenize(rhs);
  const seen = new Set<number>();
  const width = g2.length + 1;
  const stack: [number, number][] = [[0, 0]];
  while (stack.length) {
    const [i, j] = stack.pop()!;
    const key = i * width + j;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === g1.length && j === g2.length) return true;
    const t1 = g1[i];
    const t2 = g2[j];
    // Skipping a starred token consumes nothing.
    if (t1?.star) stack.push([i + 1, j]);
    if (t2?.star) stack.push([i, j + 1]);
    if (t1 && t2 && overlap(t1.m, t2.m)) {
      stack.push([t1.star ? i : i + 1, t2.star ? j : j + 1]);
    }
  }
  return false;
}
