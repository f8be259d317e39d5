// Shared helpers for the built-in function tests: call a built-in directly,
// without the parser or evaluator.
import { BUILTINS, BuiltinError, newBuiltinContext, type BuiltinContext } from '../../lib/policy/rego/builtins/index.js';
import { formatValue, fromJSON, type Value } from '../../lib/policy/rego/value.js';

export const J = fromJSON;

export function ctx(opts: { nowNs?: bigint } = {}): BuiltinContext {
  return newBuiltinContext({ strict: true, nowNs: opts.nowNs ?? 1_500_000_000_000_000_000n });
}

/** Calls a built-in; returns its result (undefined when the call is undefined). */
export function call(name: string, ...args: unknown[]): Value | undefined {
  return callIn(ctx(), name, ...args);
}

export function callIn(c: BuiltinContext, name: string, ...args: unknown[]): Value | undefined {
  const def = BUILTINS.get(name);
  if (!def) throw new Error(`no built-in ${name}`);
  if (def.relation) throw new Error(`${name} is a relation`);
  return def.fn(args.map((a) => J(a)), c);
}

/** The result in Rego source form ('undefined' when the call is undefined). */
export function show(name: string, ...args: unknown[]): string {
  const v = call(name, ...args);
  return v === undefined ? 'undefined' : formatValue(v);
}

/** The error a call raises, as "<code>: <message>"; fails when it does not raise. */
export function err(name: string, ...args: unknown[]): string {
  try {
    call(name, ...args);
  } catch (e) {
    if (e instanceof BuiltinError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error(`${name} did not fail`);
}
