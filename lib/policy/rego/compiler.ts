// Compiles parsed modules into the evaluator's form: resolves every name (local
// variable slot, rule/import reference, built-in or user function), builds the
// tree of rules under `data`, orders bodies for safety (safety.ts), and
// rejects programs OPA rejects: unknown functions, arity mismatches,
// conflicting rule kinds, recursion.
//
// Name resolution follows OPA: within a body a name is, in order, a variable
// declared in scope (`:=`, `some`, function arguments, `every`) before this
// point, a rule of the package or an import, a variable of an enclosing body,
// or a new local. Declarations take effect where they are written.

import { markStable } from './stable.js';
import type { Annotation, Expr, Import, Loc, Module, Rule, Term, VarTerm, With } from './ast.js';
import { chainEntry } from './annotations.js';
import { BUILTINS, UNSUPPORTED_BUILTINS, type BuiltinDef } from './builtins/index.js';
import { RegoError } from './errors.js';
import type { CBody, CExpr, CFn, CRule, CTemplatePart, CTerm, CVar, CWith, CWithTarget } from './ir.js';
import { RuleNode, walkBody, walkTerm } from './ir.js';
import { firstVar, orderBody, orderTermClosures, refOutputs, termSlots, unsafeError } from './safety.js';
import { RegoObject, RegoSet, keyOf, type Value } from './value.js';

/** Functions the engine implements itself (no fixed arity where null). */
const ENGINE_FUNCTIONS: ReadonlyMap<string, number | null> = new Map([['print', null]]);

export interface Program {
  root: RuleNode;
  /** Package paths (without `data`), in module order, deduplicated. */
  packages: string[][];
  rules: { path: string[]; name: string; file: string; row: number }[];
  builtins: ReadonlyMap<string, BuiltinDef>;
}

export interface CompiledQuery {
  body: CBody;
  nslots: number;
  /** Named query variables, in order of first appearance. */
  vars: { name: string; slot: number }[];
}

type Global = { root: 'data' | 'input'; path: Value[] };

interface Scope {
  id: number;
  parent: Scope | null;
  /** Variables declared here (`:=`, `some`, arguments, `every`). */
  declared: Map<string, number>;
  /** Undeclared (unification) variables first seen in this body. */
  locals: Map<string, number>;
}

const compileError = (code: string, msg: string, loc: Loc): RegoError => RegoError.at(code, msg, loc);

/** Slot allocation for one rule body (or query) and its nested bodies. */
class Frame {
  nslots = 0;
  readonly slotScope: number[] = [];
  readonly names: string[] = [];
  private nextScope = 0;

  newScope(parent: Scope | null): Scope {
    return { id: this.nextScope++, parent, declared: new Map(), locals: new Map() };
  }

  alloc(name: string, scope: Scope): number {
    const slot = this.nslots++;
    this.slotScope[slot] = scope.id;
    this.names[slot] = name;
    return slot;
  }
}

/** What rego.metadata.rule() and rego.metadata.chain() return for the rule being compiled. */
interface RuleMetadata {
  rule: Value;
  chain: Value;
}

const METADATA_FUNCTIONS = new Set(['rego.metadata.rule', 'rego.metadata.chain']);

/** Functions the engine implements itself rather than the built-in registry. */
export const ENGINE_FUNCTION_NAMES: readonly string[] = [...ENGINE_FUNCTIONS.keys(), ...METADATA_FUNCTIONS];

/** Compiles one body/term tree against one frame. */
class BodyCompiler {
  constructor(
    private readonly c: Compiler,
    readonly frame: Frame,
    private readonly globals: ReadonlyMap<string, Global>,
    private readonly meta: () => RuleMetadata = () => ({ rule: new RegoObject(), chain: [] }),
  ) {}

  /** rego.metadata.rule() / chain(): constants of the rule being compiled; null for other calls. */
  private metadataCall(t: Term & { t: 'call' }): CTerm | null {
    const name = refName(t.op);
    if (name === null || !METADATA_FUNCTIONS.has(name) || this.globals.has('rego')) return null;
    if (t.args.length !== 0) throw arityError({ kind: 'builtin', key: name, def: null }, 0, t.args.length, t.loc);
    const m = this.meta();
    return { k: 'const', v: name === 'rego.metadata.rule' ? m.rule : m.chain };
  }

  // ------------------------------------------------------------ scopes

