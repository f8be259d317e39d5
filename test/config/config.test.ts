import t from 'tap';
import { validateConfig, ConfigError, parseHostPort } from '../../lib/config/schema.js';

t.test('defaults', async (t) => {
  const c = validateConfig(null);
  t.equal(c.listen.transparent.port, 8443);
});
t.test('unknown key', async (t) => {
  t.throws(() => validateConfig({ listen: { foo: 1 } }), ConfigError);
  t.same(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
});
