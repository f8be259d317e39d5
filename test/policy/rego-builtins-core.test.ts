import t from 'tap';
import { BUILTINS, BuiltinError, UNSUPPORTED_BUILTINS, newBuiltinContext } from '../../lib/policy/rego/builtins/index.js';
import { RegoObject, RegoSet } from '../../lib/policy/rego/value.js';
import { call, callIn, ctx, err, show } from './rego-builtins-helpers.js';

const set = (...xs: unknown[]) => new Set(xs);

t.test('registry', async (t) => {
  t.ok(BUILTINS.size > 150);
  for (const [name, def] of BUILTINS) t.equal(def.name, name);
  t.notOk(BUILTINS.has('graphql.parse'));
  t.match(UNSUPPORTED_BUILTINS.get('graphql.parse'), /GraphQL/);
  const c = newBuiltinContext();
  t.equal(c.strict, false);
  t.type(c.nowNs, 'bigint');
  t.ok(BUILTINS.get('time.now_ns')!.nondeterministic);
});

t.test('errors carry the built-in name and OPA code', async (t) => {
  t.equal(err('plus', 'a', 1), 'eval_type_error: plus: operand 1 must be number but got string');
  t.equal(err('div', 1, 0), 'eval_builtin_error: div: divide by zero');
  const def = BUILTINS.get('count')!;
  t.throws(() => def.fn([null], ctx()), BuiltinError);
});

t.test('arithmetic and comparison operators', async (t) => {
  t.equal(show('plus', 18446744073709551617n, 1), '18446744073709551618');
  t.equal(show('minus', 5, 7), '-2');
  t.equal(show('minus', set(1, 2, 3), set(2)), '{1, 3}');
  t.equal(err('minus', set(1), 1), 'eval_type_error: minus: operand 2 must be set but got number');
  t.equal(err('minus', 1, set(1)), 'eval_type_error: minus: operand 2 must be number but got set');
  t.equal(err('minus', 'x', 1), 'eval_type_error: minus: operand 1 must be one of {number, set} but got string');
  t.equal(show('mul', 6, 7), '42');
  t.equal(show('div', 1, 4), '0.25');
  t.equal(show('plus', 0.1, 0.2), '0.3', 'big.Float at 64 bits, printed shortest');
  t.equal(show('minus', 0.3, 0.1), '0.2');
  t.equal(show('minus', -0.5, 0.5), '-1');
  t.equal(show('mul', 0.1, 3), '0.3');
  t.equal(show('mul', 0.001, 0.001), '1e-06');
  t.equal(show('mul', 1e20, 1.5), '150000000000000000000');
  t.equal(show('mul', 1.5e20, 1e5), '15000000000000000000000000');
  t.equal(show('mul', 0.5, 0), '0');
  t.equal(show('div', 1, 3), '0.3333333333333333');
  t.equal(show('div', 7, -2), '-3.5');
  t.equal(show('div', 1, 0.1), '10');
  t.equal(show('div', 2.5e-5, 1), '2.5e-05');
  t.equal(show('plus', 1e-7, 1), '1.0000001');
  t.equal(show('plus', Infinity, 1.5), 'Infinity', 'non-finite doubles fall back to double maths');
  t.equal(show('minus', Infinity, 0.5), 'Infinity');
  t.equal(show('mul', Infinity, 0.5), 'Infinity');
  t.equal(show('div', Infinity, 0.5), 'Infinity');
  t.equal(err('div', 1.5, 0), 'eval_builtin_error: div: divide by zero');
  t.equal(show('div', 6, 3), '2');
  t.equal(show('rem', 7, 4), '3');
  t.equal(err('rem', 7, 0), 'eval_builtin_error: rem: modulo by zero');
  t.equal(err('rem', 1.1, 1), 'eval_builtin_error: rem: modulo on floating-point number');
  t.equal(show('lt', 1, 'a'), 'true');
  t.equal(show('lte', 1, 1), 'true');
  t.equal(show('gt', [2], [1, 5]), 'true');
  t.equal(show('gte', null, false), 'false');
  t.equal(show('equal', 1, 1.0), 'true');
  t.equal(show('neq', { a: 1 }, { a: 1 }), 'false');
  t.equal(show('and', set(1, 2), set(2, 3)), '{2}');
  t.equal(show('or', set(1), set(2)), '{1, 2}');
  t.equal(err('and', 1, set()), 'eval_type_error: and: operand 1 must be set but got number');
  t.equal(err('or', set(), 1), 'eval_type_error: or: operand 2 must be set but got number');
});

