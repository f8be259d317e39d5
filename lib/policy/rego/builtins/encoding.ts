// Encoding built-ins: json.*, yaml.*, base64*, hex.*, urlquery.*, uri.*.

import YAML from 'yaml';
import { RegoObject, RegoSet, fromJSON, stringifyJSON, toJSON, typeName, type Value } from '../value.js';
import { EvalError, OperandError, builtin, obj, operandErr, str, typeErr, type BuiltinDef } from './support.js';
import { isValidJSON, marshalIndent, parseJSON } from './json.js';

// ---------------------------------------------------------------------------
// base64 / hex (Go's strict decoders)

const B64 = /^[A-Za-z0-9+/]*$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

/** Go's base64.StdEncoding/URLEncoding.DecodeString (padding required, CR/LF ignored). */
export function decodeBase64(input: string, url = false): Buffer {
  const s = input.replace(/[\r\n]/g, '');
  const alphabet = url ? B64URL : B64;
  const body = s.replace(/={1,2}$/, '');
  const badChar = [...body].findIndex((c) => !alphabet.test(c));
  if (badChar !== -1) throw new EvalError(`illegal base64 data at input byte ${badChar}`);
  if (s.length % 4 !== 0 || body.length % 4 === 1) {
    throw new EvalError(`illegal base64 data at input byte ${Math.min(body.length, s.length - (s.length % 4))}`);
  }
  return Buffer.from(body, url ? 'base64url' : 'base64');
}

function bytesToString(b: Buffer): string {
  return b.toString('utf8');
}

/** Go's hex.DecodeString. */
function hexDecode(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  const bad = bytes.findIndex((b) => !((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)));
  if (bad !== -1) {
    const r = bytes[bad]!;
    throw new EvalError(`encoding/hex: invalid byte: U+${r.toString(16).toUpperCase().padStart(4, '0')} '${String.fromCodePoint(r)}'`);
  }
  if (bytes.length % 2 === 1) throw new EvalError('encoding/hex: odd length hex string');
  return bytesToString(Buffer.from(s, 'hex'));
}

// ---------------------------------------------------------------------------
// URL escaping (Go's net/url)

type EscapeMode = 'path' | 'host' | 'userinfo' | 'query' | 'fragment';

function shouldEscape(c: number, mode: EscapeMode): boolean {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) return false;
  const ch = String.fromCharCode(c);
  if (mode === 'host' && "!$&'()*+,;=:[]<>\"".includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'userinfo':
        return ch === '@' || ch === '/' || ch === '?' || ch === ':';
      case 'query':
        return true;
      case 'fragment':
        return false;
      case 'host':
        return true;
    }
  }
  if (mode === 'fragment' && "!()*".includes(ch)) return false;
  return true;
}

function escapeURL(s: string, mode: EscapeMode): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b === 0x20 && mode === 'query') out += '+';
    else if (shouldEscape(b, mode)) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    else out += String.fromCharCode(b);
  }
  return out;
}

class URLError extends Error {}

function unescapeURL(s: string, mode: EscapeMode): string {
  const bytes: number[] = [];
  const src = Buffer.from(s, 'utf8');
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x25) {
      const h = src.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(h)) {
        throw new URLError(`invalid URL escape ${JSON.stringify(src.subarray(i, i + 3).toString('utf8'))}`);
      }
      if (mode === 'host' && parseInt(h[0]!, 16) < 8 && h !== '25') throw new URLError(`invalid URL escape ${JSON.stringify('%' + h)}`);
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (b === 0x2b && mode === 'query') {
      bytes.push(0x20);
    } else {
      if (mode === 'host' && b < 0x80 && shouldEscape(b, mode)) {
        throw new URLError(`invalid character ${JSON.stringify(String.fromCharCode(b))} in host name`);
      }
      bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export interface ParsedURL {
  scheme: string;
  opaque: string;
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  fragment: string;
}

const VALID_PORT = /^(:[0-9]*)?$/;

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new URLError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!VALID_PORT.test(colonPort)) throw new URLError(`invalid port ${JSON.stringify(colonPort)} after host`);
  } else {
    const i = host.lastIndexOf(':');
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!VALID_PORT.test(colonPort)) throw new URLError(`invalid port ${JSON.stringify(colonPort)} after host`);
    }
  }
  return unescapeURL(host, 'host');
}

