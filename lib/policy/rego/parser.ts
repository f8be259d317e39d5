// Recursive-descent parser for Rego v1. It follows OPA's grammar and operator
// precedence (lowest first): `in`, relations (== != < <= > >=), `|`, `&`,
// `+ -`, `* / %`. Body literals may be combined with the `and` / `or`
// keywords (`not` binds tighter than `and`, which binds tighter than `or`);
// their operands are literals, parenthesised groups or `{ ... }` bodies.
//
// Speculative parses (set literal vs. body, term vs. group) use exceptions
// and rewind the token index.

import type {
  CallTerm,
  Expr,
  Import,
  Loc,
  Module,
  RefTerm,
  Rule,
  RuleHead,
  Term,
  VarTerm,
  With,
} from './ast.js';
import { RegoError } from './errors.js';
import { attachAnnotations } from './annotations.js';
import { KEYWORDS, tokenize, type Comment, type Token, type TokenKind } from './lexer.js';
import { parseNumber } from './value.js';

const PARSE_ERR = 'rego_parse_error';

const RELATION_OPS: Partial<Record<TokenKind, string>> = {
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
};
const ARITH_OPS: Partial<Record<TokenKind, string>> = { '+': 'plus', '-': 'minus' };
const FACTOR_OPS: Partial<Record<TokenKind, string>> = { '*': 'mul', '/': 'div', '%': 'rem' };

const MEMBER_2 = 'internal.member_2';
const MEMBER_3 = 'internal.member_3';

const ROOT_DOCUMENTS = new Set(['data', 'input']);

/** Thrown (not an Error: no stack trace to build) when a speculative parse fails. */
const SPECULATION_FAILED = { speculation: 'failed' };

class Parser {
  private readonly toks: Token[];
  private i = 0;
  private wildcards = 0;
  private speculating = 0;
  private readonly comments: Comment[] = [];

  constructor(
    src: string,
    private readonly file: string,
  ) {
    this.toks = tokenize(src, file, this.comments);
  }

  // ---------------------------------------------------------------- tokens

  private get tok(): Token {
    return this.toks[this.i]!;
  }

  /** Not a getter comparison, so TypeScript does not narrow the token kind across calls. */
  private at(kind: TokenKind): boolean {
    return this.toks[this.i]!.kind === kind;
  }

