// Safety: orders each body so that left-to-right evaluation never meets an
// unbound variable in an input position, and rejects bodies where that is
// impossible (rego_unsafe_var_error). This is OPA's reorderBodyForSafety: in
// repeated passes, an expression is appended as soon as all its variables are
// safe, where an expression's outputs (refs it iterates, the bound side of a
// unification, a call's output operand, `some ... in` patterns) count as safe
// for itself. Closures (comprehensions, nested bodies) must find every
// variable they share with the enclosing body bound before them.

import type { Loc } from './ast.js';
import { RegoError } from './errors.js';
import type { CBody, CExpr, CTerm } from './ir.js';

export function unsafeError(name: string, loc: Loc): RegoError {
  return RegoError.at('rego_unsafe_var_error', `var ${name} is unsafe`, loc);
}

/**
 * Adds the slots of variables in `t` to `out`. `deep`: also inside closures
 * (comprehension and template bodies).
 */
export function termSlots(t: CTerm, out: Set<number>, deep: boolean): void {
  switch (t.k) {
    case 'var':
      out.add(t.slot);
      return;
    case 'ref':
      termSlots(t.head, out, deep);
      for (const p of t.path) termSlots(p, out, deep);
      return;
    case 'data':
    case 'input':
      for (const p of t.path) termSlots(p, out, deep);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) termSlots(x, out, deep);
      return;
    case 'object':
      for (const [k, v] of t.entries) {
        termSlots(k, out, deep);
        termSlots(v, out, deep);
      }
      return;
    case 'call':
      for (const a of t.args) termSlots(a, out, deep);
      return;
    case 'compr':
      if (!deep) return;
      termSlots(t.head, out, true);
      if (t.value) termSlots(t.value, out, true);
      bodySlots(t.body, out);
      return;
    case 'template':
      if (!deep) return;
      for (const p of t.parts) if (typeof p !== 'string') bodySlots(p.body, out);
      return;
    default:
      return;
  }
}

function bodySlots(b: CBody, out: Set<number>): void {
  for (const e of b.exprs) exprSlots(e, out);
}

/** Every variable slot an expression mentions, closures included. */
function exprSlots(e: CExpr, out: Set<number>): void {
  for (const w of e.withs ?? []) termSlots(w.value, out, true);
  switch (e.k) {
    case 'term':
      return termSlots(e.term, out, true);
    case 'unify':
      termSlots(e.a, out, true);
      return termSlots(e.b, out, true);
    case 'call':
      for (const a of e.args) termSlots(a, out, true);
      if (e.out) termSlots(e.out, out, true);
      return;
    case 'somein':
      if (e.key) termSlots(e.key, out, true);
      termSlots(e.value, out, true);
      return termSlots(e.coll, out, true);
    case 'every':
      termSlots(e.domain, out, true);
      return bodySlots(e.body, out);
    case 'body':
      return bodySlots(e.body, out);
    case 'logic':
      bodySlots(e.left, out);
      return bodySlots(e.right, out);
  }
}

function shallow(t: CTerm): Set<number> {
  const s = new Set<number>();
  termSlots(t, s, false);
  return s;
}

function allIn(slots: Iterable<number>, safe: (s: number) => boolean): boolean {
  for (const s of slots) if (!safe(s)) return false;
  return true;
}

/** Variables that refs in `t` bind by iteration (refs whose head is safe). */
export function refOutputs(t: CTerm, safe: Set<number>, out: Set<number>): void {
  switch (t.k) {
    case 'data':
    case 'input':
      for (const p of t.path) termSlots(p, out, false);
      return;
    case 'ref':
      refOutputs(t.head, safe, out);
      if (allIn(shallow(t.head), (s) => safe.has(s))) for (const p of t.path) termSlots(p, out, false);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) refOutputs(x, safe, out);
      return;
    case 'object':
      for (const [k, v] of t.entries) {
        refOutputs(k, safe, out);
        refOutputs(v, safe, out);
      }
      return;
    case 'call':
      for (const a of t.args) refOutputs(a, safe, out);
      return;
    default:
      return;
  }
}