/** Go's url.Parse (the parts OPA reads). */
export function parseURL(raw: string): ParsedURL {
  try {
    if (/[\u0000-\u001f\u007f]/.test(raw)) throw new URLError('net/url: invalid control character in URL');
    const u: ParsedURL = { scheme: '', opaque: '', host: '', path: '', rawPath: '', rawQuery: '', fragment: '' };
    let rest = raw;
    const hash = rest.indexOf('#');
    if (hash !== -1) {
      u.fragment = unescapeURL(rest.slice(hash + 1), 'fragment');
      rest = rest.slice(0, hash);
    }
    if (rest === '*') {
      u.path = '*';
      return u;
    }
    const sm = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
    if (rest.startsWith(':')) throw new URLError('missing protocol scheme');
    if (sm) {
      u.scheme = sm[1]!.toLowerCase();
      rest = rest.slice(sm[0].length);
    }
    const q = rest.indexOf('?');
    if (q !== -1) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
    if (!rest.startsWith('/')) {
      if (u.scheme !== '') {
        u.opaque = rest;
        return u;
      }
      const colon = rest.indexOf(':');
      const slash = rest.indexOf('/');
      if (colon !== -1 && (slash === -1 || colon < slash)) throw new URLError('first path segment in URL cannot contain colon');
    }
    if (rest.startsWith('//') && (u.scheme !== '' || !rest.startsWith('///'))) {
      const authEnd = rest.indexOf('/', 2);
      const authority = authEnd === -1 ? rest.slice(2) : rest.slice(2, authEnd);
      rest = authEnd === -1 ? '' : rest.slice(authEnd);
      const at = authority.lastIndexOf('@');
      u.host = parseHost(at < 0 ? authority : authority.slice(at + 1));
      if (at >= 0 && !/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(authority.slice(0, at))) {
        throw new URLError('net/url: invalid userinfo');
      }
    }
    u.path = unescapeURL(rest, 'path');
    u.rawPath = escapeURL(u.path, 'path') === rest ? '' : rest;
    return u;
  } catch (e) {
    if (e instanceof URLError) throw new EvalError(`parse ${JSON.stringify(raw)}: ${e.message}`);
    throw e;
  }
}

/** Go's URL.EscapedPath. */
export function escapedPath(u: ParsedURL): string {
  return u.rawPath || escapeURL(u.path, 'path');
}

function hostname(host: string): string {
  if (host.startsWith('[')) {
    const i = host.indexOf(']');
    return i === -1 ? host.slice(1) : host.slice(1, i);
  }
  const i = host.lastIndexOf(':');
  return i === -1 ? host : host.slice(0, i);
}

function port(host: string): string {
  const i = host.lastIndexOf(':');
  if (i === -1 || host.indexOf(']', i) !== -1) return '';
  return host.slice(i + 1);
}

// ---------------------------------------------------------------------------
// YAML (sigs.k8s.io/yaml: YAML 1.1 in, JSON-compatible values only)

function yamlError(e: unknown): EvalError {
  const err = e as { message?: string; linePos?: { line: number }[]; code?: string };
  const line = err.linePos?.[0]?.line ?? 1;
  const what =
    err.code === 'MISSING_CHAR' && /Flow sequence/.test(err.message ?? '')
      ? "did not find expected ',' or ']'"
      : err.code === 'MISSING_CHAR' && /Flow map/.test(err.message ?? '')
        ? "did not find expected ',' or '}'"
        : (err.message ?? 'invalid YAML').split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return new EvalError(`yaml: line ${line}: ${what}`);
}

function parseYAML(text: string): Value {
  let docs: YAML.Document.Parsed[];
  try {
    docs = YAML.parseAllDocuments(text, { version: '1.1', intAsBigInt: true, uniqueKeys: false }) as YAML.Document.Parsed[];
  } catch (e) {
    throw yamlError(e);
  }
  const doc = docs[0];
  if (!doc) return null;
  if (doc.errors.length) throw yamlError(doc.errors[0]);
  return fromJSON(doc.toJS({ maxAliasCount: 100 }));
}

// ---------------------------------------------------------------------------

function marshalWithOptions(v: Value, opts: RegoObject): string {
  let indent = '\t';
  let prefix = '';
  let implicitPretty = false;
  let explicit: boolean | undefined;
  for (const [k, val] of opts) {
    if (typeof k !== 'string') throw operandErr(2, `failed to stringify key ${typeName(k)}`);
    switch (k) {
      case 'prefix':
        if (typeof val !== 'string') throw operandErr(2, `key ${k} failed cast to string`);
        prefix = val;
        implicitPretty = true;
        break;
      case 'indent':
        if (typeof val !== 'string') throw operandErr(2, `key ${k} failed cast to string`);
        indent = val;
        implicitPretty = true;
        break;
      case 'pretty':
        if (typeof val !== 'boolean') throw operandErr(2, `key ${k} failed cast to bool`);
        explicit = val;
        break;
      default:
        throw operandErr(2, `object contained unknown key ${JSON.stringify(k)}`);
    }
  }
  const pretty = explicit ?? implicitPretty;
  return pretty ? prefix + marshalIndent(v, prefix, indent) : stringifyJSON(v);
}

