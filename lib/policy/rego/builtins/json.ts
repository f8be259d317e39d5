// JSON text ↔ Rego values with exact numbers and Go's encoding/json texts.

import { RegoObject, RegoSet, compareStrings, formatNumber, jsonQuote, parseNumber, stringifyJSON, type Value } from '../value.js';

export class JSONSyntaxError extends Error {}

function describe(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return `'"'`;
  const cp = c.codePointAt(0)!;
  if (cp < 0x20) return `'\\x${cp.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

/** Parses JSON text into a Value; numbers keep their exact value (big integers as bigint). */
export function parseJSON(text: string): Value {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const fail = (context: string): never => {
    if (i >= n) throw new JSONSyntaxError('unexpected end of JSON input');
    throw new JSONSyntaxError(`invalid character ${describe(String.fromCodePoint(text.codePointAt(i)!))} ${context}`);
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) throw new JSONSyntaxError('unexpected end of JSON input');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('in string literal');
      if (c === 0x5c) {
        out += text.slice(start, i);
        i++;
        const e = text[i];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i++;
        } else if (e === 'u') {
          const hex = text.slice(i + 1, i + 5);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            i++;
            while (i < n && /[0-9a-fA-F]/.test(text[i]!)) i++;
            fail('in \\u hexadecimal character escape');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          i += 5;
        } else {
          fail('in string escape code');
        }
        start = i;
        continue;
      }
      i++;
    }
  };
  const value = (): Value => {
    ws();
    if (i >= n) throw new JSONSyntaxError('unexpected end of JSON input');
    const c = text[i]!;
    if (c === '{') {
      i++;
      const o = new RegoObject();
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('looking for beginning of object key string');
        const k = str();
        ws();
        if (text[i] !== ':') fail('after object key');
        i++;
        o.set(k, value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return o;
        }
        fail('after object key:value pair');
      }
    }
    if (c === '[') {
      i++;
      const a: Value[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return a;
        }
        fail('after array element');
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (c === word[0]) {
        for (let k = 0; k < word.length; k++, i++) {
          if (text[i] !== word[k]) fail(`in literal ${word} (expecting '${word[k]}')`);
        }
        return v;
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-') {
      if (c === '-') i++;
      fail(c === '-' ? 'in numeric literal' : 'looking for beginning of value');
    }
    i += m![0].length;
    return parseNumber(m![0])!;
  };
  const v = value();
  ws();
  if (i < n) fail('after top-level value');
  return v;
}

export function isValidJSON(text: string): boolean {
  try {
    parseJSON(text);
    return true;
  } catch {
    return false;
  }
}

/** Go's json.MarshalIndent(v, prefix, indent) of ast.JSON(v) (prefix not applied to the first line). */
export function marshalIndent(v: Value, prefix: string, indent: string, depth = 0): string {
  const nl = '\n' + prefix + indent.repeat(depth + 1);
  const close = '\n' + prefix + indent.repeat(depth);
  if (Array.isArray(v) || v instanceof RegoSet) {
    const items = Array.isArray(v) ? v : v.values();
    if (items.length === 0) return '[]';
    return '[' + items.map((e) => nl + marshalIndent(e, prefix, indent, depth + 1)).join(',') + close + ']';
  }
  if (v instanceof RegoObject) {
    if (v.size === 0) return '{}';
    const entries = v
      .entries()
      .map(([k, e]) => [typeof k === 'string' ? k : stringifyJSON(k), e] as const)
      .sort((a, b) => compareStrings(a[0], b[0]));
    return '{' + entries.map(([k, e]) => nl + jsonQuote(k) + ': ' + marshalIndent(e, prefix, indent, depth + 1)).join(',') + close + '}';
  }
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return jsonQuote(v);
  return formatNumber(v);
}
