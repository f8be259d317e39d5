// Compile-time checks of the Rego engine: safety (with OPA's body reordering),
// unknown functions and arity, recursion, rule conflicts, `with` targets, and
// the compiled policy's description of itself.

import t from 'tap';
import { compileModules, RegoError } from '../../lib/policy/rego/index.js';

function compileError(...sources: string[]): string {
  try {
    compileModules(sources.map((source, i) => ({ name: `m${i}.rego`, source })));
  } catch (e) {
    if (e instanceof RegoError) return e.message;
    throw e;
  }
  return 'no error';
}

t.test('compile errors', async (t) => {
  const cases: [string, string][] = [
    ['package p\np if { x }', 'm0.rego:2:8: rego_unsafe_var_error: var x is unsafe'],
    ['package p\np if { y := x }', 'm0.rego:2:13: rego_unsafe_var_error: var x is unsafe'],
    ['package p\np if { count(x, n) }', 'm0.rego:2:14: rego_unsafe_var_error: var x is unsafe'],
    ['package p\np if { not x = 1 }', 'no error'],
    ['package p\np if { not q[x]; x > 1 }\nq := {1}', 'm0.rego:2:14: rego_unsafe_var_error: var x is unsafe'],
    ['package p\np[x] if { true }', 'm0.rego:2:3: rego_unsafe_var_error: var x is unsafe'],
    ['package p\np := [x | true]', 'm0.rego:2:7: rego_unsafe_var_error: var x is unsafe'],
    ['package p\np if { xs := [y | y := 1]; every v in xs { v > z } }', 'm0.rego:2:48: rego_unsafe_var_error: var z is unsafe'],
    ['package p\np if { foo(1) }', 'm0.rego:2:8: rego_type_error: undefined function foo'],
    ['package p\np := data.p.q(1)\nq := 1', 'm0.rego:2:6: rego_type_error: undefined function data.p.q'],
    ['package p\np := x(1) if x := 1', 'm0.rego:2:6: rego_type_error: undefined function x'],
    ['package p\np if { count(1, 2, 3) }', 'm0.rego:2:8: rego_type_error: count: arity mismatch\n\thave: 3 operand(s)\n\twant: 1'],
    ['package p\np := count(1, 2)', 'm0.rego:2:6: rego_type_error: count: arity mismatch\n\thave: 2 operand(s)\n\twant: 1'],
    ['package p\nf(x) := x\np := f(1, 2, 3)', 'm0.rego:3:6: rego_type_error: data.p.f: arity mismatch\n\thave: 3 operand(s)\n\twant: 1'],
    ['package p\np := graphql.parse_query("{}")', 'm0.rego:2:6: rego_type_error: unsupported built-in function graphql.parse_query: GraphQL schema/query parsing is not implemented in YORI'],
    ['package p\np if { q }\nq if { p }', 'm0.rego:2:1: rego_recursion_error: rule data.p.p is recursive: data.p.p -> data.p.q -> data.p.p'],
    ['package p\nf(x) := g(x)\ng(x) := f(x)', 'm0.rego:2:1: rego_recursion_error: rule data.p.f is recursive: data.p.f -> data.p.g -> data.p.f'],
    ['package p\np := count(data.p)', 'm0.rego:2:1: rego_recursion_error: rule data.p.p is recursive: data.p.p -> data.p.p'],
    ['package p\np := x if { data[y].p = x }', 'm0.rego:2:1: rego_recursion_error: rule data.p.p is recursive: data.p.p -> data.p.p'],
    ['package p\np if { q with count as f }\nq if count([]) == 0\nf(x) := 1 if p', 'm0.rego:2:1: rego_recursion_error: rule data.p.p is recursive: data.p.p -> data.p.f -> data.p.p'],
    ['package p\np := 1\np contains 2', 'm0.rego:2:1: rego_type_error: conflicting rules data.p.p found'],
    ['package p\np := 1\np(x) := x', 'm0.rego:2:1: rego_type_error: conflicting rules data.p.p found'],
    ['package p\np(x) := x\np(x, y) := x', 'm0.rego:3:1: rego_type_error: conflicting rules data.p.p found'],
    ['package p\ndefault p := 1\ndefault p := 2', 'm0.rego:3:1: rego_type_error: multiple default rules data.p.p found'],
    ['package p\np if { x := 1; x := 2 }', 'm0.rego:2:16: rego_compile_error: var x assigned above'],
    ['package p\np if { input := 1 }', 'm0.rego:2:8: rego_compile_error: variables must not shadow input (use a different variable name)'],
    ['package p\nf(data) := 1', 'm0.rego:2:3: rego_compile_error: args must not shadow data (use a different variable name)'],
    ['package p\np if { [1, x] := [1, 2] }', 'no error'],
    ['package p\np if { f(x) := 1 }', 'm0.rego:2:8: rego_compile_error: cannot assign to call'],
    ['package p\np if { true with foo as 1 }', 'm0.rego:2:18: rego_compile_error: with keyword target must reference existing input, data, or a function'],
    ['package p\np if { true with input[x] as 1; x := "a" }', 'm0.rego:2:18: rego_compile_error: with keyword target must reference existing input, data, or a function'],
    ['package p\np if { true with input.x[0] as 1 }', 'no error'],
    ['package p\nf(x).y := 1', 'm0.rego:2:5: rego_parse_error: unexpected . token: expected rule body'],
    ['package p\np[x].f(y) := 1', 'm0.rego:2:1: rego_type_error: function rule heads must be ground'],
    ['package p\np := "a".b', 'm0.rego:2:6: rego_type_error: illegal ref (head cannot be string)'],
    ['package p\np := x.y if x := 1', 'no error'],
    ['package p\np := $"{x}"', 'm0.rego:2:9: rego_unsafe_var_error: var x is unsafe'],
    ['package p\np := $"{x | y}" if { x := {1}; y := {2} }', 'no error'],
    ['package p\np := {a: 1 | a := b}', 'm0.rego:2:19: rego_unsafe_var_error: var b is unsafe'],
  ];
  for (const [src, msg] of cases) t.equal(compileError(src), msg, JSON.stringify(src));
  t.equal(compileError('package p\np := q.r', 'package p\nq.r := 1'), 'no error', 'rule refs span modules of one package');
  t.equal(compileError('package p\nimport data.q.f\np := f(1)', 'package q\nf(x) := x'), 'no error', 'imported functions');
  t.equal(compileError('package p\nimport data.q\np := q.f(1)', 'package q\nf(x) := x'), 'no error');
});

