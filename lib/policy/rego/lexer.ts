// Rego tokenizer. The whole source is tokenized up front; every token records
// whether whitespace (and whether a newline) preceded it, because Rego's
// grammar is whitespace-sensitive in two places: a ref or call continues only
// when `.`, `[` or `(` follows without a space, and a body's expressions are
// separated by newlines as well as by `;`.
//
// Template strings (`$"a {x} b"`) are flattened into the stream: a `tpl`
// token carries each literal part (`tplEnd` marks the last), the embedded
// expressions' tokens sit between them, and the `}` closing each expression
// is an ordinary `}` token.

import { RegoError } from './errors.js';

export type TokenKind =
  | 'ident'
  | 'number'
  | 'string'
  | 'tpl'
  | 'eof'
  | '['
  | ']'
  | '{'
  | '}'
  | '('
  | ')'
  | ','
  | ':'
  | ':='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '&'
  | '|'
  | '='
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | ';'
  | '.'
  | Keyword;

export type Keyword =
  | 'as'
  | 'default'
  | 'else'
  | 'every'
  | 'false'
  | 'if'
  | 'import'
  | 'in'
  | 'not'
  | 'null'
  | 'package'
  | 'some'
  | 'true'
  | 'with'
  | 'contains'
  | 'and'
  | 'or';

export const KEYWORDS: ReadonlySet<string> = new Set<Keyword>([
  'as',
  'default',
  'else',
  'every',
  'false',
  'if',
  'import',
  'in',
  'not',
  'null',
  'package',
  'some',
  'true',
  'with',
  'contains',
  'and',
  'or',
]);

export interface Token {
  kind: TokenKind;
  /** Identifier/keyword name, number text, or the decoded string / template part. */
  text: string;
  offset: number;
  row: number;
  col: number;
  /** Whitespace or a comment directly precedes the token. */
  ws: boolean;
  /** A newline lies between the previous token and this one. */
  nl: boolean;
  /** For `tpl` tokens: this part closes the template string. */
  tplEnd?: boolean;
  /** For `string` and `tpl` tokens: the literal was raw (backquoted). */
  raw?: boolean;
}

const PUNCT2: Record<string, TokenKind> = { ':=': ':=', '==': '==', '!=': '!=', '<=': '<=', '>=': '>=' };
const PUNCT1 = new Set('[]{}(),:+-*/%&|=<>;.');

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** A `#` comment: its text after the `#`, and where the `#` is. */
export interface Comment {
  text: string;
  row: number;
  col: number;
}

/**
 * Tokenizes Rego source; comments are appended to `comments` when given.
 * Throws RegoError (rego_parse_error) on malformed input.
 */
