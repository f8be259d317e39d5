// Top-down evaluator. Continuation-passing style: every producer of
// solutions takes a continuation and calls it once per solution; a
// continuation returns true to stop the enumeration (e.g. `not` found one
// solution). Variables live in a per-rule-invocation frame (an array indexed
// by slot) and are unbound again when the continuation returns, which makes
// backtracking free.
//
// `data` is the rule tree layered over the base document. Rule values are
// computed once per query context and cached; `with` evaluates its
// expression in a child context (own cache, replaced input/data/functions).

import type { BuiltinContext, BuiltinDef } from './builtins/index.js';
import { BuiltinError } from './builtins/index.js';
import { RegoError } from './errors.js';
import type { Loc } from './ast.js';
import type { CBody, CCompr, CExpr, CFn, CRule, CTemplatePart, CTerm, CWith } from './ir.js';
import type { RuleNode } from './ir.js';
import { RegoObject, RegoSet, compare, equals, keyOf, type Value } from './value.js';

type K = () => boolean;
type VK = (v: Value) => boolean;
type Frame = (Value | undefined)[];

const UNDEF = Symbol('undefined');

/** `with data.x as v` replacements, as a tree over data paths. */
interface Override {
  value?: Value;
  children: Map<string, Override>;
  keys: Map<string, Value>;
}

type Mock = { fn: CFn } | { value: Value };

/** State shared by a query and all its `with` child contexts. */
interface Shared {
  bctx: BuiltinContext;
  builtins: ReadonlyMap<string, BuiltinDef>;
  strict: boolean;
  firstError: RegoError | null;
  deadline: number;
  steps: number;
}

/**
 * Values of stable rules (lib/policy/rego/stable.ts) and results of stable functions, kept
 * across the queries that evaluate against one base data object.
 */
export interface StableCache {
  readonly rules: Map<RuleNode, Value | typeof UNDEF>;
  readonly calls: Map<RuleNode, Map<string, Value | typeof UNDEF>>;
}

const stableCaches = new WeakMap<RuleNode, WeakMap<object, StableCache>>();

/** The cache for a program (by its root) and a base data object; null when data is not one. */
export function stableCacheFor(root: RuleNode, data: Value): StableCache | null {
  if (typeof data !== 'object' || data === null) return null;
  let byData = stableCaches.get(root);
  if (!byData) stableCaches.set(root, (byData = new WeakMap()));
  let cache = byData.get(data);
  if (!cache) byData.set(data, (cache = { rules: new Map(), calls: new Map() }));
  return cache;
}

export class Ctx {
  readonly cache = new Map<RuleNode, Value | typeof UNDEF>();
  /** Function results by function and argument keys (functions are pure within a context). */
  readonly calls = new Map<RuleNode, Map<string, Value | typeof UNDEF>>();

  constructor(
    readonly root: RuleNode,
    readonly data: Value,
    readonly input: Value | undefined,
    readonly shared: Shared,
    readonly ov: Override | null = null,
    readonly mocks: Map<string, Mock> | null = null,
    /** Only a query's own context has one: `with` contexts change what rules see. */
    readonly stable: StableCache | null = null,
  ) {}
}

export interface QueryEnv {
  root: RuleNode;
  builtins: ReadonlyMap<string, BuiltinDef>;
  data: Value;
  input: Value | undefined;
  bctx: BuiltinContext;
  strict: boolean;
  /** Absolute time (ms) after which evaluation stops with eval_cancel_error. */
  deadline?: number;
  /** Stable rule values shared with earlier queries on the same data (not in strict mode). */
  stable?: StableCache | null;
}

export function newContext(env: QueryEnv): Ctx {
  const shared: Shared = {
    bctx: env.bctx,
    builtins: env.builtins,
    strict: env.strict,
    firstError: null,
    deadline: env.deadline ?? Infinity,
    steps: 0,
  };
  return new Ctx(env.root, env.data, env.input, shared, null, null, env.stable ?? null);
}

/** The first recorded built-in error (strict mode only). */
export function recordedError(c: Ctx): RegoError | null {
  return c.shared.firstError;
}

function conflict(msg: string, loc: Loc): RegoError {
  return new RegoError('eval_conflict_error', msg, loc.file, loc.row);
}

// ---------------------------------------------------------------- bodies

export function evalBody(c: Ctx, f: Frame, exprs: CExpr[], i: number, k: K): boolean {
  if (i === exprs.length) return k();
  const sh = c.shared;
  if (++sh.steps > 4096) {
    sh.steps = 0;
    if (Date.now() > sh.deadline) throw new RegoError('eval_cancel_error', 'caller cancelled query execution');
  }
  const e = exprs[i]!;
  const last = i + 1 === exprs.length;
  if (e.withs) {
    const c2 = applyWiths(c, f, e.withs);
    if (c2 === null) return false;
    if (e.neg) return evalExprInner(c2, f, e, stop) ? false : last ? k() : evalBody(c, f, exprs, i + 1, k);
    return evalExprInner(c2, f, e, last ? k : () => evalBody(c, f, exprs, i + 1, k));
  }
  if (e.neg) return evalExprInner(c, f, e, stop) ? false : last ? k() : evalBody(c, f, exprs, i + 1, k);
  return evalExprInner(c, f, e, last ? k : () => evalBody(c, f, exprs, i + 1, k));
}