  declare(scope: Scope, v: VarTerm): number {
    if (isWildcard(v.name)) return this.frame.alloc('_', scope);
    if (v.name === 'input' || v.name === 'data') {
      throw compileError('rego_compile_error', `variables must not shadow ${v.name} (use a different variable name)`, v.loc);
    }
    if (scope.declared.has(v.name)) throw compileError('rego_compile_error', `var ${v.name} assigned above`, v.loc);
    if (scope.locals.has(v.name)) throw compileError('rego_compile_error', `var ${v.name} referenced above`, v.loc);
    const slot = this.frame.alloc(v.name, scope);
    scope.declared.set(v.name, slot);
    return slot;
  }

  /**
   * Gives every undeclared name used at the top level of `exprs` (and in
   * `extra`) a slot in this scope, unless an enclosing scope or a global
   * already provides it. Declarations (`:=`, `some`) take effect where they
   * are written, like OPA's local variable rewriting.
   */
  prepare(scope: Scope, exprs: Expr[], extra: Term[] = []): void {
    const used: string[] = [];
    const declared = new Set<string>();
    for (const e of exprs) collectExprVars(e, used, declared);
    for (const t of extra) collectTermVars(t, used);
    for (const name of used) {
      if (isWildcard(name) || name === 'input' || name === 'data' || declared.has(name)) continue;
      if (this.lookupDeclared(scope, name) !== undefined || this.globals.has(name)) continue;
      if (this.lookupLocal(scope, name) !== undefined) continue;
      scope.locals.set(name, this.frame.alloc(name, scope));
    }
  }

  /** Declares the variables of a declaration pattern (`[a, _] := ...`, `some k, v in ...`). */
  private declarePattern(scope: Scope, t: Term): void {
    const vars: VarTerm[] = [];
    collectPatternVars(t, vars);
    for (const v of vars) if (!isWildcard(v.name)) this.declare(scope, v);
  }

  private lookupDeclared(scope: Scope | null, name: string): number | undefined {
    for (let s = scope; s; s = s.parent) {
      const slot = s.declared.get(name);
      if (slot !== undefined) return slot;
    }
    return undefined;
  }

  private lookupLocal(scope: Scope | null, name: string): number | undefined {
    for (let s = scope; s; s = s.parent) {
      const slot = s.locals.get(name);
      if (slot !== undefined) return slot;
    }
    return undefined;
  }

  /** A name as a term: local slot, `data`/`input` ref, or global. */
  resolveVar(v: VarTerm, scope: Scope): CTerm {
    if (isWildcard(v.name)) return { k: 'var', slot: this.frame.alloc('_', scope), name: '_', loc: v.loc };
    if (v.name === 'input') return { k: 'input', path: [], loc: v.loc };
    if (v.name === 'data') return { k: 'data', path: [], loc: v.loc };
    let slot = this.lookupDeclared(scope, v.name);
    if (slot === undefined) {
      const g = this.globals.get(v.name);
      if (g) return { k: g.root, path: g.path.map((p) => ({ k: 'const', v: p })), loc: v.loc };
      slot = this.lookupLocal(scope, v.name);
      if (slot === undefined) {
        slot = this.frame.alloc(v.name, scope);
        scope.locals.set(v.name, slot);
      }
    }
    return { k: 'var', slot, name: v.name, loc: v.loc };
  }

  // ------------------------------------------------------------ bodies

  /** Compiles a nested body in a new scope (names prepared first). */
  body(exprs: Expr[], parent: Scope | null, extra: Term[] = [], scope = this.frame.newScope(parent)): CBody {
    this.prepare(scope, exprs, extra);
    const out: CExpr[] = [];
    for (const e of exprs) {
      const ce = this.expr(e, scope);
      if (ce) out.push(ce);
    }
    return { exprs: out, scope: scope.id };
  }

  private expr(e: Expr, scope: Scope): CExpr | null {
    const withs = e.with.length ? e.with.map((w) => this.with(w, scope)) : null;
    const base = { neg: e.negated, withs, loc: e.loc };
    switch (e.kind) {
      case 'some':
        for (const v of e.vars) if (!isWildcard(v.name)) this.declare(scope, v);
        return null;
      case 'somein': {
        const coll = this.term(e.coll, scope);
        if (e.key) this.declarePattern(scope, e.key);
        this.declarePattern(scope, e.value);
        const key = e.key ? this.term(e.key, scope) : null;
        return { ...base, k: 'somein', key, value: this.term(e.value, scope), coll };
      }
      case 'every': {
        const domain = this.term(e.domain, scope);
        const inner = this.frame.newScope(scope);
        const key = e.key ? (this.var(this.declare(inner, e.key), e.key) as CVar) : null;
        const value = this.var(this.declare(inner, e.value), e.value) as CVar;
        const body = this.body(e.body, scope, [], inner);
        return { ...base, k: 'every', key, value, domain, body };
      }
      case 'body':
        return { ...base, k: 'body', body: this.body(e.body, scope) };
      case 'logic':
        return { ...base, k: 'logic', op: e.op, left: this.operand(e.left, scope), right: this.operand(e.right, scope) };
      case 'term':
        return this.termExpr(e.term, scope, base);
    }
  }

