// pf/README.md shows a rendered anchor; it must stay what `yori pf render` prints for the
// configuration shown next to it.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfigText } from '../../lib/config/load.js';
import { planRedirect, renderAnchor } from '../../lib/pf/rules.js';

const readme = readFileSync(fileURLToPath(new URL('../../pf/README.md', import.meta.url)), 'utf8');

t.test('the example anchor in pf/README.md is current', async (t) => {
  const yaml = /For this configuration:\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  const shown = /<!-- rendered:[^\n]*-->\n```pf\n([\s\S]*?)```/.exec(readme)?.[1];
  t.ok(yaml, 'configuration block found');
  t.ok(shown, 'rendered block found');
  t.equal(shown, renderAnchor(planRedirect(parseConfigText(yaml!, '/tmp'))));
});
