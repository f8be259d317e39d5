// The Rego syntax tree produced by the parser and consumed by the compiler.
// Operators are calls with OPA's built-in names (`a + b` is `plus(a, b)`,
// `x in xs` is `internal.member_2(x, xs)`, `a = b` is `eq`, `a := b` is
// `assign`), exactly as in OPA's AST.

import type { Location } from './errors.js';
import type { Value } from './value.js';

export type Loc = Location;

export type Scalar = null | boolean | number | bigint | string;

export type Term =
  | ScalarTerm
  | VarTerm
  | RefTerm
  | ArrayTerm
  | SetTerm
  | ObjectTerm
  | ComprehensionTerm
  | CallTerm
  | TemplateTerm
  | ValueTerm;

export interface ScalarTerm {
  t: 'scalar';
  v: Scalar;
  loc: Loc;
}

export interface VarTerm {
  t: 'var';
  name: string;
  loc: Loc;
}

/** `head.a[b]...`; dotted path elements are string scalars. */
export interface RefTerm {
  t: 'ref';
  head: Term;
  path: Term[];
  loc: Loc;
}

export interface ArrayTerm {
  t: 'array';
  items: Term[];
  loc: Loc;
}

export interface SetTerm {
  t: 'set';
  items: Term[];
  loc: Loc;
}

export interface ObjectTerm {
  t: 'object';
  entries: [Term, Term][];
  loc: Loc;
}

export interface ComprehensionTerm {
  t: 'arraycompr' | 'setcompr' | 'objectcompr';
  /** The element (array/set) or the key (object). */
  head: Term;
  /** The value of an object comprehension. */
  value?: Term;
  body: Expr[];
  loc: Loc;
}

/** `op(args...)`; `op` is a var or a ref naming a built-in or a function. */
export interface CallTerm {
  t: 'call';
  op: Term;
  args: Term[];
  loc: Loc;
}

/** `$"a {x} b"`: literal string parts and embedded expressions. */
export interface TemplateTerm {
  t: 'template';
  parts: (string | Expr)[];
  loc: Loc;
}

/** An already evaluated value (only produced by the compiler, e.g. for `with` targets). */
export interface ValueTerm {
  t: 'value';
  v: Value;
  loc: Loc;
}

export interface With {
  target: Term;
  value: Term;
  loc: Loc;
}

export type Expr = TermExpr | SomeExpr | SomeInExpr | EveryExpr | BodyExpr | LogicExpr;

interface ExprBase {
  negated: boolean;
  with: With[];
  loc: Loc;
}

/** A term (often a call such as `eq(x, 1)`) used as a body literal. */
export interface TermExpr extends ExprBase {
  kind: 'term';
  term: Term;
}

/** `some x, y`: declares local variables. */
export interface SomeExpr extends ExprBase {
  kind: 'some';
  vars: VarTerm[];
}

/** `some v in xs` / `some k, v in xs`. */
export interface SomeInExpr extends ExprBase {
  kind: 'somein';
  key: Term | null;
  value: Term;
  coll: Term;
}

/** `every v in xs { ... }` / `every k, v in xs { ... }`. */
export interface EveryExpr extends ExprBase {
  kind: 'every';
  key: VarTerm | null;
  value: VarTerm;
  domain: Term;
  body: Expr[];
}

/** `{ ... }` used as an operand of `not`, `and` or `or`: a nested query with its own scope. */
export interface BodyExpr extends ExprBase {
  kind: 'body';
  body: Expr[];
}

/** `a and b`, `a or b`: succeeds at most once and binds nothing outside. */
export interface LogicExpr extends ExprBase {
  kind: 'logic';
  op: 'and' | 'or';
  left: Expr;
  right: Expr;
}

export interface Import {
  /** The imported ref: head var (`data`, `input`, `future`, `rego`) and string path. */
  path: RefTerm;
  alias: string | null;
  loc: Loc;
}

export interface RuleHead {
  /** The head reference: name var first, then path terms (`a.b[c]` → [a, "b", c]). */
  ref: Term[];
  args: Term[] | null;
  /** The value (`:=`/`=` or generated `true`); for multi-value rules, the element. */
  value: Term;
  /** Head was written with `contains`, or in the old `p[x]` set form. */
  multi: boolean;
  assign: boolean;
  loc: Loc;
}

export interface Rule {
  head: RuleHead;
  /** The `# METADATA` block written directly above the rule. */
  annotations?: Annotation;
  body: Expr[];
  isDefault: boolean;
  /** The `else` chain following this rule. */
  else: Rule | null;
  loc: Loc;
  file: string;
}

/** A parsed `# METADATA` block (OPA's annotations); `value` is its JSON form. */
export interface Annotation {
  scope: 'rule' | 'document' | 'package' | 'subpackages';
  value: Value;
}

export interface Module {
  file: string;
  /** Package path without the leading `data`. */
  pkg: string[];
  pkgLoc: Loc;
  /** The `# METADATA` block above the package statement. */
  annotations?: Annotation;
  imports: Import[];
  rules: Rule[];
}
