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
import { closureBodies, subTerms, walkBody, walkExpr, walkTerm, type CBody, type CExpr, type CTerm } from './ir.js';

function noExpr(): void {}

export function unsafeError(name: string, loc: Loc): RegoError {
  return RegoError.at('rego_unsafe_var_error', `var ${name} is unsafe`, loc);
}

/**
 * Adds the slots of variables in `t` to `out`. `deep`: also inside closures
 * (comprehension and template bodies).
 */
export function termSlots(t: CTerm, out: Set<number>, deep: boolean): void {
  if (t.k === 'var') {
    out.add(t.slot);
    return;
  }
  if (t.k === 'compr' || t.k === 'template') {
    if (!deep) return;
    for (const b of closureBodies(t)) bodySlots(b, out);
  }
  for (const x of subTerms(t)) termSlots(x, out, deep);
}

function bodySlots(b: CBody, out: Set<number>): void {
  walkBody(b, (t) => t.k === 'var' && out.add(t.slot), noExpr);
}

/** Every variable slot an expression mentions, closures included. */
function exprSlots(e: CExpr, out: Set<number>): void {
  walkExpr(e, (t) => t.k === 'var' && out.add(t.slot), noExpr);
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
    case 'compr':
    case 'template':
      return;
    default:
      for (const x of subTerms(t)) refOutputs(x, safe, out);
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
    const e = exprs[i]!;
    // Blame a variable that stays unbound even if the others were bound (`y := x` → x).
    const unsafe = [...needs[i]!];
    const roots = unsafe.filter((v) => !outputs(e, new Set([...safe, ...unsafe.filter((u) => u !== v)])).has(v));
    const rhs = new Set<number>();
    if (e.k === 'unify') termSlots(e.b, rhs, true);
    const root = roots.find((v) => rhs.has(v)) ?? roots[0] ?? unsafe.find((v) => rhs.has(v)) ?? unsafe[0]!;
    const at = firstVar(root, (visit) => walkExpr(e, visit, noExpr));
    throw unsafeError(at?.name ?? '_', at?.loc ?? e.loc);
  }
  body.exprs = ordered;
  const closureSafe = new Set(safeIn);
  ordered.forEach((e, i) => {
    if (i > 0) exprSlots(ordered[i - 1]!, closureSafe);
    orderNested(e, closureSafe, slotScope);
  });
  return safe;
}

/** The first occurrence of a slot among the terms `walk` visits (its name and location). */
export function firstVar(slot: number, walk: (onTerm: (t: CTerm) => void) => void): { name: string; loc: Loc } | undefined {
  let found: { name: string; loc: Loc } | undefined;
  walk((t) => {
    if (!found && t.k === 'var' && t.slot === slot) found = { name: t.name, loc: t.loc };
  });
  return found;
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
  if (t.k === 'template') {
    for (const b of closureBodies(t)) orderBody(b, safe, slotScope);
    return;
  }
  if (t.k !== 'compr') {
    for (const x of subTerms(t)) orderTermClosures(x, safe, slotScope);
    return;
  }
  const after = orderBody(t.body, safe, slotScope);
  for (const h of subTerms(t)) {
    const out = new Set<number>();
    refOutputs(h, after, out);
    const vars = new Set<number>();
    termSlots(h, vars, false);
    for (const s of vars) {
      if (after.has(s) || out.has(s)) continue;
      const at = firstVar(s, (visit) => walkTerm(h, visit, noExpr))!;
      throw unsafeError(at.name, at.loc);
    }
    orderTermClosures(h, after, slotScope);
  }
}
