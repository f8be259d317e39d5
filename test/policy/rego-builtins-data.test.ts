import t from 'tap';
import { BUILTINS } from '../../lib/policy/rego/builtins/index.js';
import { isValidJSON, parseJSON } from '../../lib/policy/rego/builtins/json.js';
import { RegoObject, formatValue } from '../../lib/policy/rego/value.js';
import { J, call, ctx, err, show } from './rego-builtins-helpers.js';

const set = (...xs: unknown[]) => new Set(xs);

t.test('object built-ins', async (t) => {
  const doc = { a: { b: [1, 2] }, s: set('x') };
  t.equal(show('object.get', doc, ['a', 'b', 1], 'd'), '2');
  t.equal(show('object.get', doc, ['a', 'b', 5], 'd'), '"d"');
  t.equal(show('object.get', doc, ['s', 'x'], 'd'), '"x"');
  t.equal(show('object.get', doc, ['a', 'b', 'k'], 'd'), '"d"');
  t.equal(show('object.get', doc, 'a', 'd'), '{"b": [1, 2]}');
  t.equal(show('object.get', doc, 'zz', 'd'), '"d"');
  t.equal(show('object.get', doc, [], 'd'), formatValue(J(doc)));
  t.equal(err('object.get', 'x', 'a', 1), 'eval_type_error: object.get: operand 1 must be object but got string');
  t.equal(show('object.keys', { b: 1, a: 2 }), '{"a", "b"}');
  t.equal(show('object.remove', { a: 1, b: 2, c: 3 }, ['a']), '{"b": 2, "c": 3}');
  t.equal(show('object.remove', { a: 1, b: 2 }, set('b')), '{"a": 1}');
  t.equal(show('object.remove', { a: 1, b: 2 }, { a: 0 }), '{"b": 2}');
  t.equal(err('object.remove', { a: 1 }, 'a'), 'eval_type_error: object.remove: operand 2 must be one of {object, set, array} but got string');
  t.equal(show('object.filter', { a: 1, b: 2, c: 3 }, ['a', 'z']), '{"a": 1}');
  t.equal(show('object.union', { a: { x: 1 }, b: 1 }, { a: { y: 2 }, b: 2 }), '{"a": {"x": 1, "y": 2}, "b": 2}');
  t.equal(err('object.union', [], {}), 'eval_type_error: object.union: operand 1 must be object but got array');
  t.equal(show('object.union_n', [{ a: { b: 2 } }, { a: 4 }, { a: { c: 3 } }]), '{"a": {"c": 3}}');
  t.equal(err('object.union_n', [1]), 'eval_type_error: object.union_n: operand 1 must be array of objects but got array containing number');
});

t.test('object.subset', async (t) => {
  t.equal(call('object.subset', { a: 5, n: { x: 1, y: 2, s: set(1, 2), l: [6, 7, 8] } }, { n: { x: 1, s: set(2), l: [7, 8] } }), true);
  t.equal(call('object.subset', { a: 5 }, { a: 6 }), false);
  t.equal(call('object.subset', { a: 5 }, { b: 5 }), false);
  t.equal(call('object.subset', set(1, 2, 3), set(3, 2)), true);
  t.equal(call('object.subset', set(1), set(2)), false);
  t.equal(call('object.subset', [1, 2, 3, 4], [2, 3]), true);
  t.equal(call('object.subset', [1, 2, 3, 4], [2, 4]), false);
  t.equal(call('object.subset', [1, 2], []), true);
  t.equal(call('object.subset', [1, 2, 3], set(3, 1)), true);
  t.equal(call('object.subset', [1, 2, 3], set(9)), false);
  t.equal(err('object.subset', set(1), [1]), 'eval_type_error: object.subset: both arguments object.subset must be of the same type or array and set');
});