t.test('refs into scalars are undefined', async (t) => {
  const p = compileModules([{ name: 'a.rego', source: 'package p\nq := x.y if x := 1\nr := 1' }]);
  t.same(p.prepare('x := data.p').eval().results, [{ x: { r: 1 } }]);
});

t.test('bodies are reordered for safety, as OPA does', async (t) => {
  const p = compileModules([
    {
      name: 'a.rego',
      source: `package p
a := y if { y = x + 1; x = 2 }
b := [v | v := s[_]] if { s := [3, 1] }
c := [x, y] if { [x, 1] = [2, y] }
d := z if { z = w; w = [u, 2]; u = 1 }
e if { not x = 1; x = 2 }
f := n if { n == ys[n]; ys = [5, 1] }
g contains k if { some k; input.m[k] }
`,
    },
  ]);
  const q = p.prepare('x := data.p');
  t.same(q.eval({ input: { m: { a: 1, b: 2 } } }).results, [
    { x: { a: 3, b: [3, 1], c: [2, 1], d: [1, 2], e: true, f: 1, g: ['a', 'b'] } },
  ]);
});

t.test('packages() and rules()', async (t) => {
  const p = compileModules([
    { name: 'a.rego', source: 'package yori.a\nimport rego.v1\ndeny contains "x" if true\nwarn contains "y"\nf(x) := x' },
    { name: 'b.rego', source: 'package yori.a\n\n\nallow := true' },
    { name: 'c.rego', source: 'package yori["b-c"]\nx.y.z := 1' },
  ]);
  t.same(p.packages(), ['data.yori.a', 'data.yori.b-c']);
  t.same(p.rules(), [
    { path: ['data', 'yori', 'a'], name: 'deny', file: 'a.rego', row: 3 },
    { path: ['data', 'yori', 'a'], name: 'warn', file: 'a.rego', row: 4 },
    { path: ['data', 'yori', 'a'], name: 'f', file: 'a.rego', row: 5 },
    { path: ['data', 'yori', 'a'], name: 'allow', file: 'b.rego', row: 4 },
    { path: ['data', 'yori', 'b-c'], name: 'x.y.z', file: 'c.rego', row: 2 },
  ]);
  t.throws(() => p.prepare('x := '), { code: 'rego_parse_error' });
  t.throws(() => p.prepare('x := nope(1)'), { message: 'query:1:6: rego_type_error: undefined function nope' });
});

