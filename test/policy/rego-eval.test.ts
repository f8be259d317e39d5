// Evaluation semantics of the Rego engine: undefined vs false, negation,
// defaults and else, virtual documents over base data, iteration and
// unification, comprehensions, `with`, conflicts, built-in errors.

import t from 'tap';
import { compileModules, parseTerm, type EvalOptions, type QueryResult } from '../../lib/policy/rego/index.js';
import { RegoObject, RegoSet, fromJSON } from '../../lib/policy/rego/value.js';

function run(src: string | string[], query: string, opts?: EvalOptions): QueryResult {
  const mods = (Array.isArray(src) ? src : [src]).map((source, i) => ({ name: `m${i}.rego`, source }));
  return compileModules(mods).prepare(query).eval(opts);
}

/** The value of `x` in the only solution, or undefined when there is none. */
function value(src: string | string[], query = 'x := data.p.p', opts?: EvalOptions): unknown {
  const r = run(src, query, opts);
  if (r.error) throw r.error;
  return r.results.length ? r.results[0]!.x : undefined;
}

const pkg = (body: string): string => `package p\nimport rego.v1\n${body}`;

t.test('undefined, false and negation', async (t) => {
  t.equal(value(pkg('p if false')), undefined);
  t.equal(value(pkg('p if input.missing')), undefined);
  t.equal(value(pkg('p if not input.missing')), true);
  t.equal(value(pkg('p if not false')), true);
  t.equal(value(pkg('p if not 0')), undefined, 'only false and undefined are falsy');
  t.equal(value(pkg('p := 1 if { x := false; not x }')), 1);
  t.equal(value(pkg('default p := false\np if input.ok')), false);
  t.equal(value(pkg('default p := false\np if input.ok'), undefined, { input: { ok: true } }), true);
  t.same(run(pkg('p if false'), 'data.p.p = x').results, []);
  t.same(run(pkg('p if false'), 'not data.p.p').results, [{}]);
});

t.test('else chains and functions', async (t) => {
  const src = pkg(`
p := "a" if input.x == 1
else := "b" if input.x == 2
else := "c"
f(x) := "neg" if x < 0
f(x) := "pos" if x > 0
default f(_) := "zero"
g([a, b]) := a + b
h(x) := y if { y := x * 2 } else := 0
`);
  t.equal(value(src, 'x := data.p.p', { input: { x: 1 } }), 'a');
  t.equal(value(src, 'x := data.p.p', { input: { x: 2 } }), 'b');
  t.equal(value(src, 'x := data.p.p', { input: { x: 3 } }), 'c');
  t.same(value(src, 'x := [data.p.f(-1), data.p.f(1), data.p.f(0)]'), ['neg', 'pos', 'zero']);
  t.equal(value(src, 'x := data.p.g([1, 2])'), 3);
  t.equal(value(src, 'x := data.p.g([1])'), undefined);
  t.equal(value(src, 'x := data.p.h(2)'), 4);
  t.equal(value(src, 'x := data.p.h("a")'), 0);
  t.equal(value(src, 'data.p.g([1, 2], x)'), 3, 'output operand of a user function');
  t.equal(value(src, 'count([1, 2], x)'), 2, 'output operand of a built-in');
});

t.test('partial sets, objects and ref heads', async (t) => {
  const src = pkg(`
s contains x if some x in [3, 1, 2, 1]
o[k] := v if some k, v in {"a": 1, "b": 2}
r.a.b := 1
r.a.c contains "x"
r[k].d := 2 if k := "z"
t[x] if x := "flag"
`);
  t.same(value(src, 'x := data.p.s'), [1, 2, 3]);
  t.same(value(src, 'x := data.p.o'), { a: 1, b: 2 });
  t.same(value(src, 'x := data.p.r'), { a: { b: 1, c: ['x'] }, z: { d: 2 } });
  t.same(value(src, 'x := data.p.t'), { flag: true });
  t.same(value(src, 'x := data.p.o.b'), 2);
  t.equal(value(src, 'x := data.p.s[2]'), 2);
  t.equal(value(src, 'x := data.p.s[4]'), undefined);
  t.same(run(src, 'data.p.o[k] = v').results, [
    { k: 'a', v: 1 },
    { k: 'b', v: 2 },
  ]);
  t.same(run(src, 'data.p[name].a.b = 1').results, [{ name: 'r' }]);
});