  private operand(e: Expr, scope: Scope): CBody {
    if (e.kind === 'body' && !e.negated && e.with.length === 0) return this.body(e.body, scope);
    return this.body([e], scope);
  }

  private termExpr(t: Term, scope: Scope, base: { neg: boolean; withs: CWith[] | null; loc: Loc }): CExpr {
    if (t.t === 'call' && t.op.t === 'var' && t.op.name === 'assign' && t.args.length === 2) {
      checkAssignTarget(t.args[0]!);
      const b = this.term(t.args[1]!, scope);
      this.declarePattern(scope, t.args[0]!);
      return { ...base, k: 'unify', a: this.term(t.args[0]!, scope), b };
    }
    if (t.t === 'call' && t.op.t === 'var' && t.op.name === 'eq' && t.args.length === 2) {
      return { ...base, k: 'unify', a: this.term(t.args[0]!, scope), b: this.term(t.args[1]!, scope) };
    }
    if (t.t === 'call' && this.metadataCall(t)) return { ...base, k: 'term', term: this.term(t, scope) };
    if (t.t === 'call') {
      const fn = this.fn(t.op, scope, t.loc);
      const arity = this.c.arity(fn);
      const args = t.args.map((a) => this.term(a, scope));
      if (arity !== null && args.length !== arity && args.length !== arity + 1) throw arityError(fn, arity, args.length, t.loc);
      const out = arity !== null && args.length === arity + 1 ? args.pop()! : null;
      return { ...base, k: 'call', fn, args, out };
    }
    return { ...base, k: 'term', term: this.term(t, scope) };
  }

  private with(w: With, scope: Scope): CWith {
    const target = this.withTarget(w.target, scope);
    let fn: CFn | null = null;
    if (target.kind === 'fn' && (w.value.t === 'var' || w.value.t === 'ref')) fn = this.tryFn(w.value, scope);
    const value: CTerm = fn ? { k: 'const', v: null } : this.term(w.value, scope);
    return { target, value, fn, loc: w.loc };
  }

  private withTarget(t: Term, scope: Scope): CWithTarget {
    const bad = (): never => {
      throw compileError('rego_compile_error', `with keyword target must reference existing input, data, or a function`, t.loc);
    };
    const headVar = t.t === 'var' ? t : t.t === 'ref' && t.head.t === 'var' ? t.head : null;
    if (!headVar) return bad();
    const head = headVar.name;
    const isGlobal = this.globals.has(head) && this.lookupDeclared(scope, head) === undefined;
    if (head !== 'input' && head !== 'data' && !isGlobal) {
      const name = refName(t);
      if (name !== null && (this.c.builtin(name) || ENGINE_FUNCTIONS.has(name))) return { kind: 'fn', key: name };
      return bad();
    }
    const ct = this.term(t, scope);
    if (ct.k !== 'input' && ct.k !== 'data') return bad();
    const path = ct.path.map((p) => (p.k === 'const' ? p.v : bad()));
    if (ct.k === 'data') {
      const node = this.c.nodeAt(path);
      if (node && node.isFunction) return { kind: 'fn', key: node.name };
    }
    return { kind: ct.k, path };
  }

  // ------------------------------------------------------------ terms

  var(slot: number, v: VarTerm): CTerm {
    return { k: 'var', slot, name: v.name, loc: v.loc };
  }

