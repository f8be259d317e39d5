// Lexer and parser of the Rego engine: tokens, syntax trees, and errors that
// name file, line and column.

import t from 'tap';
import type { Expr, Module, Rule, Term } from '../../lib/policy/rego/ast.js';
import { RegoError } from '../../lib/policy/rego/errors.js';
import { tokenize } from '../../lib/policy/rego/lexer.js';
import { parseModule, parseQuery, parseTermSource } from '../../lib/policy/rego/parser.js';
import { parseTerm } from '../../lib/policy/rego/index.js';
import { RegoObject, RegoSet, formatValue } from '../../lib/policy/rego/value.js';

/** A compact printable form of a term (for asserting on trees). */
function show(x: Term): string {
  switch (x.t) {
    case 'scalar':
      return typeof x.v === 'string' ? JSON.stringify(x.v) : String(x.v);
    case 'value':
      return formatValue(x.v);
    case 'var':
      return x.name;
    case 'ref':
      return show(x.head) + x.path.map((p) => `[${show(p)}]`).join('');
    case 'array':
      return `[${x.items.map(show).join(', ')}]`;
    case 'set':
      return `{${x.items.map(show).join(', ')}}`;
    case 'object':
      return `{${x.entries.map(([k, v]) => `${show(k)}: ${show(v)}`).join(', ')}}`;
    case 'call':
      return `${show(x.op)}(${x.args.map(show).join(', ')})`;
    case 'template':
      return `$(${x.parts.map((p) => (typeof p === 'string' ? JSON.stringify(p) : showExpr(p))).join(' ')})`;
    default:
      return `${x.t}(${show(x.head)}${x.value ? ': ' + show(x.value) : ''} | ${x.body.map(showExpr).join('; ')})`;
  }
}

function showExpr(e: Expr): string {
  let s: string;
  switch (e.kind) {
    case 'term':
      s = show(e.term);
      break;
    case 'some':
      s = `some ${e.vars.map(show).join(', ')}`;
      break;
    case 'somein':
      s = `some ${e.key ? show(e.key) + ', ' : ''}${show(e.value)} in ${show(e.coll)}`;
      break;
    case 'every':
      s = `every ${e.key ? show(e.key) + ', ' : ''}${show(e.value)} in ${show(e.domain)} { ${e.body.map(showExpr).join('; ')} }`;
      break;
    case 'body':
      s = `{ ${e.body.map(showExpr).join('; ')} }`;
      break;
    case 'logic':
      s = `(${showExpr(e.left)} ${e.op} ${showExpr(e.right)})`;
      break;
  }
  if (e.negated) s = `not ${s}`;
  for (const w of e.with) s += ` with ${show(w.target)} as ${show(w.value)}`;
  return s;
}

function rule(mod: Module, i = 0): Rule {
  return mod.rules[i]!;
}

function parseError(src: string): string {
  try {
    parseModule(src, 'a.rego');
  } catch (e) {
    if (e instanceof RegoError) return e.message;
    throw e;
  }
  return 'no error';
}

t.test('tokens', async (t) => {
  const toks = tokenize('x := 1.5e3 # c\n"a\\n\\u00e9" `raw\nline` <= != ; .5', 'f');
  t.same(
    toks.map((k) => [k.kind, k.text]),
    [
      ['ident', 'x'],
      [':=', ':='],
      ['number', '1.5e3'],
      ['string', 'a\né'],
      ['string', 'raw\nline'],
      ['<=', '<='],
      ['!=', '!='],
      [';', ';'],
      ['.', '.'],
      ['number', '5'],
      ['eof', ''],
    ],
  );
  t.ok(toks[3]!.nl, 'newline before the string');
  t.same([toks[5]!.row, toks[5]!.col], [3, 7], 'rows advance through raw strings');
  t.equal(tokenize('if.x', 'f')[0]!.kind, 'ident', 'a keyword heading a ref is an identifier');
  t.equal(tokenize('if x', 'f')[0]!.kind, 'if');
  const tpl = tokenize('$"a{x}b\\{c}"', 'f');
  t.same(
    tpl.map((k) => [k.kind, k.text, k.tplEnd ?? false]),
    [
      ['tpl', 'a', false],
      ['ident', 'x', false],
      ['}', '}', false],
      ['tpl', 'b{c}', true],
      ['eof', '', false],
    ],
  );
  t.same(
    tokenize('$`raw {y}`', 'f').map((k) => k.text),
    ['raw ', 'y', '}', '', ''],
  );
  t.same(
    tokenize('\ufeffa /* */', 'f').map((k) => k.kind),
    ['ident', '/', '*', '*', '/', 'eof'],
  );
});

