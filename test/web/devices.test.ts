import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, DEVICES, startDashboard, tempDir } from './fixtures/helpers.js';

t.test('device names from DHCP, the config (by MAC) and the dashboard, with their sources', async (t) => {
  const dir = tempDir(t);
  const leases = join(dir, 'dnsmasq.leases');
  writeFileSync(leases, `0 02:11:22:33:44:55 ${DEVICES.unnamed.client_ip} pixel-7 *\n`);
  const f = await startDashboard(t, {
    configure: (c) => {
      c.dhcp.leases = [{ path: leases, format: 'dnsmasq' }];
      c.devices['66:77:88:99:aa:bb'] = { name: 'grandpa-tablet', person: 'grandpa' };
    },
  });
  const c = new Client(f.port);
  await c.session();
  const get = async () => (await c.get('/api/devices')).json.devices as { ip: string | null; key: string; name: string | null; person: string | null; source: string | null; mac: string | null }[];
  t.match((await get()).find((d) => d.ip === DEVICES.unnamed.client_ip), { mac: '02:11:22:33:44:55', key: '02:11:22:33:44:55', name: 'pixel-7', source: 'dhcp' });
  t.match((await get()).find((d) => d.key === '66:77:88:99:aa:bb'), { ip: null, name: 'grandpa-tablet', person: 'grandpa', source: 'config' });

  t.equal((await c.request('POST', '/api/devices', { body: { key: '02:11:22:33:44:55', name: "Emma's phone", person: 'emma' } })).status, 200);
  t.match((await get()).find((d) => d.ip === DEVICES.unnamed.client_ip), { name: "Emma's phone", person: 'emma', source: 'dashboard' });
  t.equal(f.devices.resolve(DEVICES.unnamed.client_ip).person, 'emma', 'the MAC name follows the leased address');
  // Only a person, no name: the DHCP name stays, the person is the dashboard's.
  t.equal((await c.request('POST', '/api/devices', { body: { key: '02:11:22:33:44:55', name: null, person: 'emma' } })).status, 200);
  t.match((await get()).find((d) => d.ip === DEVICES.unnamed.client_ip), { name: 'pixel-7', person: 'emma', source: 'dashboard' });
  t.same((await c.get('/api/devices')).json.people, ['alice', 'bob', 'emma', 'grandpa']);
});