function stop(): boolean {
  return true;
}

/** Does the body have at least one solution? (bindings are undone) */
function once(c: Ctx, f: Frame, b: CBody): boolean {
  return evalBody(c, f, b.exprs, 0, stop);
}

function evalExprInner(c: Ctx, f: Frame, e: CExpr, k: K): boolean {
  switch (e.k) {
    case 'term': {
      const s = simple(c, f, e.term);
      if (s !== COMPLEX) return s !== undefined && s !== false ? k() : false;
      return evalTerm(c, f, e.term, (v) => (v !== false ? k() : false));
    }
    case 'unify':
      return unify(c, f, e.a, e.b, k);
    case 'call':
      if (e.fn.kind === 'builtin' && e.fn.def === null) return print(c, f, e.args, e.loc, k);
      if (!e.out && !(e.fn.kind === 'builtin' && e.fn.def!.relation)) {
        const args = simpleArgs(c, f, e.args);
        if (args === undefined) return false;
        if (args !== COMPLEX) {
          const r = callDirect(c, e.fn, args, e.loc);
          return r !== undefined && r !== false ? k() : false;
        }
      }
      return evalArgs(c, f, e.args, (args) =>
        callFn(c, e.fn, args, e.loc, (r) => (e.out ? unifyValue(c, f, r, e.out, k) : r !== false ? k() : false)),
      );
    case 'somein':
      return evalTerm(c, f, e.coll, (coll) =>
        iterate(coll, (key, val) =>
          e.key ? unifyValue(c, f, key, e.key, () => unifyValue(c, f, val, e.value, k)) : unifyValue(c, f, val, e.value, k),
        ),
      );
    case 'every':
      return evalTerm(c, f, e.domain, (dom) => {
        if (!Array.isArray(dom) && !(dom instanceof RegoObject) && !(dom instanceof RegoSet)) return false;
        const ks = e.key ? e.key.slot : -1;
        const vs = e.value.slot;
        let ok = true;
        iterate(dom, (key, val) => {
          if (ks >= 0) f[ks] = key;
          f[vs] = val;
          const found = once(c, f, e.body);
          if (ks >= 0) f[ks] = undefined;
          f[vs] = undefined;
          ok = found;
          return !found;
        });
        return ok ? k() : false;
      });
    case 'body':
      return once(c, f, e.body) ? k() : false;
    case 'logic':
      if (e.op === 'and') return once(c, f, e.left) && once(c, f, e.right) ? k() : false;
      return once(c, f, e.left) || once(c, f, e.right) ? k() : false;
  }
}

/** Calls `fn(key, value)` for each element of a collection, until it returns true. */
function iterate(v: Value, fn: (key: Value, val: Value) => boolean): boolean {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (fn(i, v[i]!)) return true;
  } else if (v instanceof RegoObject) {
    for (const [key, val] of v.entries()) if (fn(key, val)) return true;
  } else if (v instanceof RegoSet) {
    for (const x of v.values()) if (fn(x, x)) return true;
  }
  return false;
}

// ---------------------------------------------------------------- with

function applyWiths(c: Ctx, f: Frame, withs: CWith[]): Ctx | null {
  let input = c.input;
  let ov = c.ov;
  let mocks = c.mocks;
  for (const w of withs) {
    if (w.target.kind === 'fn') {
      let mock: Mock;
      if (w.fn) mock = { fn: w.fn };
      else {
        const v = firstValue(c, f, w.value);
        if (v === undefined) return null;
        mock = { value: v };
      }
      mocks = new Map(mocks ?? []);
      mocks.set(w.target.key, mock);
      continue;
    }
    const v = firstValue(c, f, w.value);
    if (v === undefined) return null;
    if (w.target.kind === 'input') input = w.target.path.length ? upsert(input, w.target.path, 0, v) : v;
    else ov = addOverride(ov, w.target.path, v);
  }
  return new Ctx(c.root, c.data, input, c.shared, ov, mocks);
}

function firstValue(c: Ctx, f: Frame, t: CTerm): Value | undefined {
  let out: Value | undefined;
  evalTerm(c, f, t, (v) => {
    out = v;
    return true;
  });
  return out;
}

/** A copy of `doc` with `v` at `path` (objects created as needed). */
function upsert(doc: Value | undefined, path: Value[], i: number, v: Value): Value {
  if (i === path.length) return v;
  const o = doc instanceof RegoObject ? doc.clone() : new RegoObject();
  o.set(path[i]!, upsert(o.get(path[i]!), path, i + 1, v));
  return o;
}