/** OPA's unifier: the variables that `a = b` binds given the safe ones. */
function unifyOutputs(safe: Set<number>, a: CTerm, b: CTerm): Set<number> {
  const unified = new Set<number>();
  const unknown = new Map<number, Set<number>>();
  const isSafe = (x: number): boolean => safe.has(x) || unified.has(x);
  const markSafe = (x: number): void => {
    if (unified.has(x)) return;
    unified.add(x);
    const deps = unknown.get(x);
    unknown.delete(x);
    for (const d of deps ?? []) markSafe(d);
    for (const [v, ds] of unknown) {
      if (ds.delete(x) && ds.size === 0) markSafe(v);
    }
  };
  const markUnknown = (x: number, y: number): void => {
    let s = unknown.get(x);
    if (!s) unknown.set(x, (s = new Set()));
    s.add(y);
  };
  const markAllSafe = (t: CTerm): void => {
    for (const s of shallow(t)) markSafe(s);
  };
  const ground = (t: CTerm): boolean => allIn(shallow(t), isSafe);
  const evaluable = (t: CTerm): boolean => {
    switch (t.k) {
      case 'data':
      case 'input':
      case 'compr':
      case 'template':
      case 'const':
      case 'set':
        return true;
      case 'ref':
        return ground(t.head);
      case 'call':
        return t.args.every(ground);
      default:
        return false;
    }
  };
  const unifyAll = (x: number, t: CTerm): void => {
    if (isSafe(x)) return markAllSafe(t);
    const unsafe = [...shallow(t)].filter((s) => !isSafe(s));
    if (unsafe.length === 0) return markSafe(x);
    for (const s of unsafe) markUnknown(x, s);
  };
  const unify = (x: CTerm, y: CTerm): void => {
    if (x.k === 'var') {
      if (y.k === 'var') {
        if (isSafe(y.slot)) markSafe(x.slot);
        else if (isSafe(x.slot)) markSafe(y.slot);
        else {
          markUnknown(x.slot, y.slot);
          markUnknown(y.slot, x.slot);
        }
      } else if (y.k === 'array' || y.k === 'object') unifyAll(x.slot, y);
      else if (evaluable(y)) markSafe(x.slot);
      return;
    }
    if (y.k === 'var') return unify(y, x);
    if (x.k === 'array' && y.k === 'array') {
      if (x.items.length === y.items.length) x.items.forEach((xi, i) => unify(xi, y.items[i]!));
      return;
    }
    if (x.k === 'object' && y.k === 'object') {
      const sameKey = (p: CTerm, q: CTerm): boolean =>
        (p.k === 'const' && q.k === 'const' && p.v === q.v) || (p.k === 'var' && q.k === 'var' && p.slot === q.slot);
      for (const [xk, xv] of x.entries) {
        const match = y.entries.find(([yk]) => sameKey(xk, yk));
        if (match) unify(xv, match[1]);
      }
      return;
    }
    if ((x.k === 'array' || x.k === 'object') && evaluable(y)) return markAllSafe(x);
    if ((y.k === 'array' || y.k === 'object') && evaluable(x)) return markAllSafe(y);
  };
  unify(a, b);
  return unified;
}