  private advance(): Token {
    const t = this.tok;
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private loc(t: Token = this.tok): Loc {
    return { file: this.file, row: t.row, col: t.col };
  }

  private fail(msg: string, t: Token = this.tok): never {
    // While speculating the message is never shown: throw the cheap sentinel.
    if (this.speculating > 0) throw SPECULATION_FAILED;
    throw new RegoError(PARSE_ERR, msg, this.file, t.row, t.col);
  }

  private unexpected(note?: string): never {
    const t = this.tok;
    const what = t.kind === 'eof' ? 'eof token' : `${tokenName(t)} ${KEYWORDS.has(t.kind) ? 'keyword' : 'token'}`;
    this.fail(note ? `unexpected ${what}: ${note}` : `unexpected ${what}`);
  }

  private expect(kind: TokenKind, note?: string): Token {
    if (this.tok.kind !== kind) this.unexpected(note ?? `expected ${kind}`);
    return this.advance();
  }

  /** Runs `fn`; on a parse error rewinds and returns undefined. */
  private attempt<T>(fn: () => T): T | undefined {
    const save = this.i;
    const saveW = this.wildcards;
    this.speculating++;
    try {
      return fn();
    } catch (e) {
      if (e !== SPECULATION_FAILED) throw e;
      this.i = save;
      this.wildcards = saveW;
      return undefined;
    } finally {
      this.speculating--;
    }
  }

  // ---------------------------------------------------------------- module

  parseModule(): Module {
    const first = this.tok;
    if (first.kind !== 'package') this.fail('package expected');
    this.advance();
    const pkgTerm = this.parseRefPathTerm('package');
    const pkg = pathStrings(pkgTerm, (t) => this.fail(`unexpected ${t.t} token: expecting string`));
    if (pkgTerm.t === 'ref' && pkgTerm.head.t === 'var' && pkgTerm.head.name === 'data') pkg.shift();
    const mod: Module = { file: this.file, pkg, pkgLoc: this.loc(first), imports: [], rules: [] };
    while (!this.at('eof')) {
      if (this.at('import')) {
        mod.imports.push(this.parseImport());
        continue;
      }
      if (this.at('package')) this.fail('unexpected package keyword');
      mod.rules.push(...this.parseRules());
    }
    attachAnnotations(mod, this.comments);
    return mod;
  }

  /** `a.b["c"].d` for package and import paths (keywords allowed after the first element). */
  private parseRefPathTerm(what: string): Term {
    const t = this.tok;
    if (t.kind !== 'ident' && !KEYWORDS.has(t.kind)) this.unexpected(`expected ${what} path`);
    this.advance();
    const head: VarTerm = { t: 'var', name: t.text, loc: this.loc(t) };
    const path: Term[] = [];
    for (;;) {
      if (this.at('.') && !this.tok.ws) {
        this.advance();
        const id = this.tok;
        if (id.ws || (id.kind !== 'ident' && !KEYWORDS.has(id.kind))) this.unexpected('expected ident');
        this.advance();
        path.push({ t: 'scalar', v: id.text, loc: this.loc(id) });
      } else if (this.at('[') && !this.tok.ws) {
        this.advance();
        const s = this.tok;
        if (s.kind !== 'string') this.unexpected('expecting string');
        this.advance();
        path.push({ t: 'scalar', v: s.text, loc: this.loc(s) });
        this.expect(']');
      } else break;
    }
    return path.length ? { t: 'ref', head, path, loc: head.loc } : head;
  }

  private parseImport(): Import {
    const start = this.advance();
    const term = this.parseRefPathTerm('import');
    const ref: RefTerm = term.t === 'ref' ? term : { t: 'ref', head: term, path: [], loc: term.loc };
    const root = (ref.head as VarTerm).name;
    if (!['data', 'input', 'future', 'rego'].includes(root)) {
      this.fail(`unexpected import path, must begin with one of: {data, future, input, rego}, got: ${root}`, start);
    }
    let alias: string | null = null;
    if (this.at('as')) {
      this.advance();
      if (!this.at('ident')) this.unexpected('expected var');
      alias = this.advance().text;
    } else if (root !== 'future' && root !== 'rego') {
      const last = ref.path.length ? (ref.path[ref.path.length - 1] as { v: string }).v : root;
      if (KEYWORDS.has(last)) this.fail(`unexpected import path, must not end with a keyword, got: ${last}`, start);
    }
    return { path: ref, alias, loc: this.loc(start) };
  }

  // ---------------------------------------------------------------- rules

  private parseRules(): Rule[] {
    const start = this.tok;
    let isDefault = false;
    if (this.at('default')) {
      this.advance();
      isDefault = true;
    }
    const nameTok = this.tok;
    if (nameTok.kind !== 'ident') {
      this.unexpected();
    }
    const { head, contains } = this.parseHead(isDefault);
    const rule: Rule = { head, body: [], isDefault, else: null, loc: this.loc(start), file: this.file };
    if (isDefault) {
      if (!head.valueGiven) this.fail('illegal default rule (must have a value)', start);
      checkDefaultValue(head.value, (what) => this.fail(`illegal default rule (value cannot contain ${what})`, start));
      rule.body = [trueExpr(rule.loc)];
      return [stripHead(rule, head)];
    }
    if (this.at('if')) {
      this.advance();
      rule.body = this.parseIfBody();
    } else if (this.at('{')) {
      this.fail('`if` keyword is required before rule body');
    } else if (contains || head.valueGiven) {
      rule.body = [trueExpr(rule.loc)];
    } else {
      this.unexpected('expected rule body');
    }
    if (this.at('else')) {
      if (head.multi) this.fail('else keyword cannot be used on multi-value rules');
      if (head.ref.slice(1).some((t) => !isGroundTerm(t))) {
        this.fail('else keyword cannot be used on rules with variables in head');
      }
      rule.else = this.parseElse(head);
    }
    return [stripHead(rule, head)];
  }

  /**
   * The body after `if`: `{ body }`, or one literal. A braced body followed
   * by more of an expression (`{ a } or { b }`) is re-read as a literal.
   */
  private parseIfBody(): Expr[] {
    if (this.at('{')) {
      const body = this.attempt(() => {
        const b = this.parseExplicitBody();
        const next = this.tok;
        if (!next.nl && next.kind !== 'eof' && next.kind !== 'else') this.unexpected();
        return b;
      });
      if (body) return body;
    }
    return [this.parseLiteral()];
  }

  private parseHead(isDefault: boolean): { head: ParsedHead; contains: boolean } {
    const loc = this.loc();
    const nameTok = this.advance();
    let ref: Term[] = [{ t: 'var', name: nameTok.text, loc: this.loc(nameTok) }];
    let args: Term[] | null = null;
    // Head refs tolerate whitespace before `.`, `[` and `(`.
    for (;;) {
      const k = this.tok.kind;
      if (k === '.') {
        this.advance();
        const id = this.tok;
        if (id.ws || (id.kind !== 'ident' && !KEYWORDS.has(id.kind))) this.unexpected('expected ident');
        this.advance();
        ref.push({ t: 'scalar', v: id.text, loc: this.loc(id) });
      } else if (k === '[') {
        this.advance();
        ref.push(this.parseTermInfixCall());
        this.expect(']');
      } else if (k === '(' && args === null) {
        this.advance();
        args = this.parseTermList(')');
        this.expect(')');
        break;
      } else break;
    }
    if (ref.length === 1 && ref[0]!.t === 'var' && ROOT_DOCUMENTS.has(ref[0].name)) {
      this.fail(`rule name conflicts with built-in or root document`, nameTok);
    }
    let value: Term | null = null;
    let multi = false;
    let assign = false;
    const name = ref.map((t, i) => (i === 0 ? (t as VarTerm).name : t.t === 'scalar' ? `.${t.v}` : '[...]')).join('');
    const k = this.tok.kind;
    if (k === 'contains') {
      if (args) this.unexpected(`the contains keyword can only be used with multi-value rule definitions (e.g., ${name} contains <VALUE> { ... })`);
      this.advance();
      value = this.parseTermInfixCall();
      multi = true;
    } else if (k === '=' || k === ':=') {
      this.advance();
      assign = k === ':=';
      value = this.parseTermInfixCall();
    } else if (
      !isDefault &&
      !this.at('if') &&
      ref.length === 2 &&
      !args &&
      (this.tok.nl || this.at('eof') || this.at(';'))
    ) {
      // `p[x]` without `if`: the old partial set form.
      multi = true;
      value = ref.pop()!;
    }
    const valueGiven = value !== null;
    const head: ParsedHead = {
      ref,
      args,
      value: value ?? { t: 'scalar', v: true, loc },
      multi,
      assign,
      loc,
      valueGiven,
    };
    return { head, contains: multi };
  }

  private parseElse(head: ParsedHead): Rule {
    const elseTok = this.advance();
    const loc = this.loc(elseTok);
    let value: Term = { t: 'scalar', v: true, loc };
    const k = this.tok.kind;
    if (k === ':=' || k === '=') {
      this.advance();
      value = this.parseTermInfixCall();
    } else if (k !== '{' && k !== 'if') {
      this.unexpected('expected else value term or rule body');
    }
    const args = head.args ? head.args.map((a) => (a.t === 'var' && a.name.startsWith('$') ? this.wildcard(a.loc) : a)) : null;
    const rule: Rule = {
      head: { ref: head.ref, args, value, multi: false, assign: head.assign, loc },
      body: [],
      isDefault: false,
      else: null,
      loc,
      file: this.file,
    };
    if (this.at('if')) {
      this.advance();
      rule.body = this.parseIfBody();
    } else if (this.at('{')) {
      this.advance();
      rule.body = this.parseBody('}');
      this.expect('}');
    } else {
      rule.body = [trueExpr(loc)];
    }
    if (this.at('else')) rule.else = this.parseElse(head);
    return rule;
  }

  // ---------------------------------------------------------------- bodies

  /** Literals separated by `;` or newlines, up to (not including) `end`. */
  parseBody(end: TokenKind): Expr[] {
    if (this.tok.kind === end) this.fail('found empty body');
    const body: Expr[] = [];
    for (;;) {
      body.push(this.parseLiteral());
      if (this.at(';')) {
        this.advance();
        continue;
      }
      if (this.tok.kind === end) return body;
      if (!this.tok.nl) this.unexpected(`expected \\n or ; or ${end === 'eof' ? 'eof' : end}`);
    }
  }

  parseLiteral(): Expr {
    const t = this.tok;
    if (t.kind === 'some') return this.withModifiers(this.parseSome());
    if (t.kind === 'every') return this.withModifiers(this.parseEvery());
    return this.withModifiers(this.parseOr());
  }

  private withModifiers(expr: Expr): Expr {
    if (!this.at('with')) return expr;
    const withs: With[] = [];
    while (this.at('with')) {
      const wt = this.advance();
      if (!this.at('ident')) this.unexpected('expected ident');
      const target = this.parseTerm();
      if (target.t !== 'ref' && target.t !== 'var') this.fail('unexpected with target: expected with target path', wt);
      this.expect('as', 'expected as keyword');
      const value = this.parseTermInfixCall();
      withs.push({ target, value, loc: this.loc(wt) });
    }
    if (expr.with.length) return { kind: 'body', body: [expr], negated: false, with: withs, loc: expr.loc };
    expr.with = withs;
    return expr;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.at('or')) {
      this.advance();
      const right = this.parseAnd(true);
      left = { kind: 'logic', op: 'or', left, right, negated: false, with: [], loc: left.loc };
    }
    return left;
  }