function addOverride(ov: Override | null, path: Value[], v: Value): Override {
  const root: Override = cloneOverride(ov);
  let n = root;
  for (const p of path) {
    const k = keyOf(p);
    let c = n.children.get(k);
    c = c ? cloneOverride(c) : { children: new Map(), keys: new Map() };
    n.children.set(k, c);
    n.keys.set(k, p);
    n = c;
  }
  n.value = v;
  n.children.clear();
  n.keys.clear();
  return root;
}

function cloneOverride(o: Override | null): Override {
  if (!o) return { children: new Map(), keys: new Map() };
  const c: Override = { children: new Map(o.children), keys: new Map(o.keys) };
  if (o.value !== undefined) c.value = o.value;
  return c;
}

/** Applies the overrides below a path to the value found there. */
function patch(v: Value | undefined, ov: Override): Value | undefined {
  if (ov.value !== undefined) return ov.value;
  if (ov.children.size === 0) return v;
  const o = v instanceof RegoObject ? v.clone() : new RegoObject();
  for (const [k, child] of ov.children) {
    const key = ov.keys.get(k)!;
    const pv = patch(o.get(key), child);
    if (pv !== undefined) o.set(key, pv);
  }
  return o;
}

// ---------------------------------------------------------------- terms

/** Marks a term that may have several values (or binds variables): evaluate it with continuations. */
const COMPLEX: unique symbol = Symbol('complex');
type Simple = Value | undefined | typeof COMPLEX;

/**
 * The fast path: the one value of a term, or undefined, computed directly when
 * no variable in it is unbound (so it cannot iterate); COMPLEX otherwise.
 */
function simple(c: Ctx, f: Frame, t: CTerm): Simple {
  switch (t.k) {
    case 'const':
      return t.v;
    case 'var': {
      const v = f[t.slot];
      return v === undefined ? COMPLEX : v;
    }
    case 'input':
      if (!simplePathOK(f, t.path)) return COMPLEX;
      return c.input === undefined ? undefined : simplePath(f, c.input, t.path, 0);
    case 'data':
      if (!simplePathOK(f, t.path)) return COMPLEX;
      return simpleData(c, f, t.path);
    case 'ref': {
      if (!simplePathOK(f, t.path)) return COMPLEX;
      const h = simple(c, f, t.head);
      if (h === COMPLEX || h === undefined) return h;
      return simplePath(f, h, t.path, 0);
    }
    case 'call': {
      const fn = t.fn;
      if (fn.kind === 'builtin' && (fn.def === null || fn.def.relation)) return COMPLEX;
      const args = simpleArgs(c, f, t.args);
      return args === COMPLEX || args === undefined ? args : callDirect(c, fn, args, t.loc);
    }
    case 'array':
      return simpleArgs(c, f, t.items);
    case 'compr':
      return comprehension(c, f, t);
    case 'template':
      return template(c, f, t.parts, t.loc);
    default:
      return COMPLEX;
  }
}

function simpleArgs(c: Ctx, f: Frame, terms: CTerm[]): Value[] | undefined | typeof COMPLEX {
  const n = terms.length;
  const out: Value[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = simple(c, f, terms[i]!);
    if (a === COMPLEX || a === undefined) return a;
    out[i] = a;
  }
  return out;
}

/** Every path element is a constant or a bound variable. */
function simplePathOK(f: Frame, path: CTerm[]): boolean {
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    if (p.k === 'const') continue;
    if (p.k === 'var' && f[p.slot] !== undefined) continue;
    return false;
  }
  return true;
}

function pathKey(f: Frame, p: CTerm): Value {
  return p.k === 'const' ? p.v : f[(p as { slot: number }).slot]!;
}

function simplePath(f: Frame, v: Value, path: CTerm[], i: number): Value | undefined {
  let cur: Value | undefined = v;
  for (; i < path.length && cur !== undefined; i++) cur = get(cur, pathKey(f, path[i]!));
  return cur;
}

function simpleBasePath(f: Frame, v: Value, path: CTerm[], i: number): Value | undefined {
  let cur: Value | undefined = v;
  for (; i < path.length && cur !== undefined; i++) {
    const key = pathKey(f, path[i]!);
    cur = cur instanceof RegoObject ? baseGet(cur, key) : get(cur, key);
  }
  return cur;
}

/** walkData for a path of constants and bound variables. */
function simpleData(c: Ctx, f: Frame, path: CTerm[]): Value | undefined {
  let pos: DataPos = { node: c.root, base: c.data, ov: c.ov };
  for (let i = 0; ; i++) {
    const { node, base, ov } = pos;
    if (ov && ov.value !== undefined) return simplePath(f, ov.value, path, i);
    if (!node && !ov) return base === undefined ? undefined : simpleBasePath(f, base, path, i);
    if ((node && node.hasRules) || i === path.length) {
      const v = docAt(c, node, base, ov);
      return v === undefined ? undefined : simplePath(f, v, path, i);
    }
    pos = childPos(pos, pathKey(f, path[i]!));
  }
}

