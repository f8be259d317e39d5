// The registry of Rego built-in functions.
//
// How the engine calls a built-in
// -------------------------------
//   const def = BUILTINS.get(name)          // OPA's name: 'count', 'plus', 'internal.member_2', …
//   if (!def) → UNSUPPORTED_BUILTINS.get(name) gives the reason, else the name is unknown.
//   def.arity                               // number of input operands; a call with arity+1
//                                           // arguments passes the output operand last
//   def.fn(args, ctx)                       // args: the evaluated input operands (Values)
//     • function built-ins (def.relation falsy) return the result Value, or `undefined`
//       when the call is undefined (e.g. object.get never is, but `regex.match` with a
//       bad pattern throws instead);
//     • relation built-ins (def.relation === true, e.g. `walk`) return an array of every
//       output; the engine unifies the output operand with each in turn.
//   Errors: fn throws BuiltinError { code, message: '<name>: <text>', halt }, texts
//     matching OPA's. In OPA a failing call is undefined; in strict mode the first such
//     error becomes the query's error. `halt: true` errors (code eval_conflict_error from
//     internal.template_string) stop evaluation in any mode. The engine adds the
//     location prefix `<file>:<row>: <code>: ` itself.
//   ctx: BuiltinContext — build one per query (newBuiltinContext): { strict, nowNs: the
//     fixed clock in ns, cache: new Map(), print?: line sink, runtime?: opa.runtime() }.
//     Built-ins flagged `nondeterministic` (time.now_ns, rand.intn, uuid.rfc4122) keep
//     their per-query state in ctx.cache, so repeated calls in one query agree.
//   print(a, b) → internal.print([{a's values}, {b's values}]) and $"x {e}" →
//     internal.template_string(["x ", {e's values}]): each expression operand is the set
//     of its values (empty = undefined, printed "<undefined>").
//   Operators are built-ins under OPA's internal names: plus minus mul div rem lt lte
//   gt gte equal neq and or internal.member_2 internal.member_3. `=` (unification) and
//   `:=` are the engine's; `==` is `equal`.

import type { BuiltinContext, BuiltinDef } from './support.js';
import { operatorBuiltins } from './operators.js';
import { collectionBuiltins } from './collections.js';
import { stringBuiltins } from './strings.js';
import { regexBuiltins } from './regex.js';
import { typeBuiltins } from './types.js';
import { objectBuiltins } from './objects.js';
import { encodingBuiltins } from './encoding.js';
import { miscBuiltins } from './misc.js';
import { timeBuiltins } from './time.js';
import { netBuiltins } from './net.js';
import { cryptoBuiltins } from './crypto.js';
import { jwtBuiltins } from './jwt.js';
import { httpBuiltins } from './http.js';
import { schemaBuiltins } from './jsonschema.js';

export { BuiltinError, type BuiltinContext, type BuiltinDef, type FunctionBuiltin, type RelationBuiltin } from './support.js';

const ALL: BuiltinDef[][] = [operatorBuiltins, collectionBuiltins, stringBuiltins, regexBuiltins, typeBuiltins, objectBuiltins, encodingBuiltins, miscBuiltins, timeBuiltins, netBuiltins, cryptoBuiltins, jwtBuiltins, httpBuiltins, schemaBuiltins];

export const BUILTINS: Map<string, BuiltinDef> = new Map(ALL.flat().map((d) => [d.name, d]));

const GRAPHQL = 'GraphQL schema/query parsing is not implemented in YORI';

/** Built-ins deliberately not implemented, with the reason (for load-time errors and skipped cases). */
export const UNSUPPORTED_BUILTINS: Map<string, string> = new Map([
  ['graphql.is_valid', GRAPHQL],
  ['graphql.parse', GRAPHQL],
  ['graphql.parse_and_verify', GRAPHQL],
  ['graphql.parse_query', GRAPHQL],
  ['graphql.parse_schema', GRAPHQL],
  ['graphql.schema_is_valid', GRAPHQL],
  ['rego.parse_module', 'returning OPA\'s AST JSON needs the engine\'s parser, not a built-in'],
  ['rego.metadata.chain', 'annotations are the engine\'s; it registers this itself when it supports them'],
  ['rego.metadata.rule', 'annotations are the engine\'s; it registers this itself when it supports them'],
]);

/** A fresh per-query context. */
export function newBuiltinContext(opts: { strict?: boolean; nowNs?: bigint } = {}): BuiltinContext {
  return {
    strict: opts.strict ?? false,
    nowNs: opts.nowNs ?? BigInt(Date.now()) * 1_000_000n,
    cache: new Map(),
  };
}