  private parseAnd(operand = false): Expr {
    let left = this.parseUnary(operand);
    while (this.at('and')) {
      this.advance();
      const right = this.parseUnary(true);
      left = { kind: 'logic', op: 'and', left, right, negated: false, with: [], loc: left.loc };
    }
    return left;
  }

  /** `not` unary | group | plain expression. `operand`: a `{` here opens a body. */
  private parseUnary(operand = false): Expr {
    const t = this.tok;
    if (t.kind === 'not') {
      this.advance();
      if (this.at('some') || this.at('every')) this.unexpected(`illegal negation of '${this.tok.kind}'`);
      const inner = this.parseUnary(true);
      if (inner.negated) return { kind: 'body', body: [inner], negated: true, with: [], loc: this.loc(t) };
      inner.negated = true;
      inner.loc = this.loc(t);
      return inner;
    }
    if (t.kind === '{' && (operand || this.braceFollowedByLogic())) {
      const body = this.parseExplicitBody();
      return { kind: 'body', body, negated: false, with: [], loc: this.loc(t) };
    }
    if (t.kind === '{') {
      const e = this.attempt(() => this.parseExpr());
      if (e) return e;
      const body = this.parseExplicitBody();
      return { kind: 'body', body, negated: false, with: [], loc: this.loc(t) };
    }
    if (t.kind === '(') {
      const e = this.attempt(() => this.parseExpr());
      if (e) return e;
      this.advance();
      const inner = this.parseLiteral();
      this.expect(')', 'non-terminated expression');
      return inner;
    }
    return this.parseExpr();
  }