t.test('base data and virtual documents', async (t) => {
  const mods = [pkg('p := 1'), 'package q.r\nimport rego.v1\nv := input.v', 'package empty'];
  const opts = { data: { q: { base: true, r: { w: 2 } }, n: { '2': 'two' } }, input: { v: 'iv' } };
  t.same(value(mods, 'x := data', opts), {
    p: { p: 1 },
    q: { base: true, r: { v: 'iv', w: 2 } },
    empty: {},
    n: { '2': 'two' },
  });
  t.same(value(mods, 'x := data.q', opts), { base: true, r: { v: 'iv', w: 2 } });
  t.equal(value(mods, 'x := data.n[2]', opts), 'two', 'number keys find string keys of base documents');
  t.same(run(mods, 'data.q.r[k]', opts).results.map((r) => r.k), ['v', 'w']);
  t.same(run(mods, 'data[k].r.w = 2', opts).results, [{ k: 'q' }]);
  t.equal(value(mods, 'x := data.q.r.v.length', opts), undefined);
  t.same(value(mods, 'x := data.empty', opts), {});
  t.equal(value([pkg('k := "rule"')], 'x := data.p.k', { data: { p: { k: 'base' } } }), 'rule');
  t.same(value([pkg('k := "rule"')], 'x := data.p', { data: { p: { k: 'base' } } }), { k: 'base' }, 'base data wins when merged');
});

t.test('iteration, membership and unification', async (t) => {
  t.same(run(pkg(''), 'some x in [1, 2]').results, [{ x: 1 }, { x: 2 }], 'declared query variables are results too');
  t.same(run(pkg(''), 'x := [1, 2][_]').results, [{ x: 1 }, { x: 2 }]);
  t.same(run(pkg(''), '[x, 1] = [2, y]').results, [{ x: 2, y: 1 }]);
  t.same(run(pkg(''), '[x, y] = [y, 1]').results, [{ x: 1, y: 1 }]);
  t.same(run(pkg(''), '{"a": x, "b": [y]} = {"a": 1, "b": [2]}').results, [{ x: 1, y: 2 }]);
  t.same(run(pkg(''), '{"a": x} = {"a": 1, "b": 2}').results, []);
  t.same(run(pkg(''), '[x] = [1, 2]').results, []);
  t.same(run(pkg(''), 'x = {"k": [1, 2]}["k"][i]').results, [
    { x: 1, i: 0 },
    { x: 2, i: 1 },
  ]);
  t.same(run(pkg(''), 'some k, v in {"a": 1}').results, [{ k: 'a', v: 1 }]);
  t.same(run(pkg(''), 'xs := {"b", "a"}; some x in xs').results.length, 2);
  t.same(run(pkg(''), 'x := {"a": {"b": 1}}[k][j]').results, [{ x: 1, k: 'a', j: 'b' }]);
  t.same(run(pkg(''), '[[a, b]] = [[1, 2]]; c = [a, b][_]').results, [
    { a: 1, b: 2, c: 1 },
    { a: 1, b: 2, c: 2 },
  ]);
  t.same(run(pkg(''), 'some [a, b] in [[1, 2], [3]]').results, [{ a: 1, b: 2 }]);
  t.throws(() => run(pkg(''), 'x := "s"[0]'), { code: 'rego_parse_error' }, 'strings are not indexable');
  t.same(run(pkg(''), 'x := {1, 2}[_]').results, [{ x: 1 }, { x: 2 }]);
  t.same(run(pkg(''), '2 in {1, 2}; not 3 in [1, 2]; "k", 1 in {"k": 1}').results, [{}]);
  t.same(run(pkg(''), 'x := [1, 2][1.0]').results, [{ x: 2 }]);
  t.throws(() => run(pkg(''), 'x := [1, 2][y]; y := "0"'), { message: 'query:1:17: rego_compile_error: var y referenced above' });
  t.same(run(pkg(''), 'x := {[1]: "a"}[[y]]').results, [{ x: 'a', y: 1 }]);
});