function queryEncodeObject(o: Value): string {
  if (!(o instanceof RegoObject)) throw typeErr(1, o, 'object');
  const parts: string[] = [];
  const byKey = new Map(o.entries().map(([k, v]) => [typeof k === 'string' ? k : stringifyJSON(k), v]));
  for (const k of [...byKey.keys()].sort()) {
    const v = byKey.get(k)!;
    const values = typeof v === 'string' ? [v] : Array.isArray(v) || v instanceof RegoSet ? [...(Array.isArray(v) ? v : v.values())] : undefined;
    if (!values || values.some((x) => typeof x !== 'string')) {
      throw operandErr(1, 'values must be string, array[string], or set[string]');
    }
    for (const x of values) parts.push(escapeURL(k, 'query') + '=' + escapeURL(x as string, 'query'));
  }
  return parts.join('&');
}

function queryDecodeObject(q: string): RegoObject {
  const out = new Map<string, string[]>();
  let firstErr: Error | undefined;
  for (const part of q.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) {
      firstErr ??= new EvalError('invalid semicolon separator in query');
      continue;
    }
    const eq = part.indexOf('=');
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    const rawVal = eq === -1 ? '' : part.slice(eq + 1);
    try {
      const k = unescapeURL(rawKey, 'query');
      const v = unescapeURL(rawVal, 'query');
      out.set(k, [...(out.get(k) ?? []), v]);
    } catch (e) {
      firstErr ??= new EvalError((e as Error).message);
    }
  }
  if (firstErr) throw firstErr;
  return new RegoObject([...out].map(([k, v]) => [k, v] as [Value, Value]));
}

export const encodingBuiltins: BuiltinDef[] = [
  builtin('json.marshal', 1, ([v]) => stringifyJSON(v!)),
  builtin('json.marshal_with_options', 2, ([v, o]) => marshalWithOptions(v!, obj(o!, 2))),
  builtin('json.unmarshal', 1, ([s]) => parseJSON(str(s!, 1))),
  builtin('json.is_valid', 1, ([s]) => typeof s === 'string' && isValidJSON(s)),
  builtin('yaml.marshal', 1, ([v]) => YAML.stringify(toJSON(v!), { indentSeq: false, version: '1.1' })),
  builtin('yaml.unmarshal', 1, ([s]) => parseYAML(str(s!, 1))),
  builtin('yaml.is_valid', 1, ([s]) => {
    if (typeof s !== 'string') return false;
    try {
      parseYAML(s);
      return true;
    } catch {
      return false;
    }
  }),
  builtin('base64.encode', 1, ([s]) => Buffer.from(str(s!, 1), 'utf8').toString('base64')),
  builtin('base64.decode', 1, ([s]) => bytesToString(decodeBase64(str(s!, 1)))),
  builtin('base64.is_valid', 1, ([s]) => {
    if (typeof s !== 'string') return false;
    try {
      decodeBase64(s);
      return true;
    } catch {
      return false;
    }
  }),
  builtin('base64url.encode', 1, ([s]) => {
    const b = Buffer.from(str(s!, 1), 'utf8').toString('base64url');
    return b + '='.repeat((4 - (b.length % 4)) % 4);
  }),
  builtin('base64url.encode_no_pad', 1, ([s]) => Buffer.from(str(s!, 1), 'utf8').toString('base64url')),
  builtin('base64url.decode', 1, ([s]) => {
    let text = str(s!, 1);
    if (!text.endsWith('=')) {
      const rem = text.length % 4;
      if (rem === 1) throw new EvalError(`illegal base64url string: ${text}`);
      text += rem === 2 ? '==' : rem === 3 ? '=' : '';
    }
    return bytesToString(decodeBase64(text, true));
  }),
  builtin('hex.encode', 1, ([s]) => Buffer.from(str(s!, 1), 'utf8').toString('hex')),
  builtin('hex.decode', 1, ([s]) => hexDecode(str(s!, 1))),
  builtin('urlquery.encode', 1, ([s]) => escapeURL(str(s!, 1), 'query')),
  builtin('urlquery.decode', 1, ([s]) => {
    try {
      return unescapeURL(str(s!, 1), 'query');
    } catch (e) {
      if (e instanceof OperandError) throw e;
      throw new EvalError((e as Error).message);
    }
  }),
  builtin('urlquery.encode_object', 1, ([o]) => queryEncodeObject(o!)),
  builtin('urlquery.decode_object', 1, ([s]) => queryDecodeObject(str(s!, 1))),
  builtin('uri.parse', 1, ([s]) => {
    const u = parseURL(str(s!, 1));
    const out = new RegoObject();
    if (u.scheme) out.set('scheme', u.scheme);
    const h = hostname(u.host);
    if (h) out.set('hostname', h);
    const p = port(u.host);
    if (p) out.set('port', p);
    if (u.path) {
      out.set('path', u.path);
      out.set('raw_path', u.rawPath || u.path);
    }
    if (u.rawQuery) out.set('raw_query', u.rawQuery);
    if (u.fragment) out.set('fragment', u.fragment);
    return out;
  }),
  builtin('uri.is_valid', 1, ([s]) => {
    if (typeof s !== 'string' || s === '') return false;
    try {
      parseURL(s);
      return true;
    } catch {
      return false;
    }
  }),
];