function evalTerm(c: Ctx, f: Frame, t: CTerm, vk: VK): boolean {
  const s = simple(c, f, t);
  if (s !== COMPLEX) return s === undefined ? false : vk(s);
  // Here some variable in `t` is unbound (or a relation is called).
  switch (t.k) {
    case 'input':
      return c.input === undefined ? false : deref(c, f, c.input, t.path, 0, vk);
    case 'data':
      return walkData(c, f, { node: c.root, base: c.data, ov: c.ov }, t.path, 0, vk);
    case 'ref':
      return evalTerm(c, f, t.head, (h) => deref(c, f, h, t.path, 0, vk));
    case 'array':
      return evalArgs(c, f, t.items, (vals) => vk(vals.slice()));
    case 'set':
      return evalArgs(c, f, t.items, (vals) => vk(new RegoSet(vals)));
    case 'object': {
      const terms: CTerm[] = [];
      for (const [key, val] of t.entries) terms.push(key, val);
      return evalArgs(c, f, terms, (vals) => {
        const o = new RegoObject();
        for (let i = 0; i < vals.length; i += 2) o.set(vals[i]!, vals[i + 1]!);
        return vk(o);
      });
    }
    case 'call':
      if (t.fn.kind === 'builtin' && t.fn.def === null) return print(c, f, t.args, t.loc, () => vk(true));
      return evalArgs(c, f, t.args, (args) => callFn(c, t.fn, args, t.loc, vk));
    default:
      // An unbound variable has no value.
      return false;
  }
}

/**
 * Evaluates terms left to right (each may have several values); `k` gets a
 * reused array. An unbound variable is read after the other terms, whose refs
 * may bind it (`x == xs[x]`).
 */
function evalArgs(c: Ctx, f: Frame, terms: CTerm[], k: (vals: Value[]) => boolean): boolean {
  return argsFrom(c, f, terms, new Array(terms.length), 0, null, k);
}

function argsFrom(
  c: Ctx,
  f: Frame,
  terms: CTerm[],
  vals: Value[],
  i: number,
  deferred: number[] | null,
  k: (vals: Value[]) => boolean,
): boolean {
  for (; i < terms.length; i++) {
    const t = terms[i]!;
    if (t.k === 'const') vals[i] = t.v;
    else if (t.k === 'var') {
      const v = f[t.slot];
      if (v === undefined) {
        const d = deferred ? [...deferred, i] : [i];
        return argsFrom(c, f, terms, vals, i + 1, d, k);
      }
      vals[i] = v;
    } else {
      const sv = simple(c, f, t);
      if (sv === undefined) return false;
      if (sv !== COMPLEX) {
        vals[i] = sv;
        continue;
      }
      const at = i;
      return evalTerm(c, f, t, (v) => {
        vals[at] = v;
        return argsFrom(c, f, terms, vals, at + 1, deferred, k);
      });
    }
  }
  if (deferred) {
    for (const j of deferred) {
      const v = f[(terms[j] as { slot: number }).slot];
      if (v === undefined) return false;
      vals[j] = v;
    }
  }
  return k(vals);
}

function comprehension(c: Ctx, f: Frame, t: CCompr): Value {
  const body = t.body.exprs;
  if (t.kind === 'array') {
    const out: Value[] = [];
    evalBody(c, f, body, 0, () => evalTerm(c, f, t.head, (v) => (out.push(v), false)));
    return out;
  }
  if (t.kind === 'set') {
    const out = new RegoSet();
    evalBody(c, f, body, 0, () => evalTerm(c, f, t.head, (v) => (out.add(v), false)));
    return out;
  }
  const out = new RegoObject();
  evalBody(c, f, body, 0, () =>
    evalTerm(c, f, t.head, (key) =>
      evalTerm(c, f, t.value!, (val) => {
        const prev = out.get(key);
        if (prev !== undefined && !equals(prev, val)) throw conflict('object keys must be unique', t.loc);
        out.set(key, val);
        return false;
      }),
    ),
  );
  return out;
}

/** The set of a term's values (empty when undefined): how print and template strings see operands. */
function valueSet(c: Ctx, f: Frame, t: CTerm): RegoSet {
  const out = new RegoSet();
  evalTerm(c, f, t, (v) => (out.add(v), false));
  return out;
}

/** Calls a built-in the engine itself uses (print, template strings); errors as for any call. */
function internalCall(c: Ctx, name: string, args: Value[], loc: Loc): Value | undefined {
  const def = c.shared.builtins.get(name)!;
  try {
    return def.fn(args, c.shared.bctx) as Value | undefined;
  } catch (e) {
    return builtinFailed(c, e, loc);
  }
}

function template(c: Ctx, f: Frame, parts: (string | CTemplatePart)[], loc: Loc): Value | undefined {
  const operands: Value[] = parts.map((p) => {
    if (typeof p === 'string') return p;
    const withs = p.body.exprs[0]?.withs;
    const c2 = withs ? applyWiths(c, f, withs) : c;
    return c2 ? valueSet(c2, f, p.term) : new RegoSet();
  });
  return internalCall(c, 'internal.template_string', [operands], loc);
}