t.test('membership', async (t) => {
  t.equal(show('internal.member_2', 2, [1, 2]), 'true');
  t.equal(show('internal.member_2', 2, set(2)), 'true');
  t.equal(show('internal.member_2', 'v', { k: 'v' }), 'true');
  t.equal(show('internal.member_2', 'k', { k: 'v' }), 'false');
  t.equal(show('internal.member_2', 1, 'abc'), 'false');
  t.equal(show('internal.member_3', 'k', 'v', { k: 'v' }), 'true');
  t.equal(show('internal.member_3', 1, 'b', ['a', 'b']), 'true');
  t.equal(show('internal.member_3', 5, 'b', ['a', 'b']), 'false');
  t.equal(show('internal.member_3', 'a', 'a', set('a')), 'true');
  t.equal(show('internal.member_3', 'a', 'b', set('a')), 'false');
  t.equal(show('internal.member_3', 'a', 'b', 'ab'), 'false');
});

t.test('abs, round, ceil, floor, ranges', async (t) => {
  t.equal(show('abs', -10), '10');
  t.equal(show('abs', -(2n ** 70n)), String(2n ** 70n));
  t.equal(show('abs', -1.5), '1.5');
  t.equal(show('round', -2.5), '-3');
  t.equal(show('round', 2.5), '3');
  t.equal(show('round', 7), '7');
  t.equal(show('ceil', 1.01), '2');
  t.equal(show('ceil', -1.99999), '-1');
  t.equal(show('floor', -1.001), '-2');
  t.equal(err('floor', 'x'), 'eval_type_error: floor: operand 1 must be number but got string');
  t.equal(show('numbers.range', 1, 4), '[1, 2, 3, 4]');
  t.equal(show('numbers.range', 2, -1), '[2, 1, 0, -1]');
  t.equal(err('numbers.range', 3.14, 4), 'eval_type_error: numbers.range: operand 1 must be integer number but got floating-point number');
  t.equal(err('numbers.range', 3, 3.14), 'eval_type_error: numbers.range: operand 2 must be integer number but got floating-point number');
  t.equal(show('numbers.range_step', 0, 10, 3), '[0, 3, 6, 9]');
  t.equal(err('numbers.range', 0, 1e9), 'eval_builtin_error: numbers.range: range of more than 1048576 numbers');
  t.equal((call('numbers.range_step', 0, 1e9, 1000) as unknown[]).length, 1_000_001 - 0, 'the limit counts elements, not the span');
  t.equal(show('numbers.range_step', 10, 3, 2), '[10, 8, 6, 4]');
  t.equal(err('numbers.range_step', 0, 10, -2), 'eval_builtin_error: numbers.range_step: step must be a positive integer');
});