  private parseExplicitBody(): Expr[] {
    this.expect('{');
    const body = this.parseBody('}');
    this.expect('}');
    return body;
  }

  /** Is the `{` at the current token closed by a `}` that is followed by `and`/`or`? */
  private braceFollowedByLogic(): boolean {
    let depth = 0;
    for (let j = this.i; j < this.toks.length; j++) {
      const k = this.toks[j]!.kind;
      if (k === '{') depth++;
      else if (k === '}') {
        depth--;
        if (depth === 0) {
          const n = this.toks[j + 1]!.kind;
          return n === 'and' || n === 'or';
        }
      } else if (k === 'eof') return false;
    }
    return false;
  }

  /** OPA's parseExpr: `lhs [:=|= rhs]`, or a term / call. */
  private parseExpr(): Expr {
    const start = this.tok;
    const lhs = this.parseTermInfixCall();
    const k = this.tok.kind;
    let term: Term = lhs;
    if (k === ':=' || k === '=') {
      const opTok = this.advance();
      const rhs = this.parseTermInfixCall();
      term = call(k === ':=' ? 'assign' : 'eq', [lhs, rhs], this.loc(opTok));
    }
    return { kind: 'term', term, negated: false, with: [], loc: this.loc(start) };
  }

  private parseSome(): Expr {
    const start = this.advance();
    const loc = this.loc(start);
    const inCall = this.attempt(() => {
      const term = this.parseTermInfixCall();
      if (term.t === 'call' && isMemberCall(term)) return term;
      throw SPECULATION_FAILED;
    });
    if (inCall) {
      const a = inCall.args;
      if (a.length === 3) return { kind: 'somein', key: a[0]!, value: a[1]!, coll: a[2]!, negated: false, with: [], loc };
      return { kind: 'somein', key: null, value: a[0]!, coll: a[1]!, negated: false, with: [], loc };
    }
    const vars: VarTerm[] = [];
    for (;;) {
      const v = this.tok;
      if (v.kind !== 'ident') this.unexpected('expected var');
      this.advance();
      vars.push(v.text === '_' ? this.wildcard(this.loc(v)) : { t: 'var', name: v.text, loc: this.loc(v) });
      if (!this.at(',')) break;
      this.advance();
    }
    return { kind: 'some', vars, negated: false, with: [], loc };
  }