/** `print(...)`: every operand as the set of its values (undefined ones print as <undefined>). */
function print(c: Ctx, f: Frame, args: CTerm[], loc: Loc, k: K): boolean {
  internalCall(c, 'internal.print', [args.map((a) => valueSet(c, f, a))], loc);
  return k();
}

// ---------------------------------------------------------------- refs

function get(v: Value, key: Value): Value | undefined {
  if (Array.isArray(v)) {
    if (typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < v.length) return v[key];
    return undefined;
  }
  if (v instanceof RegoObject) return v.get(key);
  if (v instanceof RegoSet) return v.has(key) ? key : undefined;
  return undefined;
}

/** Is `t` (after the frame's bindings) something to match against rather than evaluate? */
function isPattern(f: Frame, t: CTerm): boolean {
  switch (t.k) {
    case 'var':
      return f[t.slot] === undefined;
    case 'array':
      return t.items.some((x) => isPattern(f, x));
    case 'object':
      return t.entries.some(([, v]) => isPattern(f, v));
    default:
      return false;
  }
}

function deref(c: Ctx, f: Frame, v: Value, path: CTerm[], i: number, vk: VK): boolean {
  if (i === path.length) return vk(v);
  const p = path[i]!;
  if (p.k === 'const') {
    const x = get(v, p.v);
    return x === undefined ? false : deref(c, f, x, path, i + 1, vk);
  }
  if (p.k === 'var') {
    const key = f[p.slot];
    if (key !== undefined) {
      const x = get(v, key);
      return x === undefined ? false : deref(c, f, x, path, i + 1, vk);
    }
    const slot = p.slot;
    const r = iterate(v, (key, val) => ((f[slot] = key), deref(c, f, val, path, i + 1, vk)));
    f[slot] = undefined;
    return r;
  }
  if (isPattern(f, p)) return iterate(v, (key, val) => unifyValue(c, f, key, p, () => deref(c, f, val, path, i + 1, vk)));
  return evalTerm(c, f, p, (key) => {
    const x = get(v, key);
    return x === undefined ? false : deref(c, f, x, path, i + 1, vk);
  });
}

// ---------------------------------------------------------------- data

/** Base documents only have string keys; like OPA's store, a number key finds its string form. */
function baseGet(o: RegoObject, key: Value): Value | undefined {
  const v = o.get(key);
  if (v !== undefined || (typeof key !== 'number' && typeof key !== 'bigint')) return v;
  return o.get(String(key));
}

/** deref over base data (number keys also match string keys of objects). */
function derefBase(c: Ctx, f: Frame, v: Value, path: CTerm[], i: number, vk: VK): boolean {
  if (i === path.length) return vk(v);
  if (!(v instanceof RegoObject)) return deref(c, f, v, path, i, vk);
  const p = path[i]!;
  const key = p.k === 'const' ? p.v : p.k === 'var' ? f[p.slot] : undefined;
  if (key === undefined) return deref(c, f, v, path, i, vk);
  const x = baseGet(v, key);
  return x === undefined ? false : derefBase(c, f, x, path, i + 1, vk);
}

/**
 * A position in the data document: the rule tree node (if rules lie below),
 * the base document and the `with` overrides there.
 */
interface DataPos {
  node: RuleNode | undefined;
  base: Value | undefined;
  ov: Override | null;
}

function childPos(pos: DataPos, key: Value): DataPos {
  const k = keyOf(key);
  return {
    node: pos.node?.children.get(k),
    base: pos.base instanceof RegoObject ? baseGet(pos.base, key) : undefined,
    ov: pos.ov?.children.get(k) ?? null,
  };
}

function walkData(c: Ctx, f: Frame, pos: DataPos, path: CTerm[], i: number, vk: VK): boolean {
  const { node, base, ov } = pos;
  if (ov && ov.value !== undefined) return deref(c, f, ov.value, path, i, vk);
  if (!node && !ov) return base === undefined ? false : derefBase(c, f, base, path, i, vk);
  if ((node && node.hasRules) || i === path.length) {
    const v = docAt(c, node, base, ov);
    return v === undefined ? false : deref(c, f, v, path, i, vk);
  }
  const p = path[i]!;
  if (p.k === 'const') return walkData(c, f, childPos(pos, p.v), path, i + 1, vk);
  if (p.k === 'var' && f[p.slot] !== undefined) return walkData(c, f, childPos(pos, f[p.slot]!), path, i + 1, vk);
  if (!isPattern(f, p)) return evalTerm(c, f, p, (key) => walkData(c, f, childPos(pos, key), path, i + 1, vk));
  const keys = new Map<string, Value>();
  if (base instanceof RegoObject) for (const key of base.keys()) keys.set(keyOf(key), key);
  if (node) for (const child of node.children.values()) keys.set(keyOf(child.key), child.key);
  if (ov) for (const [k, key] of ov.keys) keys.set(k, key);
  const sorted = [...keys.values()].sort(compare);
  for (const key of sorted) {
    if (unifyValue(c, f, key, p, () => walkData(c, f, childPos(pos, key), path, i + 1, vk))) return true;
  }
  return false;
}