t.test('aggregates', async (t) => {
  t.equal(show('count', 'åäö'), '3');
  t.equal(show('count', '😀a'), '2');
  t.equal(show('count', [1, 2]), '2');
  t.equal(show('count', { a: 1 }), '1');
  t.equal(show('count', set(1, 2, 3)), '3');
  t.equal(err('count', null), 'eval_type_error: count: operand 1 must be one of {array, object, set, string} but got null');
  t.equal(show('sum', [1, 2, 3]), '6');
  t.equal(show('sum', set(1, 2.5)), '3.5');
  t.equal(show('sum', [0.1, 0.2, 0.3]), '0.6');
  t.equal(show('product', [1.1, 1.1]), '1.21');
  t.equal(show('sum', [18446744073709551617n, 1]), '18446744073709551618');
  t.equal(err('sum', [1, 'a']), 'eval_type_error: sum: operand 1 must be array of numbers but got array containing string');
  t.equal(err('sum', 'x'), 'eval_type_error: sum: operand 1 must be one of {set, array} but got string');
  t.equal(show('product', [1.5, 2]), '3');
  t.equal(show('product', [2, 3, 4]), '24');
  t.equal(show('product', []), '1');
  t.equal(show('max', [1, 3, 2]), '3');
  t.equal(show('max', set('a', 1, null)), '"a"');
  t.equal(show('max', []), 'undefined');
  t.equal(show('min', [3, 1, 2]), '1');
  t.equal(show('min', set()), 'undefined');
  t.equal(show('sort', set(3, 1, 'x')), '[1, 3, "x"]');
  t.equal(show('sort', [[2], [1, 9], null]), '[null, [1, 9], [2]]');
});

t.test('arrays and sets', async (t) => {
  t.equal(show('array.concat', [1], [2, 3]), '[1, 2, 3]');
  t.equal(err('array.concat', { a: 1 }, []), 'eval_type_error: array.concat: operand 1 must be array but got object');
  t.equal(show('array.slice', [1, 2, 3, 4], 1, 3), '[2, 3]');
  t.equal(show('array.slice', [1, 2, 3, 4], -5, 100), '[1, 2, 3, 4]');
  t.equal(show('array.slice', [1, 2, 3, 4], 3, 1), '[]');
  t.equal(show('array.reverse', [1, 2, 3]), '[3, 2, 1]');
  t.equal(err('array.reverse', {}), 'eval_type_error: array.reverse: operand 1 must be array but got object');
  t.equal(show('array.flatten', [[1, 2], 'x', [[3]]]), '[1, 2, "x", [3]]');
  t.equal(show('intersection', set(set(1, 2), set(2, 3))), '{2}');
  t.equal(show('intersection', set()), 'set()');
  t.equal(show('union', set(set(1, 2), set(2, 3))), '{1, 2, 3}');
  t.equal(err('union', set(1)), 'eval_type_error: union: operand 1 must be set but got number');
  t.equal(err('intersection', [set()]), 'eval_type_error: intersection: operand 1 must be set but got array');
});

t.test('types and to_number', async (t) => {
  t.equal(show('is_number', 1), 'true');
  t.equal(show('is_number', '1'), 'false');
  t.equal(show('is_string', 's'), 'true');
  t.equal(show('is_boolean', false), 'true');
  t.equal(show('is_array', []), 'true');
  t.equal(show('is_set', set()), 'true');
  t.equal(show('is_object', {}), 'true');
  t.equal(show('is_null', null), 'true');
  t.equal(show('type_name', set()), '"set"');
  t.equal(show('to_number', null), '0');
  t.equal(show('to_number', true), '1');
  t.equal(show('to_number', false), '0');
  t.equal(show('to_number', 100.1), '100.1');
  t.equal(show('to_number', '-42.0'), '-42');
  t.equal(show('to_number', '+5'), '5');
  t.equal(show('to_number', '.5'), '0.5');
  t.equal(show('to_number', '5.'), '5');
  t.equal(show('to_number', '1e3'), '1000');
  t.equal(show('to_number', '0x1p-2'), '0.25');
  t.equal(show('to_number', '123456789012345678901234'), '123456789012345678901234');
  t.equal(err('to_number', 'broken'), 'eval_builtin_error: to_number: strconv.ParseFloat: parsing "broken": invalid syntax');
  t.equal(err('to_number', '1_000'), 'eval_builtin_error: to_number: strconv.ParseFloat: parsing "1_000": invalid syntax');
  t.equal(err('to_number', '1e400'), 'eval_builtin_error: to_number: strconv.ParseFloat: parsing "1e400": value out of range');
  t.equal(err('to_number', '-Infinity'), 'eval_type_error: to_number: operand 1 must be valid number string but got string');
  t.equal(err('to_number', []), 'eval_type_error: to_number: operand 1 must be one of {null, boolean, number, string} but got array');
});