/** The variables an expression binds, given the safe ones. */
function outputs(e: CExpr, safe: Set<number>): Set<number> {
  const out = new Set<number>();
  if (e.neg) return out;
  for (const w of e.withs ?? []) if (!allIn(shallow(w.value), (s) => safe.has(s))) return out;
  switch (e.k) {
    case 'term':
      refOutputs(e.term, safe, out);
      return out;
    case 'unify': {
      refOutputs(e.a, safe, out);
      refOutputs(e.b, safe, out);
      const s2 = new Set([...safe, ...out]);
      for (const s of unifyOutputs(s2, e.a, e.b)) out.add(s);
      return out;
    }
    case 'call': {
      for (const a of e.args) refOutputs(a, safe, out);
      if (e.out) refOutputs(e.out, safe, out);
      const known = (s: number): boolean => safe.has(s) || out.has(s);
      if (e.out && e.args.every((a) => allIn(shallow(a), known))) termSlots(e.out, out, false);
      return out;
    }
    case 'somein': {
      refOutputs(e.coll, safe, out);
      const known = (s: number): boolean => safe.has(s) || out.has(s);
      if (allIn(shallow(e.coll), known)) {
        if (e.key) termSlots(e.key, out, false);
        termSlots(e.value, out, false);
      }
      return out;
    }
    case 'every':
      refOutputs(e.domain, safe, out);
      return out;
    default:
      return out;
  }
}

/**
 * Orders `body` in place for safety and orders its nested bodies. `safeIn`:
 * slots bound on entry. `slotScope`: the scope id of each slot. Returns the
 * slots bound after the body. Throws rego_unsafe_var_error.
 */
export function orderBody(body: CBody, safeIn: Set<number>, slotScope: number[]): Set<number> {
  const exprs = body.exprs;
  const mine = (s: number): boolean => slotScope[s] === body.scope;
  const needs = exprs.map((e) => {
    const all = new Set<number>();
    exprSlots(e, all);
    const n = new Set<number>();
    for (const s of all) if (mine(s) && !safeIn.has(s)) n.add(s);
    return n;
  });
  // A variable that only a negated expression mentions is local to it (OPA
  // rejects it; accepting it is harmless, e.g. `not p[_]`).
  exprs.forEach((e, i) => {
    if (!e.neg) return;
    for (const s of needs[i]!) {
      if (!needs.some((n, j) => j !== i && n.has(s))) needs[i]!.delete(s);
    }
  });
  const safe = new Set(safeIn);
  const ordered: CExpr[] = [];
  const done = exprs.map(() => false);
  for (;;) {
    const before = ordered.length;
    exprs.forEach((e, i) => {
      if (done[i]) return;
      for (const s of outputs(e, safe)) safe.add(s);
      for (const s of needs[i]!) if (safe.has(s)) needs[i]!.delete(s);
      if (needs[i]!.size === 0) {
        done[i] = true;
        ordered.push(e);
      }
    });
    if (ordered.length === before) break;
  }
  if (ordered.length < exprs.length) {
    const i = done.indexOf(false);
    const slot = [...needs[i]!][0]!;
    throw unsafeError(varName(exprs[i]!, slot), exprs[i]!.loc);
  }
  body.exprs = ordered;
  const closureSafe = new Set(safeIn);
  ordered.forEach((e, i) => {
    if (i > 0) exprSlots(ordered[i - 1]!, closureSafe);
    orderNested(e, closureSafe, slotScope);
  });
  return safe;
}

/** The source name of a slot, as written in the expression. */
function varName(e: CExpr, slot: number): string {
  let name = '_';
  const visit = (t: CTerm): void => {
    if (t.k === 'var' && t.slot === slot) name = t.name;
  };
  const all: CTerm[] = [];
  collectTerms(e, all);
  for (const t of all) walkShallow(t, visit);
  return name;
}

function collectTerms(e: CExpr, out: CTerm[]): void {
  switch (e.k) {
    case 'term':
      out.push(e.term);
      return;
    case 'unify':
      out.push(e.a, e.b);
      return;
    case 'call':
      out.push(...e.args);
      if (e.out) out.push(e.out);
      return;
    case 'somein':
      if (e.key) out.push(e.key);
      out.push(e.value, e.coll);
      return;
    case 'every':
      out.push(e.domain);
      for (const x of e.body.exprs) collectTerms(x, out);
      return;
    case 'body':
      for (const x of e.body.exprs) collectTerms(x, out);
      return;
    case 'logic':
      for (const x of [...e.left.exprs, ...e.right.exprs]) collectTerms(x, out);
      return;
  }
}

