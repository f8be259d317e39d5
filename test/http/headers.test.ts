import t from 'tap';
import { equalsIgnoreCase, getHeader, hasToken, listTokens } from '../../lib/http/headers.js';

t.test('equalsIgnoreCase folds ASCII letters only', async (t) => {
  t.ok(equalsIgnoreCase('Content-Length', 'content-length'));
  t.ok(equalsIgnoreCase('X_Y', 'x_y'));
  t.notOk(equalsIgnoreCase('Content-Lengths', 'content-length'));
  t.notOk(equalsIgnoreCase('Host', 'hosT'), 'the second argument must be lower case');
  t.notOk(equalsIgnoreCase('K\u212a', 'kk'), 'no Unicode case folding (Kelvin sign)');
  t.notOk(equalsIgnoreCase('[', '{'), 'non-letters are not folded');
});

t.test('getHeader returns the first match, case-insensitively', async (t) => {
  const headers: [string, string][] = [
    ['Host', 'a'],
    ['X-Key', '1'],
    ['x-key', '2'],
  ];
  t.equal(getHeader(headers, 'x-key'), '1');
  t.equal(getHeader(headers, 'host'), 'a');
  t.equal(getHeader(headers, 'missing'), undefined);
});

t.test('hasToken finds list elements, ignoring case and whitespace', async (t) => {
  t.ok(hasToken('keep-alive, Upgrade', 'upgrade'));
  t.ok(hasToken('close', 'close'));
  t.ok(hasToken(' \tClose\t ', 'close'));
  t.ok(hasToken(',,close,', 'close'));
  t.notOk(hasToken('closed', 'close'));
  t.notOk(hasToken('x-close', 'close'));
  t.notOk(hasToken('', 'close'));
  t.notOk(hasToken('clos', 'close'));
  t.notOk(hasToken('clone, keep-alive', 'close'));
});

t.test('listTokens splits, trims SP/HTAB only, lower-cases, drops empties', async (t) => {
  t.strictSame(listTokens(' gzip ,\tChunked,, '), ['gzip', 'chunked']);
  t.strictSame(listTokens('chunked\u00a0'), ['chunked\u00a0'], 'U+00A0 (obs-text 0xA0) is not whitespace here');
  t.strictSame(listTokens(''), []);
});