t.test('string built-ins', async (t) => {
  t.equal(show('concat', '/', ['', 'foo', 'bar']), '"/foo/bar"');
  t.equal(show('concat', ',', set('b', 'a')), '"a,b"');
  t.equal(err('concat', ',', 'x'), 'eval_type_error: concat: operand 2 must be one of {set, array} but got string');
  t.equal(err('concat', ',', [1]), 'eval_type_error: concat: operand 2 must be array of strings but got array containing number');
  t.equal(show('contains', 'abc', 'bc'), 'true');
  t.equal(show('startswith', 'abc', 'ab'), 'true');
  t.equal(show('endswith', 'abc', 'ab'), 'false');
  t.equal(show('strings.count', 'cheese', 'e'), '3');
  t.equal(show('strings.count', 'dummy', ''), '6');
  t.equal(show('strings.count', '11111', '11'), '2');
  t.equal(show('strings.any_prefix_match', ['a/b', 'c'], set('x', 'a/')), 'true');
  t.equal(show('strings.any_prefix_match', 'a/b', 'b'), 'false');
  t.equal(show('strings.any_suffix_match', ['a/b', 'c'], '/b'), 'true');
  t.equal(err('strings.any_suffix_match', 1, 'x'), 'eval_type_error: strings.any_suffix_match: operand 1 must be one of {string, set, array} but got number');
  t.equal(err('strings.any_prefix_match', ['x'], [1]), 'eval_type_error: strings.any_prefix_match: operand 2 must be array of strings but got array containing number');
  t.equal(show('format_int', 15.9, 16), '"f"');
  t.equal(show('format_int', -15.9, 16), '"-f"');
  t.equal(show('format_int', 18446744073709551617n, 8), '"2000000000000000000001"');
  t.equal(show('format_int', 5, 2), '"101"');
  t.equal(err('format_int', 4.1, 199), 'eval_type_error: format_int: operand 2 must be one of {2, 8, 10, 16}');
  t.equal(show('indexof', '🍧🍨🧁🍰🍮', '🍮'), '4');
  t.equal(show('indexof', 'abc', 'x'), '-1');
  t.equal(err('indexof', 'abc', ''), 'eval_builtin_error: indexof: empty search character');
  t.equal(show('indexof_n', 'dogcatdogcat', 'cat'), '[3, 9]');
  t.equal(err('indexof_n', 'abc', ''), 'eval_builtin_error: indexof_n: empty search character');
  t.equal(show('substring', 'aåäö', 2, -1), '"äö"');
  t.equal(show('substring', 'abcdefgh', 2, 3), '"cde"');
  t.equal(show('substring', 'aaa', 3, -1), '""');
  t.equal(err('substring', 'aaa', -1, 1), 'eval_builtin_error: substring: negative offset');
  t.equal(show('lower', 'AbC'), '"abc"');
  t.equal(show('upper', 'AbC'), '"ABC"');
  t.equal(call('upper', 'straße ǆ é'), 'STRAßE Ǆ É', 'simple case mapping: ß has no single upper case');
  t.equal(call('lower', 'ΣΑΣ İ Ǆ'), 'σασ i ǆ', 'no final-sigma context, İ lowers to i');
  t.equal(show('split', 'a.b', '.'), '["a", "b"]');
  t.equal(show('split', 'test', ''), '["t", "e", "s", "t"]');
  t.equal(show('split', 'abc', '.'), '["abc"]');
  t.equal(show('strings.split_n', 'a.b.c.d', '.', 2), '["a", "b"]');
  t.equal(show('strings.split_n', 'a.b.c.d', '.', -1), '["d"]');
  t.equal(show('strings.split_n', 'a.b.c.d', '.', -10), '["a", "b", "c", "d"]');
  t.equal(err('strings.split_n', 'a', '.', 1.5), 'eval_type_error: strings.split_n: operand 3 must be integer number but got floating-point number');
  t.equal(show('replace', 'foo...bar', '..', ',,'), '"foo,,.bar"');
  t.equal(show('replace', 'ab', '', '-'), '"-a-b-"');
  t.equal(show('strings.replace_n', { '<': '&lt;', '>': '&gt;' }, '<b>'), '"&lt;b&gt;"');
  t.equal(show('strings.replace_n', { f: 'x', foo: 'xxx' }, 'foobar'), '"xoobar"');
  t.equal(show('strings.replace_n', {}, 'same'), '"same"');
  t.equal(err('strings.replace_n', new RegoObject([[2, 'x']]), 'foo'), 'eval_type_error: strings.replace_n: operand 1 non-string key found in pattern object');
  t.equal(err('strings.replace_n', { f: 1 }, 'foo'), 'eval_type_error: strings.replace_n: operand 1 non-string value found in pattern object');
  t.equal(show('trim', '¡¡¡foo, bar!!!', '!¡'), '"foo, bar"');
  t.equal(show('trim_left', '..a..', '.'), '"a.."');
  t.equal(show('trim_right', '..a..', '.'), '"..a"');
  t.equal(show('trim_prefix', 'prefix-x', 'prefix-'), '"x"');
  t.equal(show('trim_prefix', 'x', 'y'), '"x"');
  t.equal(show('trim_suffix', 'x-suffix', '-suffix'), '"x"');
  t.equal(show('trim_suffix', 'x', ''), '"x"');
  t.equal(show('trim_space', ' \t\n\u00a0\u3000 foo \r\n'), '"foo"');
  t.equal(call('trim_space', '\ufeffx'), '\ufeffx', 'BOM is not space in Go');
  t.equal(show('strings.reverse', '1😀𝛾'), '"𝛾😀1"');
  t.equal(err('strings.reverse', 1), 'eval_type_error: strings.reverse: operand 1 must be string but got number');
});