/** The full document at a tree node: rule values, namespaces merged with base data, overrides applied. */
function docAt(c: Ctx, node: RuleNode | undefined, base: Value | undefined, ov: Override | null): Value | undefined {
  let v: Value | undefined;
  if (!node) v = base;
  else {
    const hit = c.cache.get(node);
    if (hit !== undefined) v = hit === UNDEF ? undefined : hit;
    else {
      v = node.hasRules ? stableRuleDoc(c, node) : namespaceDoc(c, node, base);
      c.cache.set(node, v === undefined ? UNDEF : v);
    }
  }
  return ov ? patch(v, ov) : v;
}

/** A namespace: its children's documents, with base data merged over them (base data wins). */
function namespaceDoc(c: Ctx, node: RuleNode, base: Value | undefined): Value {
  const o = new RegoObject();
  o.mergeable = true;
  for (const child of node.children.values()) {
    const b = base instanceof RegoObject ? base.get(child.key) : undefined;
    const cv = docAt(c, child, b, null);
    if (cv !== undefined) o.set(child.key, cv);
  }
  if (base instanceof RegoObject) {
    for (const [k, v] of base.entries()) {
      const prev = o.get(k);
      o.set(k, prev instanceof RegoObject && v instanceof RegoObject ? mergeBase(prev, v) : v);
    }
  }
  return o;
}

function mergeBase(virtual: RegoObject, base: RegoObject): RegoObject {
  const o = virtual.clone();
  for (const [k, v] of base.entries()) {
    const prev = o.get(k);
    o.set(k, prev instanceof RegoObject && v instanceof RegoObject ? mergeBase(prev, v) : v);
  }
  return o;
}

// ---------------------------------------------------------------- rules

function newFrame(n: number): Frame {
  return new Array(n);
}

/** ruleDoc, answered from the query-spanning cache when the rule is stable. */
function stableRuleDoc(c: Ctx, node: RuleNode): Value | undefined {
  const st = node.stable ? c.stable : null;
  if (!st) return ruleDoc(c, node);
  const hit = st.rules.get(node);
  if (hit !== undefined) return hit === UNDEF ? undefined : hit;
  const v = ruleDoc(c, node);
  st.rules.set(node, v === undefined ? UNDEF : v);
  return v;
}

function ruleDoc(c: Ctx, node: RuleNode): Value | undefined {
  if (node.isFunction) return undefined;
  const rules = node.rules;
  const first = rules[0];
  if (!first || (first.suffix.length === 0 && first.kind === 'complete')) return rulesValue(c, node, null, COMPLETE_CONFLICT);
  if (first.suffix.length === 0) {
    const set = new RegoSet();
    set.mergeable = true;
    for (const r of rules) {
      const f = newFrame(r.nslots);
      evalBody(c, f, r.body.exprs, 0, () => evalTerm(c, f, r.value, (x) => (set.add(x), false)));
    }
    return set;
  }
  const obj = new RegoObject();
  obj.mergeable = true;
  const own = new Set<RegoObject | RegoSet>([obj]);
  for (const r of rules) {
    const f = newFrame(r.nslots);
    evalBody(c, f, r.body.exprs, 0, () =>
      evalArgs(c, f, r.suffix, (keys) => evalTerm(c, f, r.value, (x) => (insertPath(obj, own, keys, x, r), r.constValue))),
    );
  }
  for (const child of node.children.values()) {
    const cv = docAt(c, child, undefined, null);
    if (cv === undefined) continue;
    mergeInto(obj, own, [child.key], cv, first);
  }
  return obj;
}

function insertPath(obj: RegoObject, own: Set<RegoObject | RegoSet>, keys: Value[], v: Value, r: CRule): void {
  let cur = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i]!;
    let next = cur.get(key);
    if (next === undefined) {
      next = new RegoObject();
      own.add(next);
      next.mergeable = true;
      cur.set(key, next);
    } else if (!(next instanceof RegoObject) || !next.mergeable) {
      throw conflict('object keys must be unique', r.loc);
    } else if (!own.has(next)) {
      next = next.clone();
      own.add(next);
      next.mergeable = true;
      cur.set(key, next);
    }
    cur = next as RegoObject;
  }
  const last = keys[keys.length - 1]!;
  const prev = cur.get(last);
  if (r.kind === 'multi') {
    let s = prev;
    if (s === undefined) {
      s = new RegoSet();
      own.add(s);
      s.mergeable = true;
      cur.set(last, s);
    } else if (!(s instanceof RegoSet) || !s.mergeable) throw conflict('object keys must be unique', r.loc);
    else if (!own.has(s)) {
      s = s.clone();
      own.add(s);
      s.mergeable = true;
      cur.set(last, s);
    }
    (s as RegoSet).add(v);
    return;
  }
  if (prev === undefined) cur.set(last, v);
  else if (!equals(prev, v)) throw conflict('object keys must be unique', r.loc);
}