t.test('every', async (t) => {
  const src = pkg('p if every x in input.xs { x > 0 }\nq if every k, v in {"a": 1} { k == "a"; v == 1 }');
  t.equal(value(src, 'x := data.p.p', { input: { xs: [1, 2] } }), true);
  t.equal(value(src, 'x := data.p.p', { input: { xs: [1, -2] } }), undefined);
  t.equal(value(src, 'x := data.p.p', { input: { xs: [] } }), true);
  t.equal(value(src, 'x := data.p.p', { input: { xs: 7 } }), undefined, 'a non-collection domain fails');
  t.equal(value(src, 'x := data.p.p', { input: {} }), undefined, 'an undefined domain fails');
  t.equal(value(src, 'x := data.p.q'), true);
});

t.test('comprehensions', async (t) => {
  t.same(value(pkg(''), 'x := [y | some y in {3, 1, 2}]'), [1, 2, 3], 'sets iterate in sorted order');
  t.same(value(pkg(''), 'x := [k | some k, _ in {"b": 1, "a": 2}]'), ['a', 'b']);
  t.same(value(pkg(''), 'x := {y | some y in [1, 1, 2]}'), [1, 2]);
  t.same(value(pkg(''), 'x := {k: v | some k, v in ["a", "b"]}'), { '0': 'a', '1': 'b' });
  t.same(value(pkg(''), 'x := [y | y := 1; false]'), []);
  t.same(value(pkg(''), 'y := 2; x := [z | z := [1, 2, 3][_]; z > y]'), [3], 'closures see outer bindings');
  const r = run(pkg(''), 'x := {"k": v | some v in [1, 2]}');
  t.equal(r.error?.code, 'eval_conflict_error');
  t.match(r.error?.message, /^query:1: eval_conflict_error: object keys must be unique$/);
});

t.test('numbers, comparison and types', async (t) => {
  t.equal(value(pkg(''), 'x := 1 == 1.0'), true);
  t.equal(value(pkg(''), 'x := 9007199254740993 > 9007199254740992'), true);
  t.equal(value(pkg(''), 'x := 9007199254740993'), 9007199254740993n);
  t.equal(value(pkg(''), 'x := null < false'), true);
  t.equal(value(pkg(''), 'x := [1] < {"a": 1}'), true);
  t.equal(value(pkg(''), 'x := {"a": 1} < {1}'), true);
  t.equal(value(pkg(''), 'x := "a" < "b"'), true);
  t.same(value(pkg(''), 'x := {1, 1.0, "1"}'), [1, '1']);
  t.same(value(pkg(''), 'x := {[1]: 2}'), { '[1]': 2 }, 'non-string keys are JSON-encoded in results');
  t.equal(value(pkg(''), 'x := 7 / 2'), 3.5);
  t.equal(value(pkg(''), 'x := -1'), -1);
});