t.test('sprintf follows Go fmt', async (t) => {
  const cases: [string, unknown[], string][] = [
    ['hi', [], 'hi'],
    ['hi %s', ['there'], 'hi there'],
    ['%02d|%-4d|%+d|% d|%x|%X|%o|%O|%b|%#x|%#o|%#b', [5, 3, 3, 3, 255, 255, 8, 8, 5, 255, 8, 5], '05|3   |+3| 3|ff|FF|10|0o10|101|0xff|010|0b101'],
    ['%.2f|%8.3f|%-8.2f|%e|%E|%g|%G|%.3g|%F', [3.14159, 3.14159, 3.14159, 123456.789, 0.000123, 1e-7, 2.5e-21, 1234.5678, 1.5], '3.14|   3.142|3.14    |1.234568e+05|1.230000E-04|1e-07|2.5E-21|1.23e+03|1.500000'],
    ['%.0f %.2f %.1f', [2.5, 1.125, 0.05], '2 1.12 0.1'],
    ['%v %v %v', [1.5, 1e21, 1.5e21 + 0.5], '1.5 1000000000000000000000 1500000000000000000000'],
    ['%s', [123456789123456789123n], '123456789123456789123'],
    ['%d %x', [123456789123456789123n, 2n ** 64n], '123456789123456789123 10000000000000000'],
    ['%c', [2n ** 65n], '%!c(big.Int=36893488147419103232)'],
    ['%v', [[1, 'a', { k: set(1) }]], '[1, "a", {"k": {1}}]'],
    ['%s', [true], 'true'],
    ['%q|%#q|%x|% X|%.2s|%5.1s|%-5s|', ['a"b', 'raw', 'hi', 'hi', 'héllo', 'xyz', 'ab'], '"a\\"b"|`raw`|6869|68 69|hé|    x|ab   |'],
    ['%#v', ['s'], '"s"'],
    ['%c%c|%q|%U|%#U', [72, 0x1f600, 39, 0x41, 0x41], "H😀|'\\''|U+0041|U+0041 'A'"],
    ['%d', ['x'], '%!d(string=x)'],
    ['%s %f', [5, 'x'], '%!s(int=5) %!f(string=x)'],
    ['%d', [1.5], '%!d(float64=1.5)'],
    ['%T %T %T %T', [1, 1.5, 's', 2n ** 64n], 'int float64 string *big.Int'],
    ['%d %d', [1], '1 %!d(MISSING)'],
    ['%d', [1, 'x', 2.5], '1%!(EXTRA string=x, float64=2.5)'],
    ['%[2]d %[1]d', [1, 2], '2 1'],
    ['%[3]d', [1], '%!d(BADINDEX)'],
    ['%*d|%-*d|%.*f', [5, 42, 3, 7, 2, 3.14159], '   42|7  |3.14'],
    ['%*d', ['x', 1], '%!(BADWIDTH)1'],
    ['%.*d', ['x', 1], '%!(BADPREC)1'],
    ['100%%', [], '100%'],
    ['%', [], '%!(NOVERB)'],
    ['%06.2f|%+.1e|%+v', [-3.14159, 12345.678, 5], '-03.14|+1.2e+04|5'],
    ['%.0d|%5.0d|', [0, 0], '|     |'],
    ['%08.3d', [-5], '    -005'],
    ['%x|%X', [-255, -255], '-ff|-FF'],
    ['%f|%v|% f|%5.1f', [NaN, Infinity, Infinity, -Infinity], 'NaN|+Inf| Inf| -Inf'],
    ['%#.0f|%#.0e|%f', [3.5, 2.5, 3], '4.|2.e+00|%!f(int=3)'],
    ['%c', [-1], '\ufffd'],
    ['%U', [-1], 'U+FFFFFFFFFFFFFFFF'],
  ];
  for (const [f, args, want] of cases) t.equal(call('sprintf', f, args), want, f);
  t.equal(err('sprintf', 1, []), 'eval_type_error: sprintf: operand 1 must be string but got number');
  t.equal(err('sprintf', '%s', 'x'), 'eval_type_error: sprintf: operand 2 must be array but got string');
});