function mergeInto(obj: RegoObject, own: Set<RegoObject | RegoSet>, keys: Value[], v: Value, r: CRule): void {
  const last = keys[keys.length - 1]!;
  const prev = obj.get(last);
  if (prev === undefined) {
    obj.set(last, v);
    return;
  }
  const mergeable = (x: Value): x is RegoObject | RegoSet =>
    (x instanceof RegoObject || x instanceof RegoSet) && x.mergeable;
  if (mergeable(prev) && mergeable(v) && prev instanceof RegoObject === v instanceof RegoObject) {
    let target = prev;
    if (!own.has(target)) {
      target = prev.clone();
      own.add(target);
      target.mergeable = true;
      obj.set(last, target);
    }
    if (target instanceof RegoSet) for (const x of (v as RegoSet).values()) target.add(x);
    else for (const [k, x] of (v as RegoObject).entries()) mergeInto(target, own, [k], x, r);
    return;
  }
  if (!equals(prev, v)) throw conflict('object keys must be unique', r.loc);
}

const COMPLETE_CONFLICT = 'complete rules must not produce multiple outputs';
const FUNCTION_CONFLICT = 'functions must not produce multiple outputs for same inputs';

/**
 * The value of one rule (a function definition when `args` is given), trying
 * its `else` chain, or undefined. Different values from one body conflict.
 */
function ruleValue(c: Ctx, r: CRule, args: Value[] | null, conflictMsg: string): Value | undefined {
  for (let rule: CRule | null = r; rule; rule = rule.else) {
    const f = newFrame(rule.nslots);
    if (args) for (let i = 0; i < rule.argSlots.length; i++) f[rule.argSlots[i]!] = args[i];
    let v: Value | undefined;
    const cur = rule;
    evalBody(c, f, cur.body.exprs, 0, () =>
      evalTerm(c, f, cur.value, (x) => {
        if (v === undefined) v = x;
        else if (!equals(v, x)) throw conflict(conflictMsg, cur.loc);
        return cur.constValue;
      }),
    );
    if (v !== undefined) return v;
  }
  return undefined;
}

/** The one value the rules of a node agree on, else the default rule's, else undefined. */
function rulesValue(c: Ctx, node: RuleNode, args: Value[] | null, conflictMsg: string): Value | undefined {
  let out: Value | undefined;
  for (const r of node.rules) {
    const v = ruleValue(c, r, args, conflictMsg);
    if (v === undefined) continue;
    if (out === undefined) out = v;
    else if (!equals(out, v)) throw conflict(conflictMsg, r.loc);
  }
  if (out === undefined && node.defaultRule) out = ruleValue(c, node.defaultRule, args, conflictMsg);
  return out;
}

function callFunction(c: Ctx, node: RuleNode, args: Value[]): Value | undefined {
  const calls = node.stable && c.stable ? c.stable.calls : c.calls;
  let memo = calls.get(node);
  if (!memo) calls.set(node, (memo = new Map()));
  const key = args.length === 1 ? keyOf(args[0]!) : args.map(keyOf).join('\u0001');
  const hit = memo.get(key);
  if (hit !== undefined) return hit === UNDEF ? undefined : hit;
  const out = rulesValue(c, node, args, FUNCTION_CONFLICT);
  memo.set(key, out === undefined ? UNDEF : out);
  return out;
}

function callFn(c: Ctx, fn: CFn, args: Value[], loc: Loc, vk: VK): boolean {
  if (fn.kind === 'builtin' && fn.def!.relation && !c.mocks?.has(fn.key)) {
    let outs: Value[];
    try {
      outs = fn.def!.fn(args, c.shared.bctx) as Value[];
    } catch (e) {
      builtinFailed(c, e, loc);
      return false;
    }
    for (const o of outs) if (vk(o)) return true;
    return false;
  }
  const v = callDirect(c, fn, args, loc);
  return v === undefined ? false : vk(v);
}

/** Calls a function (not a relation): its result, or undefined. */
function callDirect(c: Ctx, fn: CFn, args: Value[], loc: Loc): Value | undefined {
  if (c.mocks) {
    const m = c.mocks.get(fn.key);
    if (m) {
      if ('value' in m) return m.value;
      // A replacement runs without the mocks in effect, so it can call the original.
      if (m.fn !== fn) return callDirect(new Ctx(c.root, c.data, c.input, c.shared, c.ov, null), m.fn, args, loc);
    }
  }
  if (fn.kind === 'func') return callFunction(c, fn.node, args);
  try {
    return fn.def!.fn(args, c.shared.bctx) as Value | undefined;
  } catch (e) {
    return builtinFailed(c, e, loc);
  }
}