t.test('with', async (t) => {
  const src = pkg(`
p := input.x
q := data.cfg.v
r := count([1])
s := f(1)
f(x) := x + 1
mock(_) := 10
nested if { p == 5 with input.x as 5 }
u := [p, data.cfg.v] if true
`);
  t.equal(value(src, 'x := data.p.p with input as {"x": 1}'), 1);
  t.equal(value(src, 'x := data.p.p with input.x as 2', { input: { x: 1, y: 0 } }), 2);
  t.equal(value(src, 'x := data.p.q with data.cfg.v as 3', { data: { cfg: { v: 1 } } }), 3);
  t.equal(value(src, 'x := data.p.q with data.cfg as {"v": 4}'), 4);
  t.equal(value(src, 'x := data.p.r with count as 7'), 7);
  t.equal(value(src, 'x := data.p.r with count as data.p.mock'), 10);
  t.equal(value(src, 'x := data.p.s with data.p.f as data.p.mock'), 10);
  t.equal(value(src, 'x := data.p.s with data.p.f as 9'), 9);
  t.equal(value(src, 'x := data.p.p with data.p.p as "over"'), 'over');
  t.equal(value(src, 'x := data.p.nested'), true);
  t.same(value(src, 'x := data.p.u with input.x as 1 with data.cfg.v as 2'), [1, 2]);
  t.same(value(src, 'x := data.p with data.p.extra as 1'), { extra: 1, nested: true, r: 1, s: 2 });
  t.equal(value(src, 'x := data.p.p with input.x as input.none'), undefined, 'an undefined replacement makes the expression undefined');
  t.equal(value(src, 'not data.p.p with input.x as 3; x := 1'), undefined);
  t.equal(value(src, 'x := data.p.r', undefined), 1, 'mocks end with their expression');
});

t.test('conflicts are errors in any mode', async (t) => {
  const r1 = run(pkg('p := 1\np := 2'), 'x := data.p.p');
  t.match(r1.error, { code: 'eval_conflict_error', message: 'm0.rego:4: eval_conflict_error: complete rules must not produce multiple outputs' });
  const r2 = run(pkg('f(x) := 1\nf(x) := 2'), 'x := data.p.f(0)');
  t.match(r2.error?.message, /functions must not produce multiple outputs for same inputs$/);
  const r3 = run(pkg('o[k] := v if { some v in [1, 2]; k := "a" }'), 'x := data.p.o');
  t.match(r3.error?.message, /object keys must be unique$/);
  const r4 = run(pkg('p := x if some x in [1, 2]'), 'x := data.p.p');
  t.match(r4.error?.message, /complete rules must not produce multiple outputs$/);
  const r5 = run(pkg('a.b := 1\na[k] := 2 if k := "b"'), 'x := data.p.a');
  t.match(r5.error?.message, /object keys must be unique$/);
  t.same(run(pkg('p := 1\np := 1'), 'x := data.p.p').results, [{ x: 1 }], 'equal values do not conflict');
});

t.test('built-in errors: undefined, or the error in strict mode', async (t) => {
  const src = pkg('p := 1 / 0\nq := x if { some x in [1, 2]; y := 1 / (x - 1) }');
  t.same(run(src, 'x := data.p.p').results, []);
  t.equal(run(src, 'x := data.p.p').error, null);
  const strict = run(src, 'x := data.p.p', { strictBuiltinErrors: true });
  t.match(strict.error, { code: 'eval_builtin_error', message: 'm0.rego:3: eval_builtin_error: div: divide by zero' });
  const partial = run(pkg('s contains x if { some v in [0, 1]; x := 1 / v }'), 'x := data.p.s', { strictBuiltinErrors: true });
  t.same(partial.results, [{ x: [1] }], 'solutions found around the error are kept');
  t.equal(partial.error?.code, 'eval_builtin_error');
  const type = run(pkg('p := count(input.x)'), 'x := data.p.p', { strictBuiltinErrors: true, input: { x: 1 } });
  t.match(type.error, { code: 'eval_type_error' });
});