t.test('strings.render_template (Go text/template)', async (t) => {
  const r = (tpl: string, vars: unknown) => call('strings.render_template', tpl, vars);
  t.equal(r('{{.test}}', { test: 'hello world' }), 'hello world');
  t.equal(r('{{.test}}', { test: 2023 }), '2023');
  t.equal(r('{{range $i, $name := .hellonames}}{{if $i}},{{end}}hello {{$name}}{{end}}', { hellonames: ['rohan', 'john doe'] }), 'hello rohan,hello john doe');
  t.equal(r('test {{.foo}} {{.bar}} {{.baz}}', { baz: 1 }), 'test <undefined> <undefined> 1');
  t.equal(r('{{if .a}}A{{else if .b}}B{{else}}C{{end}}', { b: true }), 'B');
  t.equal(r('{{if .a}}A{{else if .b}}B{{else}}C{{end}}', {}), 'C');
  t.equal(r('{{with .user}}{{.name}}{{else}}nobody{{end}}', { user: { name: 'ann' } }), 'ann');
  t.equal(r('{{with .user}}{{.name}}{{else}}nobody{{end}}', {}), 'nobody');
  t.equal(r('{{range .xs}}[{{.}}]{{else}}empty{{end}}', { xs: [] }), 'empty');
  t.equal(r('{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}', { m: { b: 2, a: 1 } }), 'a=1;b=2;');
  t.equal(r('{{range .s}}{{.}}{{end}}', { s: set('y', 'x') }), 'xy');
  t.equal(r('{{- " a " -}}  {{/* note */}}  {{- "b" }}', {}), ' a b');
  t.equal(r('{{$x := "v"}}{{$x}}{{$x = "w"}}{{$x}}', {}), 'vw');
  t.equal(r('{{len .xs}} {{len .m}} {{len .s}} {{index .xs 1}} {{index .m "k"}}', { xs: [1, 2], m: { k: 'v' }, s: 'abc' }), '2 1 3 2 v');
  t.equal(r('{{printf "%05d" 42}} {{print "a" 1}} {{println "x"}}', {}), '00042 a1 x\n');
  t.equal(r('{{if and .a (not .b)}}yes{{end}}{{if or .b .c}}no{{end}}', { a: true, b: false, c: 0 }), 'yes');
  t.equal(r('{{eq .a 1}} {{ne .a 2}} {{lt .a 2}} {{le .a 1}} {{gt .a 0}} {{ge .a 2}} {{eq .a 2 1}}', { a: 1 }), 'true true true true true false true');
  t.equal(r('{{.a | printf "%v!"}} {{(.m).k}}', { a: 'x', m: { k: 'v' } }), 'x! v');
  t.equal(r('{{.}}', { a: [1, 'b'], c: null, d: 1.5, e: true }), 'map[a:[1 b] c:<nil> d:1.5 e:true]');
  t.equal(r('{{`raw`}} {{true}} {{nil}} {{1.5}}', {}), 'raw true <nil> 1.5');
  t.match(err('strings.render_template', '{{if .a}}', {}), /unexpected EOF/);
  t.match(err('strings.render_template', '{{end}}', {}), /unexpected \{\{end\}\}/);
  t.match(err('strings.render_template', '{{nope .a}}', {}), /function "nope" not defined/);
  t.match(err('strings.render_template', '{{$nope}}', {}), /undefined variable/);
  t.match(err('strings.render_template', '{{template "x"}}', {}), /template is not supported/);
  t.match(err('strings.render_template', '{{.a', {}), /unclosed action/);
  t.match(err('strings.render_template', '{{.a.b}}', { a: 1 }), /can't evaluate field b/);
  t.match(err('strings.render_template', '{{len 1}}', {}), /len of 1/);
  t.match(err('strings.render_template', '{{index .xs 5}}', { xs: [] }), /index out of range/);
  t.match(err('strings.render_template', '{{"a" 1}}', {}), /non-function/);
  t.match(err('strings.render_template', '{{|}}', {}), /missing command/);
  t.match(err('strings.render_template', '{{(1}}', {}), /unclosed left paren/);
  t.match(err('strings.render_template', '{{#}}', {}), /unexpected "#"/);
  t.equal(err('strings.render_template', 'x', 1), 'eval_type_error: strings.render_template: operand 2 must be object but got number');
});

t.test('trace and print', async (t) => {
  const lines: string[] = [];
  const c = { ...ctx(), print: (l: string) => lines.push(l) };
  t.equal(callIn(c, 'trace', 'note'), true);
  t.equal(callIn(c, 'internal.print', ['x', new RegoSet([1, 2]), new RegoSet()]), true);
  t.same(lines, ['x 1 <undefined>', 'x 2 <undefined>']);
  t.equal(call('internal.print', ['no sink']), true);
  t.equal(err('internal.print', 'x'), 'eval_type_error: internal.print: operand 1 must be array but got string');
  t.equal(call('internal.template_string', ['a ', new RegoSet(['s']), ' ', new RegoSet([[1]]), ' ', new RegoSet()]), 'a s [1] <undefined>');
  t.equal(err('internal.template_string', 'x'), 'eval_type_error: internal.template_string: operand 1 must be array but got string');
  try {
    call('internal.template_string', [new RegoSet([1, 2])]);
    t.fail('should halt');
  } catch (e) {
    t.ok(e instanceof BuiltinError && e.halt && e.code === 'eval_conflict_error');
  }
});