  term(t: Term, scope: Scope): CTerm {
    switch (t.t) {
      case 'scalar':
        return { k: 'const', v: t.v };
      case 'value':
        return { k: 'const', v: t.v };
      case 'var':
        return this.resolveVar(t, scope);
      case 'ref': {
        const head = t.head.t === 'var' ? this.resolveVar(t.head, scope) : this.term(t.head, scope);
        const path = t.path.map((p) => this.term(p, scope));
        if (head.k === 'data' || head.k === 'input') return { k: head.k, path: [...head.path, ...path], loc: t.loc };
        if (head.k === 'const' && isScalarValue(head.v)) {
          throw compileError('rego_type_error', `illegal ref (head cannot be ${typeof head.v})`, t.loc);
        }
        return { k: 'ref', head, path, loc: t.loc };
      }
      case 'array':
        return foldArray(t.items.map((x) => this.term(x, scope)));
      case 'set':
        return foldSet(t.items.map((x) => this.term(x, scope)));
      case 'object':
        return foldObject(t.entries.map(([k, v]) => [this.term(k, scope), this.term(v, scope)]));
      case 'arraycompr':
      case 'setcompr':
      case 'objectcompr': {
        const inner = this.frame.newScope(scope);
        const extra = t.value ? [t.head, t.value] : [t.head];
        const body = this.body(t.body, scope, extra, inner);
        const head = this.term(t.head, inner);
        const value = t.value ? this.term(t.value, inner) : null;
        const kind = t.t === 'arraycompr' ? 'array' : t.t === 'setcompr' ? 'set' : 'object';
        return { k: 'compr', kind, head, value, body, loc: t.loc };
      }
      case 'call': {
        const meta = this.metadataCall(t);
        if (meta) return meta;
        const fn = this.fn(t.op, scope, t.loc);
        const arity = this.c.arity(fn);
        if (arity !== null && t.args.length !== arity) throw arityError(fn, arity, t.args.length, t.loc);
        return { k: 'call', fn, args: t.args.map((a) => this.term(a, scope)), loc: t.loc };
      }
      case 'template': {
        const parts: (string | CTemplatePart)[] = t.parts.map((p) => {
          if (typeof p === 'string') return p;
          if (p.kind !== 'term') throw compileError('rego_parse_error', 'invalid template-string expression', p.loc);
          const body = this.body([p], scope);
          const e = body.exprs[0]!;
          return { body, term: exprValueTerm(e) };
        });
        return { k: 'template', parts, loc: t.loc };
      }
    }
  }

  /** Resolves a call operator. */
  fn(op: Term, scope: Scope, loc: Loc): CFn {
    const fn = this.tryFn(op, scope);
    if (fn) return fn;
    const name = refName(op) ?? '<call>';
    const reason = UNSUPPORTED_BUILTINS.get(name);
    if (reason) throw compileError('rego_type_error', `unsupported built-in function ${name}: ${reason}`, loc);
    throw compileError('rego_type_error', `undefined function ${name}`, loc);
  }

  tryFn(op: Term, scope: Scope): CFn | null {
    const name = refName(op);
    if (name === null) return null;
    const head = name.split('.')[0]!;
    if (head !== 'data' && head !== 'input' && !this.globals.has(head)) {
      if (this.lookupDeclared(scope, head) !== undefined) return null;
      const def = this.c.builtin(name);
      if (def) return { kind: 'builtin', key: name, def };
      if (ENGINE_FUNCTIONS.has(name)) return { kind: 'builtin', key: name, def: null };
      return null;
    }
    const ct = this.term(op, scope);
    if (ct.k !== 'data' || ct.path.some((p) => p.k !== 'const')) return null;
    const node = this.c.nodeAt(ct.path.map((p) => (p as { v: Value }).v));
    if (!node || !node.isFunction) return null;
    return { kind: 'func', key: node.name, node };
  }
}

/** The term whose values a template-string part contributes. */
function exprValueTerm(e: CExpr): CTerm {
  switch (e.k) {
    case 'term':
      return e.term;
    case 'call':
      return { k: 'call', fn: e.fn, args: e.out ? [...e.args, e.out] : e.args, loc: e.loc };
    default:
      throw compileError('rego_parse_error', 'invalid template-string expression', e.loc);
  }
}

function checkAssignTarget(t: Term): void {
  const ok = (x: Term): boolean =>
    x.t === 'var' ||
    x.t === 'scalar' ||
    (x.t === 'array' && x.items.every(ok)) ||
    (x.t === 'object' && x.entries.every(([, v]) => ok(v)));
  if (!ok(t)) throw compileError('rego_compile_error', `cannot assign to ${t.t}`, t.loc);
}

function arityError(fn: CFn, arity: number, got: number, loc: Loc): RegoError {
  const name = fn.kind === 'func' ? fn.key : fn.key;
  return compileError('rego_type_error', `${name}: arity mismatch\n\thave: ${got} operand(s)\n\twant: ${arity}`, loc);
}

