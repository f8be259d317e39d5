// The compiled form the evaluator runs: names resolved to frame slots, data
// refs or functions; bodies reordered for safety; rules hung on a tree of
// `data` paths.

import type { Loc } from './ast.js';
import type { BuiltinDef } from './builtins/index.js';
import { formatValue, type Value } from './value.js';

export interface CVar {
  k: 'var';
  slot: number;
  name: string;
  loc: Loc;
}

export type CTerm =
  | { k: 'const'; v: Value }
  | CVar
  /** A ref whose head is a local value (var, composite, call or comprehension). */
  | { k: 'ref'; head: CTerm; path: CTerm[]; loc: Loc }
  | { k: 'data'; path: CTerm[]; loc: Loc }
  | { k: 'input'; path: CTerm[]; loc: Loc }
  | { k: 'array'; items: CTerm[] }
  | { k: 'set'; items: CTerm[] }
  | { k: 'object'; entries: [CTerm, CTerm][] }
  | CCompr
  | { k: 'call'; fn: CFn; args: CTerm[]; loc: Loc }
  | { k: 'template'; parts: (string | CTemplatePart)[]; loc: Loc };

export interface CCompr {
  k: 'compr';
  kind: 'array' | 'set' | 'object';
  head: CTerm;
  value: CTerm | null;
  body: CBody;
  loc: Loc;
}

/** One `{expr}` of a template string. */
export interface CTemplatePart {
  body: CBody;
  term: CTerm;
}

/** A callable: a built-in (by OPA name) or a user function (by its data path). */
export type CFn =
  | { kind: 'builtin'; key: string; def: BuiltinDef | null }
  | { kind: 'func'; key: string; node: RuleNode };

export type CWithTarget =
  | { kind: 'input'; path: Value[] }
  | { kind: 'data'; path: Value[] }
  | { kind: 'fn'; key: string };

export interface CWith {
  target: CWithTarget;
  /** The replacement value, or (for function targets) a replacement function. */
  value: CTerm;
  fn: CFn | null;
  loc: Loc;
}

interface CExprBase {
  neg: boolean;
  withs: CWith[] | null;
  loc: Loc;
}

export type CExpr = CExprBase &
  (
    | { k: 'term'; term: CTerm }
    | { k: 'unify'; a: CTerm; b: CTerm }
    | { k: 'call'; fn: CFn; args: CTerm[]; out: CTerm | null }
    | { k: 'somein'; key: CTerm | null; value: CTerm; coll: CTerm }
    | { k: 'every'; key: CVar | null; value: CVar; domain: CTerm; body: CBody }
    | { k: 'body'; body: CBody }
    | { k: 'logic'; op: 'and' | 'or'; left: CBody; right: CBody }
  );

export interface CBody {
  exprs: CExpr[];
  /** Scope id: the slots declared by this body belong to it. */
  scope: number;
}

export type RuleKind = 'complete' | 'multi' | 'function';

export interface CRule {
  kind: RuleKind;
  /** Head ref terms after the node's ground path (object keys the rule defines). */
  suffix: CTerm[];
  /** Frame slots that receive the call arguments (functions only). */
  argSlots: number[];
  value: CTerm;
  /** The head value is a constant: one solution of the body suffices. */
  constValue: boolean;
  body: CBody;
  nslots: number;
  isDefault: boolean;
  else: CRule | null;
  loc: Loc;
  /** Printable path, e.g. `data.pkg.p`. */
  name: string;
}

/** A node of the `data` tree that has rules at or below it. */
export class RuleNode {
  readonly children = new Map<string, RuleNode>();
  /** Non-default rules defined exactly at this node, in source order. */
  readonly rules: CRule[] = [];
  defaultRule: CRule | null = null;
  /** Number of parameters when the rules here are functions, else null. */
  arity: number | null = null;

  constructor(
    readonly path: Value[],
    readonly key: Value,
  ) {}

  /** Set while the compiler places rules, before any is compiled. */
  placed = false;

  /** The value depends only on base data (set by markStable after compiling). */
  stable = false;

  get isFunction(): boolean {
    return this.arity !== null;
  }

  get hasRules(): boolean {
    return this.placed;
  }

  /** Printable path (`data.a.b`). */
  get name(): string {
    return ['data', ...this.path.map((p) => (typeof p === 'string' ? p : formatValue(p)))].join('.');
  }
}

// ---------------------------------------------------------------- visitors

/** Visits every term and expression in a body, including nested bodies. */
export function walkBody(b: CBody, onTerm: (t: CTerm) => void, onExpr: (e: CExpr) => void): void {
  for (const e of b.exprs) walkExpr(e, onTerm, onExpr);
}

export function walkExpr(e: CExpr, onTerm: (t: CTerm) => void, onExpr: (e: CExpr) => void): void {
  onExpr(e);
  for (const w of e.withs ?? []) walkTerm(w.value, onTerm, onExpr);
  switch (e.k) {
    case 'term':
      return walkTerm(e.term, onTerm, onExpr);
    case 'unify':
      walkTerm(e.a, onTerm, onExpr);
      return walkTerm(e.b, onTerm, onExpr);
    case 'call':
      e.args.forEach((a) => walkTerm(a, onTerm, onExpr));
      if (e.out) walkTerm(e.out, onTerm, onExpr);
      return;
    case 'somein':
      if (e.key) walkTerm(e.key, onTerm, onExpr);
      walkTerm(e.value, onTerm, onExpr);
      return walkTerm(e.coll, onTerm, onExpr);
    case 'every':
      walkTerm(e.domain, onTerm, onExpr);
      return walkBody(e.body, onTerm, onExpr);
    case 'body':
      return walkBody(e.body, onTerm, onExpr);
    case 'logic':
      walkBody(e.left, onTerm, onExpr);
      return walkBody(e.right, onTerm, onExpr);
  }
}

/** The terms directly inside a term, not counting closure bodies (comprehension heads included). */
export function subTerms(t: CTerm): CTerm[] {
  switch (t.k) {
    case 'ref':
      return [t.head, ...t.path];
    case 'data':
    case 'input':
      return t.path;
    case 'array':
    case 'set':
      return t.items;
    case 'object':
      return t.entries.flat();
    case 'call':
      return t.args;
    case 'compr':
      return t.value ? [t.head, t.value] : [t.head];
    default:
      return [];
  }
}

/** The bodies of a term's closures (comprehension body, template-string parts). */
export function closureBodies(t: CTerm): CBody[] {
  if (t.k === 'compr') return [t.body];
  if (t.k === 'template') return t.parts.filter((p): p is CTemplatePart => typeof p !== 'string').map((p) => p.body);
  return [];
}

export function walkTerm(t: CTerm, onTerm: (t: CTerm) => void, onExpr: (e: CExpr) => void): void {
  onTerm(t);
  for (const x of subTerms(t)) walkTerm(x, onTerm, onExpr);
  for (const b of closureBodies(t)) walkBody(b, onTerm, onExpr);
}