  private parseEvery(): Expr {
    const start = this.advance();
    const term = this.parseTermInfixCall();
    if (term.t !== 'call' || !isMemberCall(term)) this.fail('unexpected expression: expected `x[, y] in xs { ... }` expression', start);
    const a = term.args;
    const key = a.length === 3 ? a[0]! : null;
    const value = a.length === 3 ? a[1]! : a[0]!;
    const domain = a[a.length - 1]!;
    if (key && key.t !== 'var') this.fail('unexpected expression: expected key to be a variable', start);
    if (value.t !== 'var') this.fail('unexpected expression: expected value to be a variable', start);
    if (!this.at('{')) this.unexpected('missing body');
    const body = this.parseExplicitBody();
    return {
      kind: 'every',
      key: key as VarTerm | null,
      value: value as VarTerm,
      domain,
      body,
      negated: false,
      with: [],
      loc: this.loc(start),
    };
  }

  // ---------------------------------------------------------------- terms

  /** A term including `in` (with the `k, v in xs` form). */
  parseTermInfixCall(keyVal = true): Term {
    let lhs = this.parseRelation();
    if (keyVal && this.at(',')) {
      const three = this.attempt(() => {
        this.advance();
        const mhs = this.parseRelation();
        if (!this.at('in')) throw SPECULATION_FAILED;
        const opTok = this.advance();
        const rhs = this.parseRelation();
        return call(MEMBER_3, [lhs, mhs, rhs], this.loc(opTok));
      });
      if (three) lhs = three;
    }
    while (this.at('in')) {
      const opTok = this.advance();
      const rhs = this.parseRelation();
      lhs = call(MEMBER_2, [lhs, rhs], this.loc(opTok));
    }
    return lhs;
  }