t.test('json.filter and json.remove', async (t) => {
  const doc = { a: { b: 1, c: 2 }, d: [{ e: 1, f: 2 }, { e: 3 }], s: set('x', 'y') };
  t.equal(show('json.filter', doc, ['a/b', 'd/0/e', 's/x']), '{"a": {"b": 1}, "d": [{"e": 1}], "s": {"x"}}');
  t.equal(show('json.filter', doc, set(['a', 'c'])), '{"a": {"c": 2}}');
  t.equal(show('json.filter', doc, ['a', 'a/b']), '{"a": {"b": 1, "c": 2}}', 'a shorter path keeps the whole subtree');
  t.equal(show('json.filter', { 'x/y': 1, '~': 2 }, ['/x~1y', '~0']), '{"x/y": 1, "~": 2}');
  t.equal(show('json.filter', doc, ['']), '{}');
  t.equal(show('json.remove', doc, ['a/b', 'd/0', 's/y']), '{"a": {"c": 2}, "d": [{"e": 3}], "s": {"x"}}');
  t.equal(show('json.remove', doc, [['d', '1', 'e']]), '{"a": {"b": 1, "c": 2}, "d": [{"e": 1, "f": 2}, {}], "s": {"x", "y"}}');
  t.equal(show('json.remove', { a: 1 }, ['a/b/c']), '{"a": 1}');
  t.equal(err('json.remove', { a: 1 }, 'a'), 'eval_type_error: json.remove: operand 2 must be one of {set, array} but got string');
  t.equal(err('json.remove', { a: 1 }, [1]), 'eval_type_error: json.remove: operand 2 must be one of {set, array} containing string paths or array of path segments but got number');
  t.equal(err('json.filter', 1, []), 'eval_type_error: json.filter: operand 1 must be object but got number');
});

t.test('json.patch (RFC 6902)', async (t) => {
  const p = (doc: unknown, ops: unknown[]) => show('json.patch', doc, ops);
  t.equal(p({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), '{"baz": "qux", "foo": "bar"}');
  t.equal(p({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), '{"foo": ["bar", "qux", "baz"]}');
  t.equal(p([1, 2], [{ op: 'add', path: '/-', value: 3 }]), '[1, 2, 3]');
  t.equal(p({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), '{"foo": "bar"}');
  t.equal(p({ foo: ['a', 'b', 'c'] }, [{ op: 'remove', path: '/foo/1' }]), '{"foo": ["a", "c"]}');
  t.equal(p({ baz: 'qux' }, [{ op: 'replace', path: '/baz', value: 'boo' }]), '{"baz": "boo"}');
  t.equal(p({ foo: { waldo: 'fred' }, qux: {} }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]), '{"foo": {}, "qux": {"thud": "fred"}}');
  t.equal(p({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }]), '{"foo": ["all", "cows", "eat", "grass"]}');
  t.equal(p({ a: [{ q: 'h' }] }, [{ op: 'copy', from: '/a/0', path: '/b' }]), '{"a": [{"q": "h"}], "b": {"q": "h"}}');
  t.equal(p({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'qux' }]), '{"baz": "qux"}');
  t.equal(p({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]), 'undefined');
  t.equal(p({ foo: 'bar' }, [{ op: 'replace', path: '', value: { baz: 'qux' } }]), '{"baz": "qux"}');
  t.equal(p({}, [{ op: 'add', path: '/', value: 1 }]), '{"": 1}');
  t.equal(p({ foo: set('a', 'b') }, [{ op: 'add', path: 'foo/d', value: 'd' }]), '{"foo": {"a", "b", "d"}}');
  t.equal(p({ foo: set('a', 'b') }, [{ op: 'remove', path: 'foo/b' }]), '{"foo": {"a"}}');
  t.equal(p({ foo: set('a', 'b') }, [{ op: 'add', path: 'foo/d', value: 'e' }]), 'undefined');
  t.equal(p(set([1]), [{ op: 'add', path: [[1], 1], value: 2 }]), '{[1, 2]}');
  t.equal(p([[1]], [{ op: 'add', path: [0, 0], value: 0 }]), '[[0, 1]]');
  t.equal(p({ a: [1] }, [{ op: 'test', path: ['a', 0], value: 1 }]), '{"a": [1]}');
  for (const bad of [
    [{ op: 'add', path: '/a/b', value: 1 }],
    [{ op: 'add', path: '/bar/8', value: 1 }],
    [{ op: 'add', path: '/bar/-1', value: 1 }],
    [{ op: 'add', path: '/bar/01', value: 1 }],
    [{ op: 'add', path: '/bar/1e0', value: 1 }],
    [{ op: 'add', path: '/bar/x', value: 1 }],
    [{ op: 'add', path: ['bar', 1.5], value: 1 }],
    [{ op: 'add', path: '/n/x', value: 1 }],
    [{ op: 'remove', path: '/zz' }],
    [{ op: 'remove', path: '/n/x' }],
    [{ op: 'remove', path: '/bar/7' }],
    [{ op: 'replace', path: '/zz/y', value: 1 }],
    [{ op: 'move', from: '/zz', path: '/a' }],
    [{ op: 'copy', path: '/a' }],
    [{ op: 'add', path: '/x' }],
    [{ op: 'spam', path: '/x', value: 1 }],
    [{ op: 1, path: '/x' }],
    [{ op: 'add', path: null, value: 1 }],
    [{ path: '/x' }],
    ['not an object'],
    [{ op: 'test', path: '/s/zz', value: 1 }],
    [{ op: 'test', path: '/s/a/b', value: 1 }],
  ]) {
    t.equal(p({ bar: [1, 2], n: 5, s: set('a') }, bad), 'undefined', JSON.stringify(bad));
  }
  t.equal(p({ a: [1] }, [{ op: 'remove', path: '' }]), 'null');
  t.equal(err('json.patch', {}, {}), 'eval_type_error: json.patch: operand 2 must be array but got object');
});

