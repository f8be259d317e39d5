// Shared plumbing for built-in functions: the definition types, the error
// types with OPA's message formats, and operand accessors.

import { RegoObject, RegoSet, typeName, isInteger, type Value } from '../value.js';

export interface BuiltinContext {
  /** Strict built-in errors (the engine decides what to do with them; built-ins behave the same). */
  strict: boolean;
  /** The query's fixed clock, nanoseconds since the Unix epoch. */
  nowNs: bigint;
  /** Per-query cache for non-deterministic built-ins (rand.intn, uuid.rfc4122) and compiled state. */
  cache: Map<string, unknown>;
  /** What opa.runtime() returns; {} when absent (the process environment is never exposed: it holds secrets). */
  runtime?: Value;
  /** Receives print() output lines; print is a no-op without it. */
  print?: (line: string) => void;
}

interface BuiltinBase {
  name: string;
  /** Number of input operands (the output operand is not counted). */
  arity: number;
  /** True for built-ins whose result may differ between queries (time.now_ns, rand.intn, …). */
  nondeterministic?: boolean;
}

export interface FunctionBuiltin extends BuiltinBase {
  relation?: false;
  /** Returns the result, or undefined when the call is undefined. Throws BuiltinError. */
  fn(args: Value[], ctx: BuiltinContext): Value | undefined;
}

export interface RelationBuiltin extends BuiltinBase {
  relation: true;
  /** Returns every output (each one binds the output operand in turn). Throws BuiltinError. */
  fn(args: Value[], ctx: BuiltinContext): Value[];
}

export type BuiltinDef = FunctionBuiltin | RelationBuiltin;

export type BuiltinErrorCode = 'eval_builtin_error' | 'eval_type_error' | 'eval_conflict_error';

/**
 * An error raised by a built-in call; the message already carries the `<name>: ` prefix
 * where OPA puts one. `halt` errors stop evaluation whatever the strict mode (OPA's Halt);
 * the others make the call undefined and only surface in strict mode.
 */
export class BuiltinError extends Error {
  constructor(
    readonly code: BuiltinErrorCode,
    message: string,
    readonly halt = false,
  ) {
    super(message);
    this.name = 'BuiltinError';
  }
}

/** An operand of the wrong type or shape (OPA's builtins.ErrOperand → eval_type_error). */
export class OperandError extends Error {
  override name = 'OperandError';
}

/** Any other failure inside a built-in (→ eval_builtin_error). */
export class EvalError extends Error {
  override name = 'EvalError';
}

// ---------------------------------------------------------------------------
// OPA's operand error texts (v1/topdown/builtins/builtins.go)

export function operandErr(pos: number, text: string): OperandError {
  return new OperandError(`operand ${pos} ${text}`);
}

export function typeErr(pos: number, got: Value, ...expected: string[]): OperandError {
  if (expected.length === 1) return operandErr(pos, `must be ${expected[0]} but got ${typeName(got)}`);
  return operandErr(pos, `must be one of {${expected.join(', ')}} but got ${typeName(got)}`);
}

export function elementErr(pos: number, composite: Value, got: Value, expected: string): OperandError {
  const t = typeName(composite);
  return operandErr(pos, `must be ${t} of ${expected}s but got ${t} containing ${typeName(got)}`);
}

export function enumErr(pos: number, expected: string[]): OperandError {
  return operandErr(pos, `must be one of {${expected.join(', ')}}`);
}

// ---------------------------------------------------------------------------
// Operand accessors: `pos` is OPA's 1-based operand number.

export function str(v: Value, pos: number): string {
  if (typeof v !== 'string') throw typeErr(pos, v, 'string');
  return v;
}

export function num(v: Value, pos: number): number | bigint {
  if (typeof v !== 'number' && typeof v !== 'bigint') throw typeErr(pos, v, 'number');
  return v;
}

/** An integer operand (OPA's builtins.IntOperand texts). */
export function int(v: Value, pos: number): number | bigint {
  const n = num(v, pos);
  if (!isInteger(n)) throw operandErr(pos, 'must be integer number but got floating-point number');
  return n;
}

/** An integer operand that must fit a JS number (lengths, counts, indices). */
export function smallInt(v: Value, pos: number): number {
  const n = int(v, pos);
  return typeof n === 'bigint' ? Number(n) : n;
}

export function arr(v: Value, pos: number): Value[] {
  if (!Array.isArray(v)) throw typeErr(pos, v, 'array');
  return v;
}

export function obj(v: Value, pos: number): RegoObject {
  if (!(v instanceof RegoObject)) throw typeErr(pos, v, 'object');
  return v;
}

/** The elements of an array or set operand. */
export function items(v: Value, pos: number): readonly Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.values();
  throw typeErr(pos, v, 'array', 'set');
}

/** An array or set of strings. */
export function strings(v: Value, pos: number): string[] {
  const out: string[] = [];
  for (const x of items(v, pos)) {
    if (typeof x !== 'string') throw elementErr(pos, v, x, 'string');
    out.push(x);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Definitions

type Impl = (args: Value[], ctx: BuiltinContext) => Value | undefined;
type RelationImpl = (args: Value[], ctx: BuiltinContext) => Value[];

function wrapError(name: string, err: unknown): BuiltinError {
  if (err instanceof BuiltinError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof OperandError ? 'eval_type_error' : 'eval_builtin_error';
  return new BuiltinError(code, `${name}: ${message}`);
}

/** Defines a function built-in; errors it throws get OPA's `<name>: ` prefix and code. */
export function builtin(name: string, arity: number, impl: Impl, opts?: { nondeterministic?: boolean }): FunctionBuiltin {
  return {
    name,
    arity,
    ...(opts?.nondeterministic ? { nondeterministic: true } : {}),
    fn(args, ctx) {
      try {
        return impl(args, ctx);
      } catch (err) {
        throw wrapError(name, err);
      }
    },
  };
}

/** Defines a relation built-in (several outputs per call, e.g. walk). */
export function relation(name: string, arity: number, impl: RelationImpl): RelationBuiltin {
  return {
    name,
    arity,
    relation: true,
    fn(args, ctx) {
      try {
        return impl(args, ctx);
      } catch (err) {
        throw wrapError(name, err);
      }
    },
  };
}

/** Returns a per-query cached value, computing it once. */
export function cached<T>(ctx: BuiltinContext, key: string, make: () => T): T {
  if (ctx.cache.has(key)) return ctx.cache.get(key) as T;
  const v = make();
  ctx.cache.set(key, v);
  return v;
}