  private parseBinary(next: () => Term, ops: Partial<Record<TokenKind, string>>): Term {
    let lhs = next();
    for (;;) {
      const name = ops[this.tok.kind];
      if (!name) return lhs;
      const opTok = this.advance();
      const rhs = next();
      lhs = call(name, [lhs, rhs], lhs.loc, this.loc(opTok));
    }
  }

  private parseRelation(): Term {
    return this.parseBinary(() => this.parseUnion(), RELATION_OPS);
  }

  private parseUnion(): Term {
    return this.parseBinary(() => this.parseIntersection(), { '|': 'or' });
  }

  private parseIntersection(): Term {
    return this.parseBinary(() => this.parseArith(), { '&': 'and' });
  }

  private parseArith(): Term {
    return this.parseBinary(() => this.parseFactor(), ARITH_OPS);
  }

  private parseFactor(): Term {
    return this.parseBinary(() => this.parseTerm(), FACTOR_OPS);
  }

  parseTerm(): Term {
    const t = this.tok;
    const loc = this.loc(t);
    let term: Term;
    switch (t.kind) {
      case 'null':
      case 'true':
      case 'false':
        this.advance();
        term = { t: 'scalar', v: t.kind === 'null' ? null : t.kind === 'true', loc };
        break;
      case '-':
      case '.':
      case 'number':
        term = this.parseNumber();
        break;
      case 'string':
        this.advance();
        term = { t: 'scalar', v: t.text, loc };
        break;
      case 'tpl':
        term = this.parseTemplate();
        break;
      case 'ident':
      case 'contains':
        this.advance();
        term = t.text === '_' ? this.wildcard(loc) : { t: 'var', name: t.text, loc };
        break;
      case '[':
        term = this.parseArray();
        break;
      case '{':
        term = this.parseSetOrObject();
        break;
      case '(': {
        this.advance();
        term = this.parseTermInfixCall();
        if (!this.at(')')) this.fail('non-terminated expression');
        this.advance();
        break;
      }
      default:
        this.unexpected();
    }
    return this.parseTermFinish(term);
  }

  /** Continues a term into a ref or call when `.`, `[` or `(` follows without whitespace. */
  private parseTermFinish(head: Term): Term {
    let term = head;
    for (;;) {
      const t = this.tok;
      if (t.ws) break;
      if (t.kind === '.') {
        this.advance();
        const id = this.tok;
        if (id.ws || (id.kind !== 'ident' && !KEYWORDS.has(id.kind))) this.unexpected('expected ident');
        this.advance();
        term = appendRef(term, { t: 'scalar', v: id.text, loc: this.loc(id) });
      } else if (t.kind === '[') {
        if (!isRefHead(term)) this.fail(`illegal ref (head cannot be ${term.t})`);
        this.advance();
        const key = this.parseTermInfixCall();
        this.expect(']', 'expected ]');
        term = appendRef(term, key);
      } else if (t.kind === '(') {
        if (term.t !== 'var' && term.t !== 'ref') this.fail(`illegal call (operator cannot be ${term.t})`);
        this.advance();
        const args = this.at(')') ? [] : this.parseTermList(')');
        this.expect(')');
        if (args.length === 0 && term.t === 'var' && term.name === 'set') term = { t: 'set', items: [], loc: term.loc };
        else term = { t: 'call', op: term, args, loc: term.loc };
      } else break;
    }
    return term;
  }