t.test('walk and graphs', async (t) => {
  const walk = BUILTINS.get('walk')!;
  t.ok(walk.relation);
  const out = walk.fn([J({ a: [1, set(2)] })], ctx()) as unknown[];
  t.same(
    out.map((x) => formatValue(x as never)),
    ['[[], {"a": [1, {2}]}]', '[["a"], [1, {2}]]', '[["a", 0], 1]', '[["a", 1], {2}]', '[["a", 1, 2], 2]'],
  );
  t.equal(show('graph.reachable', { a: ['b'], b: set('c'), c: ['a'] }, ['a']), '{"a", "b", "c"}');
  t.equal(show('graph.reachable', { a: null }, ['a']), '{"a"}');
  t.equal(show('graph.reachable', {}, set('a')), 'set()');
  t.equal(err('graph.reachable', 1, []), 'eval_type_error: graph.reachable: operand 1 must be object but got number');
  t.equal(err('graph.reachable', {}, 'a'), 'eval_type_error: graph.reachable: operand 2 must be {array, set} but got string');
  t.equal(show('graph.reachable_paths', { a: ['b', 'c'], b: ['c'], c: [] }, set('a')), '{["a", "b", "c"], ["a", "c"]}');
  t.equal(show('graph.reachable_paths', { a: set('b'), b: set('c'), c: set('a') }, set('a')), '{["a", "b", "c"]}');
  t.equal(show('graph.reachable_paths', { a: [], x: ['y'] }, ['a', 'x', 'q']), '{["a"], ["x"]}');
});