t.test('METADATA annotations and rego.metadata.*', async (t) => {
  const p = compileModules([
    {
      name: 'a.rego',
      source: `# METADATA
# scope: subpackages
# organizations: [YORI]
package yori
`,
    },
    {
      name: 'b.rego',
      source: `# METADATA
# title: bedtime
package yori.bed

# METADATA
# scope: document
# description: the decision
# related_resources:
# - https://example.com/doc
# - {ref: "https://example.com/x", description: x}
deny contains "a" if false

# METADATA
# authors:
# - Alice <alice@example.com>
# - <bob@example.com>
# - Carol
# custom: {severity: high}
deny contains m if m := rego.metadata.rule()

chain := rego.metadata.chain()

# a normal comment
plain if rego.metadata.chain()
`,
    },
  ]);
  const r = p.prepare('d := data.yori.bed.deny; c := data.yori.bed.chain').eval();
  t.same(r.results[0]!.d, [
    {
      authors: [{ name: 'Alice', email: 'alice@example.com' }, { email: 'bob@example.com' }, { name: 'Carol' }],
      custom: { severity: 'high' },
      scope: 'rule',
    },
  ]);
  t.same(r.results[0]!.c, [
    { path: ['yori', 'bed', 'chain'] },
    { path: ['yori', 'bed'], annotations: { scope: 'package', title: 'bedtime' } },
    { path: ['yori'], annotations: { scope: 'subpackages', organizations: ['YORI'] } },
  ]);
  t.same(p.prepare('x := data.yori.bed.plain; y := rego.metadata.rule(); z := rego.metadata.chain()').eval().results, [
    { x: true, y: {}, z: [] },
  ]);
  const docChain = compileModules([
    {
      name: 'c.rego',
      source: 'package q\n# METADATA\n# scope: document\n# description: doc\np := 1 if false\np := rego.metadata.chain()',
    },
  ]);
  t.same(docChain.prepare('x := data.q.p').eval().results[0]!.x, [
    { path: ['q', 'p'] },
    { path: ['q', 'p'], annotations: { scope: 'document', description: 'doc' } },
  ]);
  t.match(compileError('package p\n# METADATA\n# title: [\np := 1'), /^m0\.rego:2:1: rego_parse_error: yaml: /);
  t.equal(compileError('package p\n# METADATA\n# - 1\np := 1'), 'm0.rego:2:1: rego_parse_error: yaml: the METADATA block must be a mapping');
  t.equal(compileError('package p\n# METADATA\n# scope: everything\np := 1'), "m0.rego:2:1: rego_parse_error: invalid annotation scope 'everything'");
  t.equal(compileError('package p\np := rego.metadata.rule(1)'), 'm0.rego:2:6: rego_type_error: rego.metadata.rule: arity mismatch\n\thave: 1 operand(s)\n\twant: 0');
});