function isWildcard(name: string): boolean {
  return name.startsWith('$') || name === '_';
}

function isScalarValue(v: Value): boolean {
  return v === null || typeof v !== 'object';
}

/** `a.b.c` for a var or a ref of dotted string parts; null otherwise. */
function refName(t: Term): string | null {
  if (t.t === 'var') return t.name;
  if (t.t !== 'ref' || t.head.t !== 'var') return null;
  const parts = [t.head.name];
  for (const p of t.path) {
    if (p.t !== 'scalar' || typeof p.v !== 'string') return null;
    parts.push(p.v);
  }
  return parts.join('.');
}

function foldArray(items: CTerm[]): CTerm {
  if (items.every((x) => x.k === 'const')) return { k: 'const', v: items.map((x) => (x as { v: Value }).v) };
  return { k: 'array', items };
}

function foldSet(items: CTerm[]): CTerm {
  if (items.every((x) => x.k === 'const')) return { k: 'const', v: new RegoSet(items.map((x) => (x as { v: Value }).v)) };
  return { k: 'set', items };
}

function foldObject(entries: [CTerm, CTerm][]): CTerm {
  if (entries.every(([k, v]) => k.k === 'const' && v.k === 'const')) {
    const o = new RegoObject();
    for (const [k, v] of entries) o.set((k as { v: Value }).v, (v as { v: Value }).v);
    return { k: 'const', v: o };
  }
  return { k: 'object', entries };
}

// ---------------------------------------------------------------- var collection (pass 1)

/** Names an expression uses (not inside closures) and names it declares. */
function collectExprVars(e: Expr, used: string[], declared: Set<string>): void {
  const declare = (t: Term): void => {
    const vs: VarTerm[] = [];
    collectPatternVars(t, vs);
    for (const v of vs) declared.add(v.name);
  };
  for (const w of e.with) collectTermVars(w.value, used);
  switch (e.kind) {
    case 'some':
      e.vars.forEach(declare);
      return;
    case 'somein':
      if (e.key) declare(e.key);
      declare(e.value);
      collectTermVars(e.coll, used);
      return;
    case 'every':
      collectTermVars(e.domain, used);
      return;
    case 'body':
    case 'logic':
      return;
    case 'term': {
      const t = e.term;
      if (t.t === 'call' && t.op.t === 'var' && t.op.name === 'assign' && t.args.length === 2) {
        declare(t.args[0]!);
        collectTermVars(t.args[1]!, used);
        return;
      }
      collectTermVars(t, used);
    }
  }
}

/** Variables of a declaration pattern (`[a, b] := ...`, `some k, v in ...`). */
function collectPatternVars(t: Term, out: VarTerm[]): void {
  switch (t.t) {
    case 'var':
      out.push(t);
      return;
    case 'array':
      t.items.forEach((x) => collectPatternVars(x, out));
      return;
    case 'object':
      t.entries.forEach(([, v]) => collectPatternVars(v, out));
      return;
    default:
      return;
  }
}