function walkShallow(t: CTerm, f: (t: CTerm) => void): void {
  f(t);
  switch (t.k) {
    case 'ref':
      walkShallow(t.head, f);
      t.path.forEach((p) => walkShallow(p, f));
      return;
    case 'data':
    case 'input':
      t.path.forEach((p) => walkShallow(p, f));
      return;
    case 'array':
    case 'set':
      t.items.forEach((x) => walkShallow(x, f));
      return;
    case 'object':
      t.entries.forEach(([k, v]) => {
        walkShallow(k, f);
        walkShallow(v, f);
      });
      return;
    case 'call':
      t.args.forEach((a) => walkShallow(a, f));
      return;
    case 'compr':
      walkShallow(t.head, f);
      if (t.value) walkShallow(t.value, f);
      t.body.exprs.forEach((e) => {
        const ts: CTerm[] = [];
        collectTerms(e, ts);
        ts.forEach((x) => walkShallow(x, f));
      });
      return;
    default:
      return;
  }
}

function orderNested(e: CExpr, safe: Set<number>, slotScope: number[]): void {
  for (const w of e.withs ?? []) orderTermClosures(w.value, safe, slotScope);
  switch (e.k) {
    case 'term':
      return orderTermClosures(e.term, safe, slotScope);
    case 'unify':
      orderTermClosures(e.a, safe, slotScope);
      return orderTermClosures(e.b, safe, slotScope);
    case 'call':
      for (const a of e.args) orderTermClosures(a, safe, slotScope);
      if (e.out) orderTermClosures(e.out, safe, slotScope);
      return;
    case 'somein':
      return orderTermClosures(e.coll, safe, slotScope);
    case 'every': {
      orderTermClosures(e.domain, safe, slotScope);
      const inner = new Set(safe);
      if (e.key) inner.add(e.key.slot);
      inner.add(e.value.slot);
      orderBody(e.body, inner, slotScope);
      return;
    }
    case 'body':
      orderBody(e.body, safe, slotScope);
      return;
    case 'logic':
      orderBody(e.left, safe, slotScope);
      orderBody(e.right, safe, slotScope);
      return;
  }
}

/** Orders the bodies of closures inside a term and checks their heads. */
export function orderTermClosures(t: CTerm, safe: Set<number>, slotScope: number[]): void {
  switch (t.k) {
    case 'ref':
      orderTermClosures(t.head, safe, slotScope);
      t.path.forEach((p) => orderTermClosures(p, safe, slotScope));
      return;
    case 'data':
    case 'input':
      t.path.forEach((p) => orderTermClosures(p, safe, slotScope));
      return;
    case 'array':
    case 'set':
      t.items.forEach((x) => orderTermClosures(x, safe, slotScope));
      return;
    case 'object':
      t.entries.forEach(([k, v]) => {
        orderTermClosures(k, safe, slotScope);
        orderTermClosures(v, safe, slotScope);
      });
      return;
    case 'call':
      t.args.forEach((a) => orderTermClosures(a, safe, slotScope));
      return;
    case 'compr': {
      const after = orderBody(t.body, safe, slotScope);
      const heads = t.value ? [t.head, t.value] : [t.head];
      for (const h of heads) {
        const out = new Set<number>();
        refOutputs(h, after, out);
        const vars = new Set<number>();
        termSlots(h, vars, false);
        for (const s of vars) {
          if (!after.has(s) && !out.has(s)) throw unsafeError(nameIn(h, s), t.loc);
        }
        orderTermClosures(h, after, slotScope);
      }
      return;
    }
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') orderBody(p.body, safe, slotScope);
      return;
    default:
      return;
  }
}

function nameIn(t: CTerm, slot: number): string {
  let name = '_';
  walkShallow(t, (x) => {
    if (x.k === 'var' && x.slot === slot) name = x.name;
  });
  return name;
}