t.test('JSON text', async (t) => {
  t.equal(formatValue(parseJSON(' [{"a":[1,2.5,-3e2,123456789012345678901234,true,false,null,"\\u00e9\\n\\"/\\\\\\b\\f\\r\\t"]}, {}] ')), '[{"a": [1, 2.5, -300, 123456789012345678901234, true, false, null, "é\\n\\"/\\\\\\b\\f\\r\\t"]}, {}]');
  const bad: [string, string][] = [
    ['', 'unexpected end of JSON input'],
    ['{', 'unexpected end of JSON input'],
    ['plain', "invalid character 'p' looking for beginning of value"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['{1:2}', "invalid character '1' looking for beginning of object key string"],
    ['[1 2]', "invalid character '2' after array element"],
    ['1 2', "invalid character '2' after top-level value"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['"a\nb"', "invalid character '\\x0a' in string literal"],
    ['tru', 'unexpected end of JSON input'],
    ['nul!', "invalid character '!' in literal null (expecting 'l')"],
    ['-x', "invalid character 'x' in numeric literal"],
    ["'", "invalid character '\\'' looking for beginning of value"],
    ['"', 'unexpected end of JSON input'],
  ];
  for (const [text, msg] of bad) t.throws(() => parseJSON(text), { message: msg }, text);
  t.ok(isValidJSON('{"json": "ok"}'));
  t.notOk(isValidJSON('{'));
});

t.test('json built-ins', async (t) => {
  t.equal(call('json.marshal', [{ foo: set(3, 1) }]), '[{"foo":[1,3]}]');
  t.equal(call('json.marshal', new RegoObject([[1, 'x'], [[1], 'y']])), '{"1":"x","[1]":"y"}');
  t.equal(call('json.marshal_with_options', { foo: 'bar', bar: 'baz' }, { prefix: 'J> ' }), 'J> {\nJ> \t"bar": "baz",\nJ> \t"foo": "bar"\nJ> }');
  t.equal(call('json.marshal_with_options', [[[]], {}, set(1)], { indent: '  ' }), '[\n  [\n    []\n  ],\n  {},\n  [\n    1\n  ]\n]');
  t.equal(call('json.marshal_with_options', [1], { pretty: true }), '[\n\t1\n]');
  t.equal(call('json.marshal_with_options', [1], { pretty: false, indent: 'x' }), '[1]');
  t.equal(call('json.marshal_with_options', new RegoObject([[null, true]]), { indent: ' ' }), '{\n "null": true\n}');
  t.equal(call('json.marshal_with_options', [1], {}), '[1]');
  t.equal(err('json.marshal_with_options', [], { x: true }), 'eval_type_error: json.marshal_with_options: operand 2 object contained unknown key "x"');
  t.equal(err('json.marshal_with_options', [], { indent: 1 }), 'eval_type_error: json.marshal_with_options: operand 2 key indent failed cast to string');
  t.equal(err('json.marshal_with_options', [], { prefix: 1 }), 'eval_type_error: json.marshal_with_options: operand 2 key prefix failed cast to string');
  t.equal(err('json.marshal_with_options', [], { pretty: 1 }), 'eval_type_error: json.marshal_with_options: operand 2 key pretty failed cast to bool');
  t.equal(err('json.marshal_with_options', [], new RegoObject([[1, 1]])), 'eval_type_error: json.marshal_with_options: operand 2 failed to stringify key number');
  t.equal(show('json.unmarshal', '[{"foo":[1,2,3]}]'), '[{"foo": [1, 2, 3]}]');
  t.equal(err('json.unmarshal', '{'), 'eval_builtin_error: json.unmarshal: unexpected end of JSON input');
  t.equal(err('json.unmarshal', 1), 'eval_type_error: json.unmarshal: operand 1 must be string but got number');
  t.equal(call('json.is_valid', '{"a":1}'), true);
  t.equal(call('json.is_valid', 1), false);
});

t.test('yaml built-ins', async (t) => {
  t.equal(call('yaml.marshal', [{ foo: set(1, 2) }]), '- foo:\n  - 1\n  - 2\n');
  t.equal(show('yaml.unmarshal', 'a: yes\nb: 12345678901234567890\nc: [1, 2.5]\n'), '{"a": true, "b": 12345678901234567890, "c": [1, 2.5]}');
  t.equal(show('yaml.unmarshal', ''), 'null');
  t.equal(err('yaml.unmarshal', '[1,2,3'), "eval_builtin_error: yaml.unmarshal: yaml: line 1: did not find expected ',' or ']'");
  t.equal(err('yaml.unmarshal', '{a: 1'), "eval_builtin_error: yaml.unmarshal: yaml: line 1: did not find expected ',' or '}'");
  t.match(err('yaml.unmarshal', 'a: b: c'), /yaml: line 1: /);
  t.equal(call('yaml.is_valid', 'foo:\n  - qux: bar'), true);
  t.equal(call('yaml.is_valid', 'foo: {'), false);
  t.equal(call('yaml.is_valid', 1), false);
});

t.test('base64, hex, urlquery', async (t) => {
  t.equal(call('base64.encode', 'subjects?_d'), 'c3ViamVjdHM/X2Q=');
  t.equal(call('base64.decode', 'c3ViamVjdHM/X2Q='), 'subjects?_d');
  t.equal(call('base64.decode', 'aGVs\nbG8='), 'hello');
  t.equal(err('base64.decode', 'aGVsbG8'), 'eval_builtin_error: base64.decode: illegal base64 data at input byte 4');
  t.equal(err('base64.decode', 'a$=='), 'eval_builtin_error: base64.decode: illegal base64 data at input byte 1');
  t.equal(err('base64.decode', 'aGVsb'), 'eval_builtin_error: base64.decode: illegal base64 data at input byte 4');
  t.equal(call('base64.is_valid', 'aGVsbG8='), true);
  t.equal(call('base64.is_valid', "{'not':'base64'}"), false);
  t.equal(call('base64.is_valid', 1), false);
  t.equal(call('base64url.encode', 'hello?>'), 'aGVsbG8_Pg==');
  t.equal(call('base64url.encode_no_pad', 'hello?>'), 'aGVsbG8_Pg');
  t.equal(call('base64url.decode', 'aGVsbG8_Pg'), 'hello?>');
  t.equal(call('base64url.decode', 'aGVsbG8='), 'hello');
  t.equal(call('base64url.decode', 'aGVsbA'), 'hell');
  t.equal(err('base64url.decode', 'aGVsb'), 'eval_builtin_error: base64url.decode: illegal base64url string: aGVsb');
  t.equal(call('hex.encode', 'lorem'), '6c6f72656d');
  t.equal(call('hex.decode', '6C6f72656d'), 'lorem');
  t.equal(err('hex.decode', 'fghijkl'), "eval_builtin_error: hex.decode: encoding/hex: invalid byte: U+0067 'g'");
  t.equal(err('hex.decode', 'abc'), 'eval_builtin_error: hex.decode: encoding/hex: odd length hex string');
  t.equal(call('urlquery.encode', 'a=b+1 c/é'), 'a%3Db%2B1+c%2F%C3%A9');
  t.equal(call('urlquery.decode', 'a%3Db%2B1+c'), 'a=b+1 c');
  t.equal(err('urlquery.decode', '%zz'), 'eval_builtin_error: urlquery.decode: invalid URL escape "%zz"');
  t.equal(call('urlquery.encode_object', { a: ['b+1', 'c'], z: 'x', s: set('q') }), 'a=b%2B1&a=c&s=q&z=x');
  t.equal(call('urlquery.encode_object', {}), '');
  t.equal(err('urlquery.encode_object', { a: 1 }), 'eval_type_error: urlquery.encode_object: operand 1 values must be string, array[string], or set[string]');
  t.equal(err('urlquery.encode_object', []), 'eval_type_error: urlquery.encode_object: operand 1 must be object but got array');
  t.equal(show('urlquery.decode_object', 'a=1&b&a=2&&c=%20'), '{"a": ["1", "2"], "b": [""], "c": [" "]}');
  t.equal(show('urlquery.decode_object', ''), '{}');
  t.equal(err('urlquery.decode_object', 'a=1;b=2'), 'eval_builtin_error: urlquery.decode_object: invalid semicolon separator in query');
  t.equal(err('urlquery.decode_object', 'a=%zz'), 'eval_builtin_error: urlquery.decode_object: invalid URL escape "%zz"');
});

t.test('uri.parse and uri.is_valid (Go net/url)', async (t) => {
  t.equal(show('uri.parse', 'https://example.com:8080/api?q=1#top'), '{"fragment": "top", "hostname": "example.com", "path": "/api", "port": "8080", "raw_path": "/api", "raw_query": "q=1", "scheme": "https"}');
  t.equal(show('uri.parse', 'HTTP://[::1]:8080/a%2Fb'), '{"hostname": "::1", "path": "/a/b", "port": "8080", "raw_path": "/a%2Fb", "scheme": "http"}');
  t.equal(show('uri.parse', 'https://example.com/a%21b'), '{"hostname": "example.com", "path": "/a!b", "raw_path": "/a!b", "scheme": "https"}');
  t.equal(show('uri.parse', 'mailto:user@example.com'), '{"scheme": "mailto"}');
  t.equal(show('uri.parse', 'http://u:p@foo]bar/'), '{"hostname": "foo]bar", "path": "/", "raw_path": "/", "scheme": "http"}');
  t.equal(show('uri.parse', '/rel/path?x#f%20g'), '{"fragment": "f g", "path": "/rel/path", "raw_path": "/rel/path", "raw_query": "x"}');
  t.equal(show('uri.parse', '*'), '{"path": "*", "raw_path": "*"}');
  t.equal(show('uri.parse', ''), '{}');
  t.equal(err('uri.parse', 'http://exa%6dple.com/'), 'eval_builtin_error: uri.parse: parse "http://exa%6dple.com/": invalid URL escape "%6d"');
  t.equal(err('uri.parse', 'http://a<b@example.com/'), 'eval_builtin_error: uri.parse: parse "http://a<b@example.com/": net/url: invalid userinfo');
  t.equal(err('uri.parse', 'http://example.com:٣٤/'), 'eval_builtin_error: uri.parse: parse "http://example.com:٣٤/": invalid port ":٣٤" after host');
  t.equal(err('uri.parse', 'http://[::1]x/'), 'eval_builtin_error: uri.parse: parse "http://[::1]x/": invalid port "x" after host');
  t.equal(err('uri.parse', 'http://[::1/'), `eval_builtin_error: uri.parse: parse "http://[::1/": missing ']' in host`);
  t.equal(err('uri.parse', 'http://a b/'), 'eval_builtin_error: uri.parse: parse "http://a b/": invalid character " " in host name');
  t.equal(err('uri.parse', ':x'), 'eval_builtin_error: uri.parse: parse ":x": missing protocol scheme');
  t.equal(err('uri.parse', 'a:b/c'.replace('a:', '1a:')), 'eval_builtin_error: uri.parse: parse "1a:b/c": first path segment in URL cannot contain colon');
  t.equal(err('uri.parse', 'http://x/\u0001'), 'eval_builtin_error: uri.parse: parse "http://x/\\u0001": net/url: invalid control character in URL');
  t.equal(err('uri.parse', 'http://x/%'), 'eval_builtin_error: uri.parse: parse "http://x/%": invalid URL escape "%"');
  t.equal(call('uri.is_valid', 'https://example.com/path?q=1'), true);
  t.equal(call('uri.is_valid', ''), false);
  t.equal(call('uri.is_valid', 'http://[invalid'), false);
  t.equal(call('uri.is_valid', 1), false);
});

t.test('JSON schema', async (t) => {
  const schema = { properties: { id: { type: 'integer' } }, required: ['id'] };
  t.equal(show('json.match_schema', { id: 5 }, schema), '[true, []]');
  t.equal(show('json.match_schema', '{"id": 5}', JSON.stringify(schema)), '[true, []]');
  t.equal(
    show('json.match_schema', { id: 'foo' }, schema),
    '[false, [{"desc": "Invalid type. Expected: integer, given: string", "error": "id: Invalid type. Expected: integer, given: string", "field": "id", "type": "invalid_type"}]]',
  );
  t.equal(
    err('json.match_schema', { id: 'foo' }, { properties: { id: { type: 'unknown' } } }),
    'eval_builtin_error: json.match_schema: has a primitive type that is NOT VALID -- given: /unknown/ Expected valid values are:[array boolean integer number null object string]',
  );
  t.equal(show('json.verify_schema', '{"type": "boolean"}'), '[true, null]');
  t.equal(show('json.verify_schema', { type: ['string', 'null'] }), '[true, null]');
  t.equal(show('json.verify_schema', { type: 'nope' }), '[false, "jsonschema: has a primitive type that is NOT VALID -- given: /nope/ Expected valid values are:[array boolean integer number null object string]"]');
  t.equal(show('json.verify_schema', '{'), '[false, "jsonschema: unexpected end of JSON input"]');
  t.equal(show('json.verify_schema', true), '[true, null]', 'booleans are schemas');
  t.equal(err('json.verify_schema', 5), 'eval_type_error: json.verify_schema: operand 1 must be one of {string, object} but got number');
  t.equal(show('json.verify_schema', { $ref: '#/definitions/missing' }), `[false, "jsonschema: Object has no key 'definitions'"]`);
  t.equal(show('json.verify_schema', { $ref: 'http://x/y' }), '[false, "jsonschema: unsupported $ref http://x/y"]');
  t.equal(show('json.verify_schema', { pattern: '[' }), '[false, "jsonschema: error parsing regexp: missing closing ]: `[`"]');
  t.equal(show('json.verify_schema', { properties: { a: 5 } }), '[false, "jsonschema: Invalid schema: schema must be an object or a boolean"]');

  const errors = (doc: unknown, s: unknown) =>
    ((call('json.match_schema', doc, s) as unknown[])[1] as RegoObject[]).map((e) => `${e.get('field') as string}|${e.get('type') as string}|${e.get('desc') as string}`);
  t.same(errors({}, schema), ['(root)|required|id is required']);
  t.same(errors([1, 1, 'x'], { items: { type: 'integer' }, uniqueItems: true, maxItems: 2, minItems: 5 }), [
    '(root)|array_min_items|Array must have at least 5 items',
    '(root)|array_max_items|Array must have at most 2 items',
    '(root)|unique|array items[0,1] must be unique',
    '2|invalid_type|Invalid type. Expected: integer, given: string',
  ]);
  t.same(errors('"abcdef"', { minLength: 7, maxLength: 2, pattern: '^x' }), [
    '(root)|string_gte|String length must be greater than or equal to 7',
    '(root)|string_lte|String length must be less than or equal to 2',
    "(root)|pattern|Does not match pattern '^x'",
  ]);
  t.same(errors(5, { minimum: 6, maximum: 4, multipleOf: 2 }), [
    '(root)|number_gte|Must be greater than or equal to 6',
    '(root)|number_lte|Must be less than or equal to 4',
    '(root)|multiple_of|Must be a multiple of 2',
  ]);
  t.same(errors(5, { minimum: 5, exclusiveMinimum: true, maximum: 5, exclusiveMaximum: true }), ['(root)|number_gt|Must be greater than 5', '(root)|number_lt|Must be less than 5']);
  t.same(errors(5, { exclusiveMinimum: 5, exclusiveMaximum: 5 }), ['(root)|number_gt|Must be greater than 5', '(root)|number_lt|Must be less than 5']);
  t.same(errors(1.5, { type: 'integer' }), ['(root)|invalid_type|Invalid type. Expected: integer, given: number']);
  t.same(errors(2, { type: 'number' }), []);
  t.same(errors('"x"', { enum: ['a', 1], const: 'y' }), ['(root)|enum|(root) must be one of the following: "a", 1', '(root)|const|(root) does not match: "y"']);
  t.same(errors({ a: 1, b: 2, x1: 'v' }, { properties: { a: { type: 'integer' } }, patternProperties: { '^x': { type: 'integer' } }, additionalProperties: false, minProperties: 4, maxProperties: 1 }), [
    '(root)|array_min_properties|Must have at least 4 properties',
    '(root)|array_max_properties|Must have at most 1 properties',
    '(root)|additional_property_not_allowed|Additional property b is not allowed',
    'x1|invalid_type|Invalid type. Expected: integer, given: string',
  ]);
  t.same(errors({ a: { b: 'x' } }, { additionalProperties: { properties: { b: { type: 'null' } } } }), ['a.b|invalid_type|Invalid type. Expected: null, given: string']);
  t.same(errors(3, { anyOf: [{ type: 'string' }, { minimum: 5 }], oneOf: [{ type: 'integer' }, { minimum: 1 }], not: { type: 'integer' } }), [
    '(root)|number_any_of|Must validate at least one schema (anyOf)',
    '(root)|number_one_of|Must validate one and only one schema (oneOf)',
    '(root)|number_not|Must not validate the schema (not)',
  ]);
  t.same(errors('"x"', { allOf: [{ type: 'string' }, { minLength: 2 }] }), ['(root)|string_gte|String length must be greater than or equal to 2', '(root)|number_all_of|Must validate all the schemas (allOf)']);
  t.same(errors([1, 'a', 'b'], { items: [{ type: 'integer' }], additionalItems: false, contains: { type: 'null' } }), [
    '(root)|array_no_additional_items|No additional items allowed on array',
    '(root)|array_no_additional_items|No additional items allowed on array',
    '(root)|contains|At least one of the items must match',
  ]);
  t.same(errors([1, 'a'], { items: [{ type: 'integer' }], additionalItems: { type: 'integer' } }), ['1|invalid_type|Invalid type. Expected: integer, given: string']);
  t.same(errors({ a: 1 }, { dependencies: { a: ['b'], z: ['q'] } }), ['(root)|missing_dependency|Has a dependency on b']);
  t.same(errors({ a: 1 }, { dependencies: { a: { required: ['c'] } } }), ['(root)|required|c is required']);
  t.same(errors({ n: { n: 'x' } }, { definitions: { node: { properties: { n: { $ref: '#/definitions/node' } }, type: 'object' } }, $ref: '#/definitions/node' }), ['n.n|invalid_type|Invalid type. Expected: object, given: string']);
  t.equal(err('json.match_schema', 1, { $ref: '#' }), 'eval_builtin_error: json.match_schema: $ref # refers to itself');
  t.same(errors(set(1, 1.5), { type: 'array', items: { type: 'integer' } }), ['1|invalid_type|Invalid type. Expected: integer, given: number']);
  t.same(errors(null, false), ['(root)|false|False always fails validation']);
  t.same(errors(new RegoObject([[1, 'x']]), { additionalProperties: false }), ['(root)|additional_property_not_allowed|Additional property 1 is not allowed']);
  t.same(errors(true, { type: ['string', 'integer'] }), ['(root)|invalid_type|Invalid type. Expected: string/integer, given: boolean']);
  t.equal(err('json.match_schema', '{', {}), 'eval_builtin_error: json.match_schema: unexpected end of JSON input');
});
