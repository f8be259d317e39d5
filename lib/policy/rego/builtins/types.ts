// Type built-ins: is_*, type_name, to_number.

import { RegoObject, RegoSet, parseNumber, typeName, type Value } from '../value.js';
import { EvalError, builtin, typeErr, type BuiltinDef } from './support.js';

function is(name: string, test: (v: Value) => boolean): BuiltinDef {
  return builtin(name, 1, ([v]) => test(v!));
}

/** Go's strconv.ParseFloat syntax (decimal forms only; hex floats need a p exponent). */
const GO_FLOAT = /^[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d*(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*[pP][+-]?\d+)$/;

function stringToNumber(s: string): number | bigint {
  const bare = s.replace(/^[+-]+/, '').toLowerCase();
  if (bare === 'inf' || bare === 'infinity' || bare === 'nan') throw typeErr(1, s, 'valid number string');
  const syntaxErr = () => new EvalError(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
  if (!GO_FLOAT.test(s) || !/\d/.test(s) || s.includes('_')) throw syntaxErr();
  if (/^[+-]?0[xX]/.test(s)) return Number(parseHexFloat(s));
  const normalized = s.replace(/^\+/, '').replace(/^(-?)\./, '$10.').replace(/\.(?=$|[eE])/, '');
  const n = parseNumber(normalized);
  if (n === undefined) throw syntaxErr();
  if (typeof n === 'number' && !Number.isFinite(n)) {
    throw new EvalError(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: value out of range`);
  }
  return n;
}

function parseHexFloat(s: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s)!;
  const mant = parseInt((m[2] || '0') + (m[3] || ''), 16);
  return (m[1] === '-' ? -1 : 1) * mant * 2 ** (Number(m[4]) - 4 * (m[3] ?? '').length);
}

export const typeBuiltins: BuiltinDef[] = [
  is('is_number', (v) => typeName(v) === 'number'),
  is('is_string', (v) => typeof v === 'string'),
  is('is_boolean', (v) => typeof v === 'boolean'),
  is('is_array', (v) => Array.isArray(v)),
  is('is_set', (v) => v instanceof RegoSet),
  is('is_object', (v) => v instanceof RegoObject),
  is('is_null', (v) => v === null),
  builtin('type_name', 1, ([v]) => typeName(v!)),
  builtin('to_number', 1, ([v]) => {
    if (v === null) return 0;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number' || typeof v === 'bigint') return v;
    if (typeof v === 'string') return stringToNumber(v);
    throw typeErr(1, v!, 'null', 'boolean', 'number', 'string');
  }),
];