/** Variable names used by a term, not descending into closures. */
function collectTermVars(t: Term, out: string[]): void {
  switch (t.t) {
    case 'var':
      out.push(t.name);
      return;
    case 'ref':
      collectTermVars(t.head, out);
      t.path.forEach((p) => collectTermVars(p, out));
      return;
    case 'array':
    case 'set':
      t.items.forEach((x) => collectTermVars(x, out));
      return;
    case 'object':
      t.entries.forEach(([k, v]) => {
        collectTermVars(k, out);
        collectTermVars(v, out);
      });
      return;
    case 'call':
      if (t.op.t === 'ref') collectTermVars(t.op, out);
      t.args.forEach((a) => collectTermVars(a, out));
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------- the compiler

interface RuleSource {
  rule: Rule;
  mod: Module;
  node: RuleNode;
  suffix: Term[];
}

export interface CompileOptions {
  /** Extra built-ins (e.g. test helpers), by OPA name. */
  builtins?: Iterable<BuiltinDef>;
}

export class Compiler {
  readonly root = new RuleNode([], 'data');
  private readonly builtins: ReadonlyMap<string, BuiltinDef>;
  private readonly globalsByPkg = new Map<string, Map<string, Global>>();
  private readonly pkgAnnotations = new Map<string, Annotation>();
  private readonly docAnnotations = new Map<RuleNode, Value[]>();

  constructor(opts: CompileOptions = {}) {
    const extra = [...(opts.builtins ?? [])];
    this.builtins = extra.length ? new Map([...BUILTINS, ...extra.map((b) => [b.name, b] as const)]) : BUILTINS;
  }

  builtin(name: string): BuiltinDef | undefined {
    return this.builtins.get(name);
  }

  arity(fn: CFn): number | null {
    if (fn.kind === 'func') return fn.node.arity;
    return fn.def ? fn.def.arity : ENGINE_FUNCTIONS.get(fn.key) ?? null;
  }

  nodeAt(path: Value[]): RuleNode | undefined {
    let n: RuleNode | undefined = this.root;
    for (const p of path) {
      n = n.children.get(keyOf(p));
      if (!n) return undefined;
    }
    return n;
  }

  private nodeFor(path: Value[]): RuleNode {
    let n = this.root;
    for (let i = 0; i < path.length; i++) {
      const k = keyOf(path[i]!);
      let c = n.children.get(k);
      if (!c) {
        c = new RuleNode(path.slice(0, i + 1), path[i]!);
        n.children.set(k, c);
      }
      n = c;
    }
    return n;
  }

  compile(modules: Module[]): Program {
    const sources: RuleSource[] = [];
    const packages: string[][] = [];
    const seenPkg = new Set<string>();
    // 1. Place rules on the tree and collect each package's rule names.
    for (const mod of modules) {
      const pkgKey = mod.pkg.join('\u0000');
      if (!seenPkg.has(pkgKey)) {
        seenPkg.add(pkgKey);
        packages.push(mod.pkg);
      }
      this.nodeFor(mod.pkg);
      let globals = this.globalsByPkg.get(pkgKey);
      if (!globals) {
        globals = new Map();
        this.globalsByPkg.set(pkgKey, globals);
      }
      for (const rule of mod.rules) {
        const ref = rule.head.ref;
        const name = (ref[0] as VarTerm).name;
        globals.set(name, { root: 'data', path: [...mod.pkg, name] });
        let n = 1;
        while (n < ref.length && ref[n]!.t === 'scalar') n++;
        if (rule.head.args && n < ref.length) {
          throw compileError('rego_type_error', 'function rule heads must be ground', rule.loc);
        }
        const path: Value[] = [...mod.pkg, name, ...ref.slice(1, n).map((t) => (t as { v: Value }).v)];
        const node = this.nodeFor(path);
        node.placed = true;
        if (rule.head.args) node.arity = rule.head.args.length;
        sources.push({ rule, mod, node, suffix: ref.slice(n) });
      }
    }
    for (const mod of modules) {
      if (mod.annotations) this.pkgAnnotations.set(mod.pkg.join('\u0000'), mod.annotations);
    }
    for (const s of sources) {
      if (s.rule.annotations?.scope !== 'document') continue;
      const list = this.docAnnotations.get(s.node) ?? [];
      list.push(s.rule.annotations.value);
      this.docAnnotations.set(s.node, list);
    }
    // Imports are per module; they shadow package rules.
    const moduleGlobals = new Map<Module, Map<string, Global>>();
    for (const mod of modules) {
      const g = new Map(this.globalsByPkg.get(mod.pkg.join('\u0000'))!);
      for (const imp of mod.imports) addImport(g, imp);
      moduleGlobals.set(mod, g);
    }
    // 2. Check rule kinds per node, then compile heads and bodies.
    const byNode = new Map<RuleNode, RuleSource[]>();
    for (const s of sources) {
      const list = byNode.get(s.node) ?? [];
      list.push(s);
      byNode.set(s.node, list);
    }
    for (const [node, list] of byNode) checkNodeKinds(node, list);
    for (const s of sources) {
      const compiled = this.compileRule(s, moduleGlobals.get(s.mod)!);
      if (compiled.isDefault) {
        if (s.node.defaultRule) throw compileError('rego_type_error', `multiple default rules ${compiled.name} found`, s.rule.loc);
        s.node.defaultRule = compiled;
      } else s.node.rules.push(compiled);
    }
    checkRecursion(this.root);
    return {
      root: this.root,
      packages,
      rules: sources.map((s) => ({
        path: ['data', ...s.mod.pkg],
        name: s.node.path.slice(s.mod.pkg.length).map(String).join('.'),
        file: s.mod.file,
        row: s.rule.loc.row,
      })),
      builtins: this.builtins,
    };
  }

  /**
   * The rule's annotations and its chain: the rule, annotations of scope
   * document on its path, its package's, then those of scope subpackages on
   * the package and its ancestors (nearest first).
   */
  private ruleMetadata(s: RuleSource): RuleMetadata {
    const own = s.rule.annotations?.scope === 'rule' ? s.rule.annotations.value : undefined;
    const chain: Value[] = [chainEntry(s.node.path, own)];
    for (const doc of this.docAnnotations.get(s.node) ?? []) chain.push(chainEntry(s.node.path, doc));
    for (let n = s.mod.pkg.length; n > 0; n--) {
      const pkg = s.mod.pkg.slice(0, n);
      const a = this.pkgAnnotations.get(pkg.join('\u0000'));
      if (a && (a.scope === 'subpackages' || (a.scope === 'package' && n === s.mod.pkg.length))) chain.push(chainEntry(pkg, a.value));
    }
    return { rule: own ?? new RegoObject(), chain };
  }

  private compileRule(s: RuleSource, globals: Map<string, Global>, head = s.rule.head, rule = s.rule): CRule {
    const frame = new Frame();
    const bc = new BodyCompiler(this, frame, globals, () => this.ruleMetadata(s));
    const top = frame.newScope(null);
    const argSlots: number[] = [];
    const prelude: Expr[] = [];
    if (head.args) {
      for (const a of head.args) {
        if (a.t === 'var') {
          if (a.name === 'input' || a.name === 'data') {
            throw compileError('rego_compile_error', `args must not shadow ${a.name} (use a different variable name)`, a.loc);
          }
          argSlots.push(isWildcard(a.name) ? frame.alloc('_', top) : bc.declare(top, a));
          continue;
        }
        const slot = frame.alloc("#arg", top);
        argSlots.push(slot);
        const argVar: VarTerm = { t: 'var', name: `#arg${slot}`, loc: a.loc };
        top.declared.set(argVar.name, slot);
        const patternVars: VarTerm[] = [];
        collectPatternVars(a, patternVars);
        for (const v of patternVars) if (!isWildcard(v.name) && !top.declared.has(v.name)) bc.declare(top, v);
        prelude.push({
          kind: 'term',
          term: { t: 'call', op: { t: 'var', name: 'eq', loc: a.loc }, args: [argVar, a], loc: a.loc },
          negated: false,
          with: [],
          loc: a.loc,
        });
      }
    }
    const body = bc.body([...prelude, ...rule.body], null, [], top);
    const suffix = s.suffix.map((t) => bc.term(t, top));
    const value = bc.term(head.value, top);
    const safeAfter = orderBody(body, new Set(argSlots), frame.slotScope);
    for (const t of [...suffix, value]) orderTermClosures(t, safeAfter, frame.slotScope);
    const headSlots = new Set<number>();
    const headOutputs = new Set<number>();
    for (const t of [...suffix, value]) {
      termSlots(t, headSlots, false);
      refOutputs(t, safeAfter, headOutputs);
    }
    for (const slot of headSlots) {
      if (!safeAfter.has(slot) && !headOutputs.has(slot) && frame.slotScope[slot] === top.id) {
        const at = firstVar(slot, (visit) => [...suffix, value].forEach((t) => walkTerm(t, visit, () => {})));
        throw unsafeError(frame.names[slot]!, at?.loc ?? head.loc);
      }
    }
    const kind = head.args ? 'function' : head.multi ? 'multi' : 'complete';
    const compiled: CRule = {
      kind,
      suffix,
      argSlots,
      value,
      constValue: value.k === 'const' && suffix.every((t) => t.k === 'const'),
      body,
      nslots: frame.nslots,
      isDefault: rule.isDefault,
      else: null,
      loc: rule.loc,
      name: s.node.name,
    };
    if (rule.else) compiled.else = this.compileRule(s, globals, rule.else.head, rule.else);
    // The frame may have grown while compiling the head terms.
    compiled.nslots = frame.nslots;
    return compiled;
  }

  compileQuery(exprs: Expr[]): CompiledQuery {
    const frame = new Frame();
    const bc = new BodyCompiler(this, frame, new Map());
    const top = frame.newScope(null);
    const body = bc.body(exprs, null, [], top);
    orderBody(body, new Set(), frame.slotScope);
    const vars: { name: string; slot: number }[] = [];
    const seen = new Set<string>();
    for (let slot = 0; slot < frame.nslots; slot++) {
      const name = frame.names[slot]!;
      if (frame.slotScope[slot] !== top.id || name === '_' || name.startsWith('$') || seen.has(name)) continue;
      seen.add(name);
      vars.push({ name, slot });
    }
    return { body, nslots: frame.nslots, vars };
  }
}

function addImport(g: Map<string, Global>, imp: Import): void {
  const root = (imp.path.head as VarTerm).name;
  if (root !== 'data' && root !== 'input') return;
  const path = imp.path.path.map((p) => (p as { v: Value }).v);
  const alias = imp.alias ?? (path.length ? String(path[path.length - 1]) : root);
  g.set(alias, { root, path });
}

function checkNodeKinds(node: RuleNode, list: RuleSource[]): void {
  const fn = list.filter((s) => s.rule.head.args !== null);
  if (fn.length && fn.length !== list.length) {
    throw compileError('rego_type_error', `conflicting rules ${node.name} found`, list[0]!.rule.loc);
  }
  if (fn.length) {
    const n = fn[0]!.rule.head.args!.length;
    for (const s of fn) {
      if (s.rule.head.args!.length !== n) {
        throw compileError('rego_type_error', `conflicting rules ${node.name} found`, s.rule.loc);
      }
    }
    return;
  }
  const shapes = new Set(list.map((s) => (s.suffix.length ? 'ref' : s.rule.head.multi ? 'multi' : 'complete')));
  if (shapes.size > 1) throw compileError('rego_type_error', `conflicting rules ${node.name} found`, list[0]!.rule.loc);
}

// ---------------------------------------------------------------- recursion

function checkRecursion(root: RuleNode): void {
  const deps = new Map<RuleNode, Set<RuleNode>>();
  const all: RuleNode[] = [];
  const visitNodes = (n: RuleNode): void => {
    if (n.hasRules) all.push(n);
    for (const c of n.children.values()) visitNodes(c);
  };
  visitNodes(root);
  for (const n of all) {
    const out = new Set<RuleNode>();
    const rules = [...n.rules, ...(n.defaultRule ? [n.defaultRule] : [])];
    for (const first of rules) {
      for (let r: CRule | null = first; r; r = r.else) collectRuleDeps(root, r, out);
    }
    deps.set(n, out);
  }
  const state = new Map<RuleNode, 1 | 2>();
  const stack: RuleNode[] = [];
  const visit = (n: RuleNode): void => {
    state.set(n, 1);
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      const st = state.get(d);
      if (st === 1) {
        const cycle = [...stack.slice(stack.indexOf(d)), d].map((x) => x.name).join(' -> ');
        const r = d.rules[0] ?? d.defaultRule!;
        throw compileError('rego_recursion_error', `rule ${d.name} is recursive: ${cycle}`, r.loc);
      }
      if (st === undefined) visit(d);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of all) if (!state.has(n)) visit(n);
}

function collectRuleDeps(root: RuleNode, r: CRule, out: Set<RuleNode>): void {
  const onTerm = (t: CTerm): void => {
    if (t.k === 'data') addRefDeps(root, t.path, out);
    if (t.k === 'call' && t.fn.kind === 'func') out.add(t.fn.node);
  };
  const onExpr = (e: CExpr): void => {
    if (e.k === 'call' && e.fn.kind === 'func') out.add(e.fn.node);
    for (const w of e.withs ?? []) if (w.fn && w.fn.kind === 'func') out.add(w.fn.node);
  };
  walkBody(r.body, onTerm, onExpr);
  for (const t of [...r.suffix, r.value]) walkTerm(t, onTerm, onExpr);
}

/** The rule nodes a data ref may reach (OPA's GetRulesDynamic). */
function addRefDeps(n: RuleNode, path: CTerm[], out: Set<RuleNode>, i = 0): void {
  if (n.hasRules) {
    out.add(n);
    return;
  }
  if (i === path.length) return addSubtree(n, out);
  const p = path[i]!;
  if (p.k === 'const') {
    const c = n.children.get(keyOf(p.v));
    if (c) addRefDeps(c, path, out, i + 1);
    return;
  }
  for (const c of n.children.values()) addRefDeps(c, path, out, i + 1);
}

function addSubtree(n: RuleNode, out: Set<RuleNode>): void {
  if (n.hasRules) out.add(n);
  for (const c of n.children.values()) addSubtree(c, out);
}

/** Compiles modules into a program. Throws RegoError. */
export function compileProgram(modules: Module[], opts?: CompileOptions): { program: Program; compiler: Compiler } {
  const compiler = new Compiler(opts);
  const program = compiler.compile(modules);
  markStable(program.root);
  return { program, compiler };
}