  private parseNumber(): Term {
    const start = this.tok;
    let text = '';
    if (this.at('-')) {
      text = '-';
      this.advance();
      if (!this.at('number') && !this.at('.')) this.unexpected('expected number');
    }
    if (this.at('.')) {
      text += '0.';
      this.advance();
      if (!this.at('number') || this.tok.ws) this.unexpected('expected number');
    }
    const lit = this.tok.text;
    if (!text.endsWith('.') && lit.length > 1 && lit[0] === '0' && lit[1] !== '.' && lit[1] !== 'e' && lit[1] !== 'E') {
      this.unexpected('expected number without leading zero');
    }
    this.advance();
    const v = parseNumber(text + lit);
    if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) this.fail('number too big', start);
    return { t: 'scalar', v, loc: this.loc(start) };
  }

  private parseTemplate(): Term {
    const start = this.tok;
    const parts: (string | Expr)[] = [];
    for (;;) {
      const part = this.expect('tpl');
      if (part.text) parts.push(part.text);
      if (part.tplEnd) break;
      const expr = this.parseLiteral();
      const bad = (what: string): never => {
        throw new RegoError(PARSE_ERR, `unexpected ${what} in template-string expression`, this.file, expr.loc.row, expr.loc.col);
      };
      if (expr.negated) bad(`negation ('not')`);
      if (expr.kind === 'some' || expr.kind === 'somein') bad(`'some'`);
      if (expr.kind === 'every') bad(`'every'`);
      if (expr.kind === 'term' && expr.term.t === 'call' && expr.term.op.t === 'var') {
        if (expr.term.op.name === 'eq') bad(`unification ('=')`);
        if (expr.term.op.name === 'assign') bad(`assignment (':=')`);
      }
      parts.push(expr);
      if (!this.at('}')) this.fail('expected } to end template string expression');
      this.advance();
    }
    return { t: 'template', parts, loc: this.loc(start) };
  }

  private parseArray(): Term {
    const loc = this.loc(this.advance());
    if (this.at(']')) {
      this.advance();
      return { t: 'array', items: [], loc };
    }
    const compr = this.comprehension('arraycompr', ']', loc);
    if (compr) return compr;
    const items = this.parseTermList(']');
    this.expect(']');
    return { t: 'array', items, loc };
  }

  /**
   * After the opening bracket: `head | body` as a comprehension, if it is one.
   * A leading comma (`[, x]`, accepted for OPA compatibility) rules it out.
   */
  private comprehension(t: 'arraycompr' | 'setcompr', end: TokenKind, loc: Loc): Term | undefined {
    if (this.at(',')) {
      this.advance();
      return undefined;
    }
    return this.attempt(() => {
      const head = this.parseTerm();
      if (!this.at('|')) throw SPECULATION_FAILED;
      this.advance();
      const body = this.parseBody(end);
      this.advance();
      return { t, head, body, loc };
    });
  }

  private parseSetOrObject(): Term {
    const loc = this.loc(this.advance());
    if (this.at('}')) {
      this.advance();
      return { t: 'object', entries: [], loc };
    }
    const potentialComprehension = !this.at(',');
    const compr = this.comprehension('setcompr', '}', loc);
    if (compr) return compr;
    const first = this.parseTermInfixCall(false);
    if (this.at(':')) {
      this.advance();
      if (potentialComprehension) {
        const compr = this.attempt(() => {
          const value = this.parseTerm();
          if (!this.at('|')) throw SPECULATION_FAILED;
          this.advance();
          const body = this.parseBody('}');
          this.advance();
          return { t: 'objectcompr', head: first, value, body, loc } as Term;
        });
        if (compr) return compr;
      }
      const entries: [Term, Term][] = [[first, this.parseTermInfixCall(false)]];
      while (this.at(',')) {
        this.advance();
        if (this.at('}')) break;
        const k = this.parseTermInfixCall(false);
        this.expect(':', 'expected ":"');
        entries.push([k, this.parseTermInfixCall(false)]);
      }
      if (!this.at('}')) this.unexpected('non-terminated object');
      this.advance();
      return { t: 'object', entries, loc };
    }
    const items = [first];
    while (this.at(',')) {
      this.advance();
      if (this.at('}')) break;
      items.push(this.parseTermInfixCall(false));
    }
    if (!this.at('}')) this.unexpected('non-terminated set');
    this.advance();
    return { t: 'set', items, loc };
  }

  /** Comma-separated terms up to `end` (not consumed); a trailing comma is allowed. */
  private parseTermList(end: TokenKind): Term[] {
    const items: Term[] = [];
    if (this.tok.kind === end) return items;
    for (;;) {
      items.push(this.parseTermInfixCall(false));
      if (this.tok.kind === end) return items;
      if (!this.at(',')) this.unexpected(`expected "," or "${end}"`);
      this.advance();
      if (this.tok.kind === end) return items;
    }
  }

  private wildcard(loc: Loc): VarTerm {
    return { t: 'var', name: `$${this.wildcards++}`, loc };
  }

  atEOF(): boolean {
    return this.at('eof');
  }

  expectEOF(): void {
    if (!this.at('eof')) this.unexpected();
  }
}

