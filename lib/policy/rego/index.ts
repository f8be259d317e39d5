// Public API of YORI's Rego engine: compile modules once, prepare queries,
// evaluate many times.
//
//   const policy = compileModules([{ name: 'a.rego', source }]);
//   const q = policy.prepare('data.yori.deny');
//   const { results, error } = q.eval({ input });

import type { Term } from './ast.js';
import type { BuiltinDef } from './builtins/index.js';
import { newBuiltinContext } from './builtins/index.js';
import { compileProgram, type CompiledQuery, type Compiler, type Program } from './compiler.js';
import { RegoError } from './errors.js';
import { evalBody, newContext, recordedError, stableCacheFor, type Ctx } from './eval.js';
import { parseModule, parseQuery, parseTermSource } from './parser.js';
import { RegoObject, RegoSet, fromJSON, toJSON, type Value } from './value.js';

export { RegoError } from './errors.js';
export type { Value } from './value.js';

export interface RegoSource {
  name: string;
  source: string;
}

export interface CompileOptions {
  /** Extra built-in functions (by OPA name), e.g. test helpers. */
  builtins?: Iterable<BuiltinDef>;
}

export interface EvalOptions {
  /** The input document, as JSON-like JS or as a Value; absent means undefined. */
  input?: unknown;
  /** The base data document (rules are layered over it). */
  data?: unknown;
  /** Report the first built-in error as the query's error. */
  strictBuiltinErrors?: boolean;
  /** The query's fixed clock (time.now_ns), nanoseconds since the epoch. */
  nowNs?: bigint;
  /** Receives each `print(...)` line. */
  print?: (line: string) => void;
  /** Stop with eval_cancel_error after this many milliseconds. */
  timeoutMs?: number;
}

export interface QueryResult {
  /** One object per solution: query variable → value as JSON (sets as sorted arrays). */
  results: Record<string, unknown>[];
  /** The evaluation error, if any; solutions found before it are kept. */
  error: RegoError | null;
}

export interface ValueResult {
  results: Record<string, Value>[];
  error: RegoError | null;
}

export interface PreparedQuery {
  eval(opts?: EvalOptions): QueryResult;
  /** Like eval, but bindings stay Rego values (no JSON conversion). */
  evalValues(opts?: EvalOptions): ValueResult;
}

export interface RuleInfo {
  path: string[];
  name: string;
  file: string;
  row: number;
}

export interface CompiledPolicy {
  prepare(query: string): PreparedQuery;
  /** Package paths, e.g. `data.yori.bedtime`. */
  packages(): string[];
  rules(): RuleInfo[];
}

const EMPTY = new RegoObject();

class Prepared implements PreparedQuery {
  constructor(
    private readonly program: Program,
    private readonly query: CompiledQuery,
  ) {}

  evalValues(opts: EvalOptions = {}): ValueResult {
    const results: Record<string, Value>[] = [];
    let error: RegoError | null = null;
    let ctx: Ctx | undefined;
    try {
      const input = opts.input === undefined ? undefined : fromJSON(opts.input);
      const data = opts.data === undefined || opts.data === null ? EMPTY : fromJSON(opts.data);
      const strict = opts.strictBuiltinErrors ?? false;
      const bctx = newBuiltinContext({ strict, ...(opts.nowNs !== undefined ? { nowNs: opts.nowNs } : {}) });
      if (opts.print) bctx.print = opts.print;
      ctx = newContext({
        root: this.program.root,
        builtins: this.program.builtins,
        data,
        input,
        bctx,
        strict,
        // Strict mode reports the first built-in error of each query: nothing may be skipped.
        stable: strict ? null : stableCacheFor(this.program.root, data),
        ...(opts.timeoutMs !== undefined ? { deadline: Date.now() + opts.timeoutMs } : {}),
      });
      const q = this.query;
      const frame: (Value | undefined)[] = new Array(q.nslots);
      evalBody(ctx, frame, q.body.exprs, 0, () => {
        const row: Record<string, Value> = {};
        for (const v of q.vars) {
          const x = frame[v.slot];
          if (x !== undefined) row[v.name] = x;
        }
        results.push(row);
        return false;
      });
    } catch (e) {
      error = e instanceof RegoError ? e : new RegoError('eval_internal_error', e instanceof Error ? e.message : String(e));
    }
    return { results, error: error ?? (ctx ? recordedError(ctx) : null) };
  }

  eval(opts?: EvalOptions): QueryResult {
    const { results, error } = this.evalValues(opts);
    return {
      results: results.map((r) => {
        const o: Record<string, unknown> = {};
        for (const k of Object.keys(r)) o[k] = toJSON(r[k]!);
        return o;
      }),
      error,
    };
  }
}

class Policy implements CompiledPolicy {
  constructor(
    private readonly program: Program,
    private readonly compiler: Compiler,
  ) {}

  prepare(query: string): PreparedQuery {
    return nestingGuard(() => new Prepared(this.program, this.compiler.compileQuery(parseQuery(query))));
  }

  packages(): string[] {
    return this.program.packages.map((p) => ['data', ...p].join('.'));
  }

  rules(): RuleInfo[] {
    return this.program.rules.map((r) => ({ ...r, path: [...r.path] }));
  }
}

/** Parses and compiles modules. Throws RegoError (parse or compile error). */
export function compileModules(mods: RegoSource[], opts: CompileOptions = {}): CompiledPolicy {
  return nestingGuard(() => {
    const parsed = mods.map((m) => parseModule(m.source, m.name));
    const { program, compiler } = compileProgram(parsed, opts);
    return new Policy(program, compiler);
  });
}

/** Source nested deeper than the stack allows is a compile error, not a crash. */
function nestingGuard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) throw new RegoError('rego_compile_error', 'policy nested too deeply');
    throw e;
  }
}

/** Parses a ground Rego term (`{"a": {1, 2}}`, `set()`) into a value. */
export function parseTerm(text: string): Value {
  return nestingGuard(() => groundValue(parseTermSource(text)));
}

function groundValue(t: Term): Value {
  switch (t.t) {
    case 'scalar':
    case 'value':
      return t.v;
    case 'array':
      return t.items.map(groundValue);
    case 'set':
      return new RegoSet(t.items.map(groundValue));
    case 'object': {
      const o = new RegoObject();
      for (const [k, v] of t.entries) o.set(groundValue(k), groundValue(v));
      return o;
    }
    default:
      throw RegoError.at('rego_parse_error', `term is not ground: ${t.t}`, t.loc);
  }
}