t.test('lexer errors carry positions', async (t) => {
  const cases: [string, string][] = [
    ['x := "abc', 'f:1:6: rego_parse_error: non-terminated string'],
    ['x := `abc', 'f:1:6: rego_parse_error: non-terminated string'],
    ['x := 1.', 'f:1:8: rego_parse_error: expected fraction'],
    ['x := 1e', 'f:1:8: rego_parse_error: expected exponent'],
    ['x := 12ab', 'f:1:8: rego_parse_error: illegal number format'],
    ['x := !a', 'f:1:6: rego_parse_error: illegal ! character'],
    ['x := "\\q"', 'f:1:8: rego_parse_error: illegal escape sequence'],
    ['x := "\\u12"', 'f:1:8: rego_parse_error: illegal escape sequence'],
    ['\n  x := @', 'f:2:8: rego_parse_error: illegal token'],
    ['x := $"a', 'f:1:9: rego_parse_error: non-terminated string'],
    ['x := $"a\n"', 'f:1:9: rego_parse_error: non-terminated string'],
    ['x := $"a{', 'f:1:10: rego_parse_error: non-terminated string'],
  ];
  for (const [src, msg] of cases) {
    t.throws(() => tokenize(src, 'f'), { message: msg }, JSON.stringify(src));
  }
  t.throws(() => tokenize('x := \u0000', 'f'), { message: 'f:1:6: rego_parse_error: illegal null character' });
});

t.test('modules: packages, imports and rule kinds', async (t) => {
  const mod = parseModule(
    `package a.b["c d"].if
import rego.v1
import data.x.y as z
import input.q
p := 1
q contains x if x := 2
r[k] := v if { k := "a"; v := 1 }
s[k] if k := 1
f(a, [b, _]) := a + b
default g := false
default h(_) := 0
u.v.w := 3
t[x]
i := 1 if input.a else := 2 if { input.b } else = 3
j if { true } else { false }
`,
    'm.rego',
  );
  t.same(mod.pkg, ['a', 'b', 'c d', 'if']);
  t.same(
    mod.imports.map((i) => [show(i.path), i.alias]),
    [
      ['rego["v1"]', null],
      ['data["x"]["y"]', 'z'],
      ['input["q"]', null],
    ],
  );
  const heads = mod.rules.map(
    (r) =>
      `${r.isDefault ? 'default ' : ''}${r.head.ref.map(show).join('.')}${r.head.args ? `(${r.head.args.map(show).join(', ')})` : ''}` +
      `${r.head.multi ? ' contains ' : ' = '}${show(r.head.value)} :- ${r.body.map(showExpr).join('; ')}`,
  );
  t.same(heads, [
    'p = 1 :- true',
    'q contains x :- assign(x, 2)',
    'r.k = v :- assign(k, "a"); assign(v, 1)',
    's.k = true :- assign(k, 1)',
    'f(a, [b, $0]) = plus(a, b) :- true',
    'default g = false :- true',
    'default h($1) = 0 :- true',
    'u."v"."w" = 3 :- true',
    't contains x :- true',
    'i = 1 :- input["a"]',
    'j = true :- true',
  ]);
  const chain: string[] = [];
  for (let r: Rule | null = rule(mod, 9).else; r; r = r.else) chain.push(`${show(r.head.value)} :- ${r.body.map(showExpr).join('; ')}`);
  t.same(chain, ['2 :- input["b"]', '3 :- true']);
  t.equal(show(rule(mod, 10).else!.head.value), 'true');
  t.same([rule(mod, 2).loc.row, rule(mod, 2).loc.col, rule(mod, 2).file], [7, 1, 'm.rego']);
});