/** A failing built-in call is undefined; in strict mode its error is kept. */
function builtinFailed(c: Ctx, e: unknown, loc: Loc): false | undefined {
  if (!(e instanceof BuiltinError)) throw e;
  if (e.halt) throw new RegoError(e.code, e.message, loc.file, loc.row);
  if (c.shared.strict && !c.shared.firstError) {
    c.shared.firstError = new RegoError(e.code, e.message, loc.file, loc.row);
  }
  return undefined;
}

// ---------------------------------------------------------------- unification

function bind(f: Frame, slot: number, v: Value, k: K): boolean {
  f[slot] = v;
  const r = k();
  f[slot] = undefined;
  return r;
}

function unify(c: Ctx, f: Frame, a: CTerm, b: CTerm, k: K): boolean {
  if (a.k === 'var') {
    const av = f[a.slot];
    if (av !== undefined) return unifyValue(c, f, av, b, k);
    if (b.k === 'var' && f[b.slot] === undefined) return false;
    if (isPattern(f, b)) return false;
    const sb = simple(c, f, b);
    if (sb !== COMPLEX) return sb === undefined ? false : bind(f, a.slot, sb, k);
    const slot = a.slot;
    return evalTerm(c, f, b, (v) => bind(f, slot, v, k));
  }
  if (b.k === 'var') return unify(c, f, b, a, k);
  if (a.k === 'array' && b.k === 'array') {
    if (a.items.length !== b.items.length) return false;
    return unifyItems(c, f, a.items, b.items, 0, k);
  }
  if (a.k === 'object' && b.k === 'object' && isPattern(f, a) && isPattern(f, b)) return unifyObjects(c, f, a.entries, b.entries, k);
  if (isPattern(f, a)) return evalTerm(c, f, b, (v) => unifyValue(c, f, v, a, k));
  return evalTerm(c, f, a, (v) => unifyValue(c, f, v, b, k));
}

/** Two object patterns: same ground keys, values unified pairwise. */
function unifyObjects(c: Ctx, f: Frame, a: [CTerm, CTerm][], b: [CTerm, CTerm][], k: K): boolean {
  if (a.length !== b.length) return false;
  return evalArgs(c, f, a.map((e) => e[0]), (akeys) => {
    const ak = akeys.map(keyOf);
    return evalArgs(c, f, b.map((e) => e[0]), (bkeys) => {
      const xs: CTerm[] = [];
      const ys: CTerm[] = [];
      for (let i = 0; i < bkeys.length; i++) {
        const j = ak.indexOf(keyOf(bkeys[i]!));
        if (j < 0) return false;
        xs.push(a[j]![1]);
        ys.push(b[i]![1]);
      }
      return unifyItems(c, f, xs, ys, 0, k);
    });
  });
}

function unifyItems(c: Ctx, f: Frame, a: CTerm[], b: CTerm[], i: number, k: K): boolean {
  if (i === a.length) return k();
  const x = a[i]!;
  const y = b[i]!;
  if (x.k === 'var' && y.k === 'var' && f[x.slot] === undefined && f[y.slot] === undefined) {
    // Two unbound variables: unify the rest first, then retry.
    return unifyItems(c, f, a, b, i + 1, () => unify(c, f, x, y, k));
  }
  return unify(c, f, x, y, () => unifyItems(c, f, a, b, i + 1, k));
}

/** Unifies a value with a term (a pattern, or anything evaluable). */
function unifyValue(c: Ctx, f: Frame, v: Value, t: CTerm, k: K): boolean {
  switch (t.k) {
    case 'const':
      return equals(v, t.v) ? k() : false;
    case 'var': {
      const tv = f[t.slot];
      if (tv === undefined) return bind(f, t.slot, v, k);
      return equals(tv, v) ? k() : false;
    }
    case 'array':
      if (!Array.isArray(v) || v.length !== t.items.length) return false;
      return unifyArrayFrom(c, f, v, t.items, 0, k);
    case 'object':
      if (!(v instanceof RegoObject) || v.size !== t.entries.length) return false;
      return unifyObjectFrom(c, f, v, t.entries, 0, k);
    default:
      return evalTerm(c, f, t, (tv) => (equals(v, tv) ? k() : false));
  }
}

function unifyArrayFrom(c: Ctx, f: Frame, v: Value[], items: CTerm[], i: number, k: K): boolean {
  if (i === items.length) return k();
  return unifyValue(c, f, v[i]!, items[i]!, () => unifyArrayFrom(c, f, v, items, i + 1, k));
}

function unifyObjectFrom(c: Ctx, f: Frame, v: RegoObject, entries: [CTerm, CTerm][], i: number, k: K): boolean {
  if (i === entries.length) return k();
  const [kt, vt] = entries[i]!;
  return evalTerm(c, f, kt, (key) => {
    const x = v.get(key);
    return x === undefined ? false : unifyValue(c, f, x, vt, () => unifyObjectFrom(c, f, v, entries, i + 1, k));
  });
}