export function tokenize(src: string, file: string, comments?: Comment[]): Token[] {
  const out: Token[] = [];
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  let row = 1;
  let lineStart = i;
  let ws = false;
  let nl = false;
  // One entry per open template string: the brace depth inside its current expression.
  const tplStack: { depth: number; raw: boolean }[] = [];

  const fail = (msg: string, at = i): never => {
    throw new RegoError('rego_parse_error', msg, file, row, at - lineStart + 1);
  };
  const push = (kind: TokenKind, text: string, start: number, startRow: number, startCol: number): Token => {
    const t: Token = { kind, text, offset: start, row: startRow, col: startCol, ws, nl };
    out.push(t);
    ws = false;
    nl = false;
    return t;
  };

  // Scans a template-string part starting at i (just after `$"`, `` $` `` or a closing `}`).
  const scanTemplatePart = (raw: boolean): void => {
    const start = i;
    const startRow = row;
    const startCol = i - lineStart + 1;
    let text = '';
    for (;;) {
      if (i >= src.length) fail('non-terminated string');
      const c = src[i]!;
      if (!raw && c === '\n') fail('non-terminated string');
      if (c === '\n') {
        row++;
        lineStart = i + 1;
      }
      i++;
      if (c === (raw ? '`' : '"')) {
        const t = push('tpl', text, start, startRow, startCol);
        t.tplEnd = true;
        t.raw = raw;
        tplStack.pop();
        return;
      }
      if (c === '{') {
        const t = push('tpl', text, start, startRow, startCol);
        t.raw = raw;
        tplStack[tplStack.length - 1]!.depth = 0;
        return;
      }
      if (c === '\\') {
        if (src[i] === '{') {
          text += '{';
          i++;
          continue;
        }
        if (raw) {
          text += c;
          continue;
        }
        const [decoded, next] = decodeEscape(src, i, fail);
        text += decoded;
        i = next;
        continue;
      }
      text += c;
    }
  };

  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      ws = true;
      continue;
    }
    if (c === '\n') {
      i++;
      row++;
      lineStart = i;
      ws = true;
      nl = true;
      continue;
    }
    if (c === '#') {
      const start = i;
      while (i < src.length && src[i] !== '\n') i++;
      comments?.push({ text: src.slice(start + 1, i).replace(/\r$/, ''), row, col: start - lineStart + 1 });
      ws = true;
      continue;
    }
    const start = i;
    const col = i - lineStart + 1;
    if (isLetter(c)) {
      while (i < src.length && (isLetter(src[i]!) || isDigit(src[i]!))) i++;
      const word = src.slice(start, i);
      // A keyword directly followed by `.` or `[` heads a ref (`if.foo`, `true[0]`).
      const refHead = src[i] === '.' || src[i] === '[';
      push(KEYWORDS.has(word) && !refHead ? (word as Keyword) : 'ident', word, start, row, col);
      continue;
    }
    if (isDigit(c)) {
      while (i < src.length && isDigit(src[i]!)) i++;
      if (src[i] === '.') {
        i++;
        if (!isDigit(src[i] ?? '')) fail('expected fraction');
        while (i < src.length && isDigit(src[i]!)) i++;
      }
      if (src[i] === 'e' || src[i] === 'E') {
        i++;
        if (src[i] === '+' || src[i] === '-') i++;
        if (!isDigit(src[i] ?? '')) fail('expected exponent');
        while (i < src.length && isDigit(src[i]!)) i++;
      }
      if (i < src.length && isLetter(src[i]!)) fail('illegal number format');
      push('number', src.slice(start, i), start, row, col);
      continue;
    }
    if (c === '"') {
      i++;
      let text = '';
      for (;;) {
        if (i >= src.length || src[i] === '\n') fail('non-terminated string', start);
        const ch = src[i++]!;
        if (ch === '"') break;
        if (ch === '\\') {
          const [decoded, next] = decodeEscape(src, i, fail);
          text += decoded;
          i = next;
        } else text += ch;
      }
      push('string', text, start, row, col);
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) fail('non-terminated string', start);
      const text = src.slice(i + 1, end);
      const t = push('string', text, start, row, col);
      t.raw = true;
      for (let k = i; k < end; k++) {
        if (src[k] === '\n') {
          row++;
          lineStart = k + 1;
        }
      }
      i = end + 1;
      continue;
    }
    if (c === '$' && (src[i + 1] === '"' || src[i + 1] === '`')) {
      const raw = src[i + 1] === '`';
      i += 2;
      tplStack.push({ depth: 0, raw });
      scanTemplatePart(raw);
      continue;
    }
    const two = src.slice(i, i + 2);
    if (PUNCT2[two]) {
      i += 2;
      push(PUNCT2[two]!, two, start, row, col);
      continue;
    }
    if (PUNCT1.has(c)) {
      i++;
      const tpl = tplStack[tplStack.length - 1];
      if (tpl) {
        if (c === '{') tpl.depth++;
        else if (c === '}') {
          if (tpl.depth === 0) {
            push('}', c, start, row, col);
            scanTemplatePart(tpl.raw);
            continue;
          }
          tpl.depth--;
        }
      }
      push(c as TokenKind, c, start, row, col);
      continue;
    }
    if (c === '!') fail('illegal ! character');
    if (c === '\0') fail('illegal null character');
    fail(`illegal token`);
  }
  if (tplStack.length > 0) fail('non-terminated string');
  const eof = push('eof', '', i, row, i - lineStart + 1);
  eof.ws = true;
  return out;
}

/** Decodes the escape sequence whose backslash precedes position i. */
function decodeEscape(src: string, i: number, fail: (msg: string, at?: number) => never): [string, number] {
  const e = src[i];
  switch (e) {
    case '"':
    case '\\':
    case '/':
      return [e, i + 1];
    case 'b':
      return ['\b', i + 1];
    case 'f':
      return ['\f', i + 1];
    case 'n':
      return ['\n', i + 1];
    case 'r':
      return ['\r', i + 1];
    case 't':
      return ['\t', i + 1];
    case 'u': {
      const hex = src.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('illegal escape sequence', i);
      return [String.fromCharCode(parseInt(hex, 16)), i + 5];
    }
    default:
      return fail('illegal escape sequence', i);
  }
}