t.test('bodies: literals, keywords and logic operators', async (t) => {
  const body = (src: string): string[] => parseQuery(src).map(showExpr);
  t.same(body('x = 1; y := [a | a := input[_]]\nz == {1, 2}'), [
    'eq(x, 1)',
    'assign(y, arraycompr(a | assign(a, input[$0])))',
    'equal(z, {1, 2})',
  ]);
  t.same(body('some x, y'), ['some x, y']);
  t.same(body('some x in xs'), ['some x in xs']);
  t.same(body('some k, v in {"a": 1}'), ['some k, v in {"a": 1}']);
  t.same(body('every k, v in xs { v > k }'), ['every k, v in xs { gt(v, k) }']);
  t.same(body('every v in xs { v }'), ['every v in xs { v }']);
  t.same(body('not p with input as {} with data.x as 1'), ['not p with input as {} with data["x"] as 1']);
  t.same(body('a or b and not c'), ['(a or (b and not c))']);
  t.same(body('not (a or b)'), ['not (a or b)']);
  t.same(body('(a with input as 1) and b'), ['(a with input as 1 and b)']);
  t.same(body('{ x := 1; x > 0 } and { true }'), ['({ assign(x, 1); gt(x, 0) } and { true })']);
  t.same(body('not { false }'), ['not { false }']);
  t.same(body('not not { a }'), ['not { not { a } }']);
  t.same(body('{ a or b }'), ['{ (a or b) }']);
  t.same(body('(1 + 2) * 3 == 9'), ['equal(mul(plus(1, 2), 3), 9)']);
  t.same(body('x := a | b & c'), ['assign(x, or(a, and(b, c)))']);
  t.same(body('x in xs'), ['internal.member_2(x, xs)']);
  t.same(body('k, v in xs'), ['internal.member_3(k, v, xs)']);
  t.same(body('x := -1 - -2.5 % 3 / 4'), ['assign(x, minus(-1, div(rem(-2.5, 3), 4)))']);
  t.same(body('x := .5'), ['assign(x, 0.5)']);
  t.same(body('x := f(1)[0].a; y := set(); z := data.p.q(1)'), [
    'assign(x, f(1)[0]["a"])',
    'assign(y, {})',
    'assign(z, data["p"]["q"](1))',
  ]);
  t.same(body('x := {"a": 1, "b": [1,], }'), ['assign(x, {"a": 1, "b": [1]})']);
  t.same(body('x := {k: v | some k, v in o}; y := {s | s := 1}'), [
    'assign(x, objectcompr(k: v | some k, v in o))',
    'assign(y, setcompr(s | assign(s, 1)))',
  ]);
  t.same(body('x := [, 1]; y := {, 2}'), ['assign(x, [1])', 'assign(y, {2})']);
  t.same(body('x := $"a {y} {z + 1}"'), ['assign(x, $("a " y " " plus(z, 1)))']);
  t.same(body('true.foo == null.bar'), ['equal(true["foo"], null["bar"])']);
  t.same(body('x := 9007199254740993'), ['assign(x, 9007199254740993)']);
  t.throws(() => body('count(x) > 0; x [0]'), { message: 'query:1:17: rego_parse_error: unexpected [ token: expected \\n or ; or eof' });
  t.same(body('x := `a\\b`'), ['assign(x, "a\\\\b")']);
});

t.test('rule bodies after if', async (t) => {
  const m = parseModule('package p\np if { a } or { b }\nq if { x := 1; x > 0 }\nr if {"a": 1}["a"] == 1\n', 'm');
  t.same(m.rules.map((r) => r.body.map(showExpr).join('; ')), [
    '({ a } or { b })',
    'assign(x, 1); gt(x, 0)',
    'equal({"a": 1}["a"], 1)',
  ]);
});

