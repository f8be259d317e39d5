import t from 'tap';
import { CompiledRegex, compileRE2, quoteMeta } from '../../lib/policy/rego/builtins/re2.js';
import { globToRegex } from '../../lib/policy/rego/builtins/regex.js';
import { call, err, show } from './rego-builtins-helpers.js';

const match = (p: string, s: string) => call('regex.match', p, s);

t.test('RE2 syntax translates to equivalent JS regexps', async (t) => {
  const yes: [string, string][] = [
    ['^[a-z]+\\[[0-9]+\\]$', 'foo[1]'],
    ['', 'x'],
    ['(?i)^abc$', 'ABC'],
    ['a(?i)b', 'aB'],
    ['a(?i:b)c', 'aBc'],
    ['(?i)[a-c]x', 'BX'],
    ['(?s)a.b', 'a\nb'],
    ['(?m)^b$', 'a\nb\nc'],
    ['[[:alpha:]]+\\d', 'ab1'],
    ['[[:^digit:]]', 'x'],
    ['[^[:space:]]', 'x'],
    ['\\pL+\\p{Greek}', 'äöα'],
    ['\\PL', '1'],
    ['\\p{^L}', '1'],
    ['\\pN\\p{Any}', '1x'],
    ['(?P<x>a)\\.b', 'a.b'],
    ['(?<y>a)b', 'ab'],
    ['\\Aab\\z', 'ab'],
    ['\\bword\\B', 'wordy'],
    ['\\Qa.b*\\E$', 'a.b*'],
    ['\\x41\\x{1F600}\\101\\0', 'AA\u{1F600}A\u0000'.replace('AA', 'A').replace('\u{1F600}A', '\u{1F600}A')],
    ['\\a\\f\\t\\n\\r\\v', '\u0007\f\t\n\r\u000b'],
    ['\\s\\S\\w\\W\\d\\D', ' x_!1a'],
    ['[\\d\\-x]+', '1-x'],
    ['[\\D]', 'a'],
    ['[a\\]]+', ']a'],
    ['[]a]', ']'],
    ['[^]a]', 'b'],
    ['x{2,3}', 'xxx'],
    ['x{2,}', 'xxxx'],
    ['x{,2}', 'x{,2}'],
    ['a{', 'a{'],
    ['a*?b+?c??', 'abc'],
    ['(?U)a+', 'aaa'],
    ['é+', 'éé'],
    ['[é-ë]', 'ê'],
    ['\\-\\#\\,\\ ', '-#, '],
    ['a|b|', 'c'],
    ['(?i)k', 'K'],
    ['[\\x{61}-\\x{63}]', 'b'],
    ['a(?i:[b-cY]z)', 'aBZ'],
    ['x(?i:[A-C])', 'xb'],
  ];
  for (const [p, s] of yes) t.equal(match(p, s), true, `${p} matches ${JSON.stringify(s)}`);
  const no: [string, string][] = [
    ['^$', 'x'],
    ['a.b', 'a\nb'],
    ['^b$', 'a\nb'],
    ['\\s', '\u000b'],
    ['(?i:a)b', 'AB'],
    ['(?i)a(?-i)b', 'AB'],
    ['[^a]', 'a'],
  ];
  for (const [p, s] of no) t.equal(match(p, s), false, `${p} does not match ${JSON.stringify(s)}`);
});

t.test('RE2 rejects what Go rejects', async (t) => {
  const bad = ['[', '$^[[[', '++', 'a**', '(a', 'a)', '\\1', '(?=a)', '(?<!a)', 'x{1001}', 'x{3,2}', '\\', '\\pX', '\\p{Nope}', '[z-a]', '\\q', '(?P<>a)', '(?z)a', '\\x{110000}', '\\xZZ', '[[:nope:]]', '[\\d-z', '*a', '(?i)*', '\\8'];
  for (const p of bad) {
    t.equal(call('regex.is_valid', p), false, p);
    t.throws(() => compileRE2(p), /error parsing regexp/, p);
  }
  t.equal(call('regex.is_valid', 1), false);
  t.equal(call('regex.is_valid', '.+'), true);
  t.match(err('regex.match', '[', 'x'), /eval_builtin_error: regex.match: error parsing regexp: missing closing \]: `\[`/);
  t.equal(quoteMeta('a.b*c'), 'a\\.b\\*c');
});

