// The compiled form the evaluator runs: names resolved to frame slots, data
// refs or functions; bodies reordered for safety; rules hung on a tree of
// `data` paths.

import type { Loc } from './ast.js';
import type { BuiltinDef } from './builtins/index.js';
import type { Value } from './value.js';

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

  get isFunction(): boolean {
    return this.arity !== null;
  }

  get hasRules(): boolean {
    return this.placed;
  }

  /** Printable path (`data.a.b`). */
  get name(): string {
    return ['data', ...this.path.map((p) => (typeof p === 'string' ? p : JSON.stringify(p)))].join('.');
  }
}