t.test('time.now_ns is fixed per query; print and templates', async (t) => {
  const r = value(pkg('a := time.now_ns()\nb := time.now_ns()'), 'x := [data.p.a, data.p.b]', { nowNs: 42n });
  t.same(r, [42, 42]);
  const lines: string[] = [];
  t.equal(value(pkg('p if print("v:", input.a, input.b)'), undefined, { input: { a: [1] }, print: (l) => lines.push(l) }), true);
  t.same(lines, ['v: [1] <undefined>']);
  t.equal(value(pkg('p := $"{input.a}-{input.b}-{1 + 1}"'), undefined, { input: { a: 'x' } }), 'x-<undefined>-2');
  t.equal(value(pkg('p := $"{q with input as {"k": 1}}"\nq := input.k')), '1');
  const multi = run(pkg('p := $"{input.xs[_]}"'), 'x := data.p.p', { input: { xs: [1, 2] } });
  t.match(multi.error, { code: 'eval_conflict_error' }, 'a template expression with two values is an error');
  t.equal(value(pkg('p if trace("note")')), true);
});

t.test('inputs and data as Rego values; API results', async (t) => {
  const p = compileModules([{ name: 'a.rego', source: pkg('p := input.s\nq := count(data.d)') }]);
  const q = p.prepare('x := data.p.p; y := data.p.q');
  const input = new RegoObject([['s', new RegoSet([2, 1])]]);
  const r = q.evalValues({ input, data: fromJSON({ d: [1, 2, 3] }) });
  t.ok(r.results[0]!.x instanceof RegoSet);
  t.same(q.eval({ input, data: { d: [] } }).results, [{ x: [1, 2], y: 0 }]);
  t.same(q.eval({ input: { s: 'v' }, data: null }).results, [], 'no data: data.d is undefined');
});

t.test('runaway evaluation is cancelled', async (t) => {
  const src = pkg('p := count([1 | some a in numbers.range(1, 400); some b in numbers.range(1, 400); some c in numbers.range(1, 400)])');
  const r = run(src, 'x := data.p.p', { timeoutMs: 20 });
  t.match(r.error, { code: 'eval_cancel_error' });
});

t.test('internal errors are reported, not thrown', async (t) => {
  const p = compileModules([{ name: 'a.rego', source: pkg('p := input.x') }]);
  const bad = { get x(): never { throw new Error('boom'); } };
  const r = p.prepare('x := data.p.p').eval({ input: bad });
  t.match(r.error, { code: 'eval_internal_error' });
});

t.test('keywords as rule names and in refs', async (t) => {
  const src = 'package p\nimport rego.v1\nif.foo := 1\nfoo.if := 2\ncontains.x contains "y"\ndefault not.q := 3';
  t.same(value(src, 'x := data.p'), { if: { foo: 1 }, foo: { if: 2 }, contains: { x: ['y'] }, not: { q: 3 } });
});

t.test('logic operators', async (t) => {
  const src = pkg(`
p if input.a or input.b
q if { input.a and input.b }
r := [1 | true or true]
s if { a := 1; { a := 2; a > 1 } and a == 1 }
`);
  t.equal(value(src, 'x := data.p.p', { input: { b: true } }), true);
  t.equal(value(src, 'x := data.p.q', { input: { a: true } }), undefined);
  t.equal(value(src, 'x := data.p.q', { input: { a: true, b: 1 } }), true);
  t.same(value(src, 'x := data.p.r'), [1]);
  t.equal(value(src, 'x := data.p.s'), true);
});

t.test('pathological nesting is an error, not a crash', async (t) => {
  const deep = '['.repeat(20000) + ']'.repeat(20000);
  t.throws(() => compileModules([{ name: 'a.rego', source: `package p\np := ${deep}` }]), {
    message: 'rego_compile_error: policy nested too deeply',
  });
  const p = compileModules([{ name: 'a.rego', source: 'package p\np := 1' }]);
  t.throws(() => p.prepare(`x := ${deep}`), { code: 'rego_compile_error' });
  t.throws(() => parseTerm(deep), { code: 'rego_compile_error' });
  let input: unknown = 1;
  for (let i = 0; i < 20000; i++) input = [input];
  const r = compileModules([{ name: 'a.rego', source: 'package p\np := count(input)' }]).prepare('x := data.p.p').eval({ input });
  t.ok(r.error === null || r.error.code === 'eval_internal_error', 'deep input is converted or reported');
});
