import t from 'tap';
import { knownClients, usageSeedRows } from '../../lib/audit/seed.js';
import { openAuditDb } from '../../lib/audit/store.js';
import { EventInserter } from '../../lib/audit/insert.js';
import { row } from './fixtures/helpers.js';

t.test('start-up seeds: recent rows keyed by MAC or address, and every address seen', async (t) => {
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  const rows = [
    row({ ts: 100, client_ip: '10.0.0.1', client_mac: null, prompt_tokens: 5, completion_tokens: null }),
    row({ ts: 200, client_ip: '10.0.0.2', client_mac: 'aa:bb:cc:dd:ee:ff', prompt_tokens: 1, completion_tokens: 2 }),
    row({ ts: 50, client_ip: '10.0.0.3' }),
  ];
  const ins = new EventInserter(db);
  db.transaction(() => {
    for (const r of rows) ins.insertEvent(r);
    ins.summarizeInto(rows);
  })();
  t.same(usageSeedRows(db, 100).sort((a, b) => a.ts - b.ts), [
    { client: '10.0.0.1', ts: 100, tokens: 5 },
    { client: 'aa:bb:cc:dd:ee:ff', ts: 200, tokens: 3 },
  ]);
  t.same([...knownClients(db)].sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
});