interface ParsedHead extends RuleHead {
  valueGiven: boolean;
}

function stripHead(rule: Rule, head: ParsedHead): Rule {
  rule.head = { ref: head.ref, args: head.args, value: head.value, multi: head.multi, assign: head.assign, loc: head.loc };
  return rule;
}

function tokenName(t: Token): string {
  switch (t.kind) {
    case 'ident':
      return 'ident';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'tpl':
      return 'template-string';
    default:
      return t.kind;
  }
}

function trueExpr(loc: Loc): Expr {
  return { kind: 'term', term: { t: 'scalar', v: true, loc }, negated: false, with: [], loc };
}

function call(name: string, args: Term[], loc: Loc, opLoc: Loc = loc): CallTerm {
  return { t: 'call', op: { t: 'var', name, loc: opLoc }, args, loc };
}

function isMemberCall(term: CallTerm): boolean {
  return term.op.t === 'var' && (term.op.name === MEMBER_2 || term.op.name === MEMBER_3);
}

function isRefHead(t: Term): boolean {
  return t.t !== 'scalar' && t.t !== 'template' && t.t !== 'value';
}

function appendRef(term: Term, elem: Term): Term {
  if (term.t === 'ref') return { t: 'ref', head: term.head, path: [...term.path, elem], loc: term.loc };
  return { t: 'ref', head: term, path: [elem], loc: term.loc };
}

function isGroundTerm(t: Term): boolean {
  switch (t.t) {
    case 'scalar':
    case 'value':
      return true;
    case 'array':
    case 'set':
      return t.items.every(isGroundTerm);
    case 'object':
      return t.entries.every(([k, v]) => isGroundTerm(k) && isGroundTerm(v));
    default:
      return false;
  }
}

function checkDefaultValue(t: Term, fail: (what: string) => never): void {
  switch (t.t) {
    case 'var':
      return fail('var');
    case 'ref':
      return fail('ref');
    case 'call':
      return fail('call');
    case 'array':
    case 'set':
      return t.items.forEach((x) => checkDefaultValue(x, fail));
    case 'object':
      return t.entries.forEach(([k, v]) => {
        checkDefaultValue(k, fail);
        checkDefaultValue(v, fail);
      });
    default:
      return;
  }
}

/** The string path of a package/import ref (head var name first). */
function pathStrings(t: Term, fail: (t: Term) => never): string[] {
  if (t.t === 'var') return [t.name];
  const ref = t as RefTerm;
  return [(ref.head as VarTerm).name, ...ref.path.map((p) => (p.t === 'scalar' && typeof p.v === 'string' ? p.v : fail(p)))];
}

/** Parses one module. Throws RegoError (rego_parse_error). */
export function parseModule(source: string, file: string): Module {
  return new Parser(source, file).parseModule();
}

/** Parses a query: literals separated by `;` or newlines. */
export function parseQuery(source: string, file = 'query'): Expr[] {
  const p = new Parser(source, file);
  if (p.atEOF()) throw new RegoError(PARSE_ERR, 'empty query', file, 1, 1);
  const body = p.parseBody('eof');
  p.expectEOF();
  return body;
}

/** Parses a single term (e.g. an `input_term`). */
export function parseTermSource(source: string, file = 'term'): Term {
  const p = new Parser(source, file);
  const term = p.parseTermInfixCall();
  p.expectEOF();
  return term;
}