t.test('parse errors name file, line and column', async (t) => {
  const cases: [string, string][] = [
    ['p := 1', 'a.rego:1:1: rego_parse_error: package expected'],
    ['package p\n\nx := 1 +\n', 'a.rego:4:1: rego_parse_error: unexpected eof token'],
    ['package p\nallow if {\n  input.x ==\n}\n', 'a.rego:4:1: rego_parse_error: unexpected } token'],
    ['package p\nallow {\n  true\n}', 'a.rego:2:7: rego_parse_error: `if` keyword is required before rule body'],
    ['package p\np if { x := 01 }', 'a.rego:2:13: rego_parse_error: unexpected number token: expected number without leading zero'],
    ['package p\nimport foo.bar', 'a.rego:2:1: rego_parse_error: unexpected import path, must begin with one of: {data, future, input, rego}, got: foo'],
    ['package p\nimport data.x.if', 'a.rego:2:1: rego_parse_error: unexpected import path, must not end with a keyword, got: if'],
    ['package p\nimport data.x as 1', 'a.rego:2:18: rego_parse_error: unexpected number token: expected var'],
    ['package p\ndefault p := input.x', 'a.rego:2:1: rego_parse_error: illegal default rule (value cannot contain ref)'],
    ['package p\ndefault p := [x]', 'a.rego:2:1: rego_parse_error: illegal default rule (value cannot contain var)'],
    ['package p\ndefault p := {f(1): 1}', 'a.rego:2:1: rego_parse_error: illegal default rule (value cannot contain call)'],
    ['package p\ndefault p', 'a.rego:2:1: rego_parse_error: illegal default rule (must have a value)'],
    ['package p\np if { every x in [1] { } }', 'a.rego:2:25: rego_parse_error: found empty body'],
    ['package p\np if { every x in xs }', 'a.rego:2:22: rego_parse_error: unexpected } token: missing body'],
    ['package p\np if { every 1 in xs { true } }', 'a.rego:2:8: rego_parse_error: unexpected expression: expected value to be a variable'],
    ['package p\np if { every [k], v in xs { true } }', 'a.rego:2:8: rego_parse_error: unexpected expression: expected key to be a variable'],
    ['package p\np if { every x { true } }', 'a.rego:2:8: rego_parse_error: unexpected expression: expected `x[, y] in xs { ... }` expression'],
    ['package p\np if { some 1 }', 'a.rego:2:13: rego_parse_error: unexpected number token: expected var'],
    ['package p\np if { not some x in y }', 'a.rego:2:12: rego_parse_error: unexpected some keyword: illegal negation of \'some\''],
    ['package p\np if { x := 1 y := 2 }', 'a.rego:2:15: rego_parse_error: unexpected ident token: expected \\n or ; or }'],
    ['package p\np if { x with 1 as 2 }', 'a.rego:2:15: rego_parse_error: unexpected number token: expected ident'],
    ['package p\np if { x with input 2 }', 'a.rego:2:21: rego_parse_error: unexpected number token: expected as keyword'],
    ['package p\np if { x with f(1) as 2 }', 'a.rego:2:10: rego_parse_error: unexpected with target: expected with target path'],
    ['package p\np contains x if { x := 1 } else := 2', 'a.rego:2:28: rego_parse_error: else keyword cannot be used on multi-value rules'],
    ['package p\np[x] := 1 if { x := 1 } else := 2', 'a.rego:2:25: rego_parse_error: else keyword cannot be used on rules with variables in head'],
    ['package p\np := 1 if { true } else 2', 'a.rego:2:25: rego_parse_error: unexpected number token: expected else value term or rule body'],
    ['package p\nf(x) contains 1', 'a.rego:2:6: rego_parse_error: unexpected contains keyword: the contains keyword can only be used with multi-value rule definitions (e.g., f contains <VALUE> { ... })'],
    ['package p\ninput := 1', 'a.rego:2:1: rego_parse_error: rule name conflicts with built-in or root document'],
    ['package p\np if', 'a.rego:2:5: rego_parse_error: unexpected eof token'],
    ['package p\np', 'a.rego:2:2: rego_parse_error: unexpected eof token: expected rule body'],
    ['package p\npackage q', 'a.rego:2:1: rego_parse_error: unexpected package keyword'],
    ['package 1', 'a.rego:1:9: rego_parse_error: unexpected number token: expected package path'],
    ['package p.1', 'a.rego:1:11: rego_parse_error: unexpected number token: expected ident'],
    ['package p[1]', 'a.rego:1:11: rego_parse_error: unexpected number token: expecting string'],
    ['package p\np := [1 2]', 'a.rego:2:9: rego_parse_error: unexpected number token: expected "," or "]"'],
    ['package p\np := {1: 2 3}', 'a.rego:2:12: rego_parse_error: unexpected number token: non-terminated object'],
    ['package p\np := {1, 2 3}', 'a.rego:2:12: rego_parse_error: unexpected number token: non-terminated set'],
    ['package p\np := {1: 2, 3}', 'a.rego:2:14: rego_parse_error: unexpected } token: expected ":"'],
    ['package p\np := (1 + 2', 'a.rego:2:12: rego_parse_error: non-terminated expression'],
    ['package p\np := x.', 'a.rego:2:8: rego_parse_error: unexpected eof token: expected ident'],
    ['package p\np := x[1', 'a.rego:2:9: rego_parse_error: unexpected eof token: expected ]'],
    ['package p\np := "a"[0]', 'a.rego:2:9: rego_parse_error: illegal ref (head cannot be scalar)'],
    ['package p\np := 1(2)', 'a.rego:2:7: rego_parse_error: illegal call (operator cannot be scalar)'],
    ['package p\np := - x', 'a.rego:2:8: rego_parse_error: unexpected ident token: expected number'],
    ['package p\np := . x', 'a.rego:2:8: rego_parse_error: unexpected ident token: expected number'],
    ['package p\np := 1e999999', 'a.rego:2:6: rego_parse_error: number too big'],
    ['package p\np := $"{not x}"', 'a.rego:2:9: rego_parse_error: unexpected negation (\'not\') in template-string expression'],
    ['package p\np := $"{x = 1}"', 'a.rego:2:9: rego_parse_error: unexpected unification (\'=\') in template-string expression'],
    ['package p\np := $"{x := 1}"', 'a.rego:2:9: rego_parse_error: unexpected assignment (\':=\') in template-string expression'],
    ['package p\np := $"{some x}"', 'a.rego:2:9: rego_parse_error: unexpected \'some\' in template-string expression'],
    ['package p\np := $"{every x in y { x }}"', 'a.rego:2:9: rego_parse_error: unexpected \'every\' in template-string expression'],
    ['package p\np := $"{x; y}"', 'a.rego:2:10: rego_parse_error: expected } to end template string expression'],
    ['package p\np[x y] := 1', 'a.rego:2:5: rego_parse_error: unexpected ident token: expected ]'],
    ['package p\np.1 := 1', 'a.rego:2:3: rego_parse_error: unexpected number token: expected ident'],
  ];
  for (const [src, msg] of cases) t.equal(parseError(src), msg, JSON.stringify(src));
  const e = (() => {
    try {
      parseModule('package p\n\np := [', 'x.rego');
    } catch (err) {
      return err as RegoError;
    }
  })()!;
  t.match(e, { code: 'rego_parse_error', file: 'x.rego', row: 3, col: 7, text: 'unexpected eof token' });
});

t.test('queries and terms', async (t) => {
  t.throws(() => parseQuery(''), { message: 'query:1:1: rego_parse_error: empty query' });
  t.throws(() => parseQuery('x = 1 )'), { message: 'query:1:7: rego_parse_error: unexpected ) token: expected \\n or ; or eof' });
  t.equal(show(parseTermSource('{"a": [1, {2}], "b": set()}')), '{"a": [1, {2}], "b": {}}');
  t.throws(() => parseTermSource('1 2'), { message: 'term:1:3: rego_parse_error: unexpected number token' });
  const v = parseTerm('{"x": {1, 2, 3, "a"}, "y": set(), "z": [null, true, -1.5],}');
  t.ok(v instanceof RegoObject);
  const o = v as RegoObject;
  t.ok(o.get('x') instanceof RegoSet);
  t.equal((o.get('x') as RegoSet).size, 4);
  t.equal((o.get('y') as RegoSet).size, 0);
  t.same(o.get('z'), [null, true, -1.5]);
  t.throws(() => parseTerm('[x]'), { message: 'term:1:2: rego_parse_error: term is not ground: var' });
});
