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
//   Errors: fn throws BuiltinError { code: 'eval_builtin_error' | 'eval_type_error',
//     message: '<name>: <text>' }, texts matching OPA's. In OPA a failing call is
//     undefined; in strict mode the first such error becomes the query's error.
//     The engine adds the location prefix `<file>:<row>: <code>: ` itself.
//   ctx: BuiltinContext — build one per query: { strict, nowNs: fixed clock in ns,
//     cache: new Map() }. Built-ins flagged `nondeterministic` (time.now_ns, rand.intn,
//     uuid.rfc4122, …) keep their per-query state in ctx.cache, so repeated calls in
//     one query agree.
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

export { BuiltinError, type BuiltinContext, type BuiltinDef, type FunctionBuiltin, type RelationBuiltin } from './support.js';

const ALL: BuiltinDef[][] = [operatorBuiltins, collectionBuiltins, stringBuiltins, regexBuiltins, typeBuiltins, objectBuiltins, encodingBuiltins, miscBuiltins, timeBuiltins, netBuiltins, cryptoBuiltins, jwtBuiltins];

export const BUILTINS: Map<string, BuiltinDef> = new Map(ALL.flat().map((d) => [d.name, d]));

/** Built-ins deliberately not implemented, with the reason (for load-time errors and skipped cases). */
export const UNSUPPORTED_BUILTINS: Map<string, string> = new Map([
  ['http.send', 'network access from policies is not allowed in YORI'],
]);

/** A fresh per-query context. */
export function newBuiltinContext(opts: { strict?: boolean; nowNs?: bigint } = {}): BuiltinContext {
  return {
    strict: opts.strict ?? false,
    nowNs: opts.nowNs ?? BigInt(Date.now()) * 1_000_000n,
    cache: new Map(),
  };
}