t.test('regex.replace, split, find', async (t) => {
  t.equal(call('regex.replace', '-wy-wxxy-', 'w(x*)y', '0'), '-0-0-');
  t.equal(call('regex.replace', 'foo', '(foo)', '$1$1'), 'foofoo');
  t.equal(call('regex.replace', 'foo', '(f)(o)', '${2}x$1'), 'oxfo');
  t.equal(call('regex.replace', 'ab', '(?P<l>a)', '[$l][${l}]'), '[a][a]b');
  t.equal(call('regex.replace', 'ab', 'a', '$$'), '$b');
  t.equal(call('regex.replace', 'ab', 'a', '$1x'), 'b', '$1x names group "1x"');
  t.equal(call('regex.replace', 'ab', 'a', '${'), '${b');
  t.equal(call('regex.replace', 'ab', 'a', '$9'), 'b');
  t.equal(call('regex.replace', 'foo', '^[a-z]', 'F'), 'Foo');
  t.equal(call('regex.replace', 'foo bar', '[a-z]', '_'), '___ ___');
  t.equal(call('regex.replace', 'abc', 'x*', '-'), '-a-b-c-');
  t.equal(call('regex.replace', 'aaa', 'a*', '-'), '-');
  t.equal(call('regex.replace', '😀😀', '', '-'), '-😀-😀-');
  t.match(err('regex.replace', 'foo', '[', 'x'), /missing closing \]/);
  t.equal(show('regex.split', '^[a-z]+', 'foobar baz'), '["", " baz"]');
  t.equal(show('regex.split', '[a-z]+$', 'foobar baz'), '["foobar ", ""]');
  t.equal(show('regex.split', 'a', 'banana'), '["b", "n", "n", ""]');
  t.equal(show('regex.split', 'x', ''), '[""]');
  t.equal(show('regex.split', '', 'abc'), '["a", "b", "c"]');
  t.equal(show('regex.find_n', 'a.', 'paranormal', -1), '["ar", "an", "al"]');
  t.equal(show('regex.find_n', 'a.', 'paranormal', 2), '["ar", "an"]');
  t.equal(show('regex.find_n', 'a*', 'baaac', -1), '["", "aaa", ""]');
  t.equal(show('regex.find_all_string_submatch_n', '[^aouiye]([aouiye])([^aouiye])?', 'somestri', -1), '[["som", "o", "m"], ["ri", "i", ""]]');
  t.equal(show('regex.find_all_string_submatch_n', 'a(x*)b', '-ab-', 1), '[["ab", ""]]');
});

t.test('regex.template_match and regex.globs_match', async (t) => {
  t.equal(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}'), true);
  t.equal(call('regex.template_match', 'urn:foo.<[0-9]{2}>', 'urn:foo.42', '<', '>'), true);
  t.equal(call('regex.template_match', 'urn:foo.<[0-9]{2}>', 'urn:fooX42', '<', '>'), false);
  t.match(err('regex.template_match', 'a{b', 'x', '{', '}'), /unbalanced braces/);
  t.match(err('regex.template_match', 'a}b', 'x', '{', '}'), /unbalanced braces/);
  t.match(err('regex.template_match', 'a', 'x', '{{', '}'), /start delimiter has to be exactly one character long but is 2 long/);
  t.match(err('regex.template_match', 'a', 'x', '{', '}}'), /end delimiter has to be exactly one character long/);
  t.match(err('regex.template_match', '{[}', 'x', '{', '}'), /missing closing/);
  t.equal(call('regex.globs_match', 'a.a.[0-9]+z', '.b.b2359825792*594823z'), true);
  t.equal(call('regex.globs_match', '[a-z]*', '[0-9]*'), true, 'both accept the empty string');
  t.equal(call('regex.globs_match', '[a-z]+', '[0-9]+'), false);
  t.equal(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo\\[1\\]'), true);
  t.equal(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo["bar"]'), false);
  t.equal(call('regex.globs_match', 'a.*', 'abc'), true);
  t.equal(call('regex.globs_match', '[]x', 'x'), false, 'an empty set matches nothing');
  t.equal(
    err('regex.globs_match', 'pqrs]', '[a-b]+'),
    "eval_builtin_error: regex.globs_match: input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is invalid",
  );
  const bad: [string, RegExp][] = [
    ['*a', /flag '\*' must be preceded by a non-flag/],
    ['a**', /must be preceded by a non-flag/],
    ['a\\', /ends with a \\/],
    ['[a', /found \[ without matching \]/],
    ['[-a]', /must be preceded by a Unicode character/],
    ['[a-', /must be followed by a Unicode character/],
    ['[a-]', /must be followed by a Unicode character/],
    ['[a-]]', /cannot be followed by a special symbol/],
    ['[z-a]', /range is out of order/],
  ];
  for (const [g, re] of bad) t.match(err('regex.globs_match', g, 'x'), re, g);
});

t.test('glob.match (gobwas/glob)', async (t) => {
  const g = (p: string, d: unknown, s: string) => call('glob.match', p, d, s);
  t.equal(g('*.github.com', ['.'], 'api.github.com'), true);
  t.equal(g('*.github.com', ['.'], 'api.cdn.github.com'), false);
  t.equal(g('api.**.com', ['.'], 'api.cdn.github.com'), true);
  t.equal(g('*:github:com', [':'], 'api:github:com'), true);
  t.equal(g('[abc]at', [], 'cat'), true);
  t.equal(g('[!abc]at', [], 'cat'), false);
  t.equal(g('[!a-c]at', [], 'fat'), true);
  t.equal(g('?at', ['f'], 'fat'), false);
  t.equal(g('{cat,bat,[fr]at}', [], 'rat'), true);
  t.equal(g('{cat,b{a,i}t}', [], 'bit'), true);
  t.equal(g('*', [], 'foo.bar'), false, 'the default delimiter is "."');
  t.equal(g('*', null, 'foo.bar'), true);
  t.equal(g('\\*x', null, '*x'), true);
  t.equal(g('a,b', null, 'a,b'), true);
  t.equal(err('glob.match', '*', 'x', 'y'), 'eval_type_error: glob.match: operand 2 must be one of {array, null} but got string');
  t.equal(err('glob.match', '*', [1], 'y'), 'eval_type_error: glob.match: operand 2 must be array of strings but got array containing number');
  t.equal(err('glob.match', '*', ['ab'], 'y'), 'eval_type_error: glob.match: operand 2 must be array of runes but got array containing string');
  t.match(err('glob.match', '[a', null, 'y'), /unexpected end of input/);
  t.match(err('glob.match', '{a', null, 'y'), /unexpected end of input/);
  t.match(err('glob.match', 'a\\', null, 'y'), /unexpected end of input/);
  t.match(err('glob.match', '[z-a]', null, 'y'), /hi character should be greater/);
  t.equal(globToRegex('a?', []), '^a[\\s\\S]$');
  t.equal(call('glob.quote_meta', '*.github.com'), '\\*.github.com');
  t.equal(call('glob.quote_meta', '[a]{b,c}?\\'), '\\[a\\]\\{b,c\\}\\?\\\\');
});

t.test('the linear-time engine agrees with the backtracking engine', async (t) => {
  const cases: [string, string][] = [
    ['a(x*)b', '-ab-axxb-'], ['[^aouiye]([aouiye])([^aouiye])?', 'somestri'], ['(a|ab)(c|bcd)(d*)', 'abcd'],
    ['(a+)(b+)?', 'aaabbb aab'], ['x*', 'abc'], ['(?i)straße', 'STRAßE'], ['a(?i:[b-c])', 'aB'],
    ['\\bfoo\\b', 'a foo b foobar'], ['(?m)^b$', 'a\nb\nc'], ['(?s)a.b', 'a\nb'], ['a.b', 'a\nb a😀b'],
    ['😀+', 'x😀😀y'], ['[😀-😂]', 'a😁'], ['\\pL+', 'äöα1'], ['[^\\pL]+', 'äö12α'], ['(?P<y>\\d+)-(\\d+)?', '12- 3-4'],
    ['a{2,3}?', 'aaaa'], ['(a*)*', 'aaa'], ['(a*)+b', 'aab'], ['(?U)a+', 'aaa'], ['(a|b)*c', 'ababc'], ['^', 'abc'],
    ['$', 'abc'], ['', 'ab'], ['(?:)', 'ab'], ['\\Aab\\z', 'ab'], ['\\Ab', 'ab'], ['(?i)[k]', 'K\u212a'], ['[[:^alpha:]]', 'ab1'],
    ['(foo|foobar)', 'foobar'], ['(a?)((ab)?)(b?)', 'ab'], ['(a|ab)(bc|c)', 'abc'], ['\\B', 'ab'], ['a{0}b', 'ab'],
    ['(?i)Ǆ', 'ǅǆ'], ['[^a]', 'a\n'], ['x{2,}', 'xxxxx x'], ['(?:a|b){1,3}?c', 'abac'], ['\\PN', '1a'],
  ];
  for (const [p, s] of cases) {
    const c = compileRE2(p);
    const all = (f: (s: string, pos: number) => unknown) => {
      const out: unknown[] = [];
      for (let pos = 0; pos <= s.length; ) {
        const m = f.call(c, s, pos) as { end: number } | null;
        if (!m) break;
        out.push(m);
        pos = m.end > pos ? m.end : pos + 1;
      }
      return out;
    };
    t.same(all(c.execLinear), all(c.execNative), `${p} on ${JSON.stringify(s)}`);
  }
});

t.test('long inputs and risky patterns use the linear-time engine', async (t) => {
  // The backtracking engine is disabled here: everything below must take the linear path.
  const native = CompiledRegex.prototype.execNative;
  CompiledRegex.prototype.execNative = () => {
    throw new Error('backtracking engine used');
  };
  t.teardown(() => {
    CompiledRegex.prototype.execNative = native;
  });
  const big = 'a'.repeat(20_000);
  t.equal(match('(a+)+$', big), true);
  t.equal(match('[a-z]+x', big), false);
  t.equal(match('[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}', big), false);
  t.equal(match('(x|a)*b', big), false);
  t.equal(match('(a+)+$', 'a'.repeat(40) + 'b'), false);
  t.equal(match('(a|aa)+c', 'aaaac'), true);
  t.same(call('regex.find_n', '(a|b)+', 'xabx ba', -1), ['ab', 'ba']);
  t.equal(call('regex.replace', big + 'b', 'a+b', 'x'), 'x');
  t.equal(call('glob.match', '*a*a*a*b', null, big), false);
  t.equal(call('glob.match', '**a**a', ['.'], big), true);
  t.equal(call('glob.match', '{*.x,*a}', ['.'], big), true);
  t.match(err('regex.match', '((((a{100}){100}){100}){100})', 'a'), /expression too large/);
});
