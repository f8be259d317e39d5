import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceDirectory } from '../../lib/devices/directory.js';
import { deleteDeviceName, listDeviceNames, setDeviceName } from '../../lib/devices/names.js';
import { normalizeClientIp } from '../../lib/devices/address.js';
import { openAuditDb } from '../../lib/audit/store.js';
import { validateConfig } from '../../lib/config/schema.js';
import { captureLogger, type Teardown } from '../audit/fixtures/helpers.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

function setup(t: Teardown) {
  const dir = mkdtempSync(join(tmpdir(), 'yori-devices-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const leases = join(dir, 'dnsmasq.leases');
  writeFileSync(leases, [
    '0 00:11:22:33:44:55 192.168.1.100 Pixel-8 *',
    '0 aa:bb:cc:dd:ee:01 192.168.1.101 iPad *',
    '0 aa:bb:cc:dd:ee:02 192.168.1.102 android-3f2a *',
    '0 aa:bb:cc:dd:ee:03 192.168.1.103 * *',
  ].join('\n'));
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  const config = validateConfig({
    devices: {
      '192.168.1.101': { name: 'config-ipad-by-ip', person: 'alice' },
      'AA-BB-CC-DD-EE-02': { name: 'config-tablet-by-mac' },
      '192.168.1.102': { name: 'config-by-ip', person: 'bob' },
      '192.168.1.200': { name: 'printer' },
      'aa:bb:cc:dd:ee:ff': { name: 'not-on-the-network' },
    },
  });
  const { logger, lines } = captureLogger();
  return { dir, leases, db, config, logger, lines };
}

t.test('priority: dashboard names, then config, then leases; MAC before IP; field by field', async (t) => {
  const { leases, db, config, logger } = setup(t);
  setDeviceName(db, '192.168.1.103', { name: 'parent-named', person: 'carol' });
  setDeviceName(db, '00:11:22:33:44:55', { name: 'dads-phone', person: null });
  const dir = new DeviceDirectory({ devices: config.devices, leases: [{ path: leases, format: 'dnsmasq' }], db, logger, now: () => NOW });
  await dir.start();
  t.teardown(() => dir.stop());
  t.same(dir.resolve('192.168.1.100'), { ip: '192.168.1.100', mac: '00:11:22:33:44:55', name: 'dads-phone', person: null }, 'dashboard name by MAC beats the lease hostname');
  t.same(dir.resolve('192.168.1.101'), { ip: '192.168.1.101', mac: 'aa:bb:cc:dd:ee:01', name: 'config-ipad-by-ip', person: 'alice' }, 'config beats the lease');
  t.same(dir.resolve('192.168.1.102'), { ip: '192.168.1.102', mac: 'aa:bb:cc:dd:ee:02', name: 'config-tablet-by-mac', person: 'bob' }, 'MAC entry wins the name; person comes from the IP entry');
  t.same(dir.resolve('192.168.1.103'), { ip: '192.168.1.103', mac: 'aa:bb:cc:dd:ee:03', name: 'parent-named', person: 'carol' });
  t.same(dir.resolve('192.168.1.200'), { ip: '192.168.1.200', mac: null, name: 'printer', person: null }, 'config by IP without a lease');
  t.same(dir.resolve('10.1.2.3'), { ip: '10.1.2.3', mac: null, name: null, person: null }, 'unknown');
  t.same(dir.resolve('::ffff:192.168.1.101').ip, '192.168.1.101', 'IPv4-mapped IPv6 resolves as IPv4');
  t.equal(dir.resolve('192.168.1.101'), dir.resolve('192.168.1.101'), 'the same frozen object: no allocation per call');
  t.ok(dir.known().length >= 5);
});

t.test('lease changes and dashboard names are picked up; a missing file is logged once', async (t) => {
  const { leases, db, config, logger, lines, dir: folder } = setup(t);
  const missing = join(folder, 'kea-leases4.csv');
  let now = NOW;
  const dir = new DeviceDirectory({
    devices: config.devices,
    leases: [{ path: leases, format: 'dnsmasq' }, { path: missing, format: 'kea' }],
    db, logger, now: () => now, refreshMs: 10,
  });
  await dir.start();
  t.teardown(() => dir.stop());
  t.equal(dir.resolve('192.168.1.100').name, 'Pixel-8');
  await dir.refresh();
  await dir.refresh();
  t.equal(lines.filter((l) => /cannot read DHCP lease file/.test(String(l.msg))).length, 1, 'one warning for the missing file');

  writeFileSync(missing, 'address,hwaddr,expire,hostname,state\n192.168.1.150,aa:bb:cc:dd:ee:50,1714640000,new-laptop,0\n');
  await dir.refresh();
  t.same(dir.resolve('192.168.1.150'), { ip: '192.168.1.150', mac: 'aa:bb:cc:dd:ee:50', name: 'new-laptop', person: null }, 'the file appeared');

  writeFileSync(leases, '0 00:11:22:33:44:55 192.168.1.100 Renamed-Phone *\n');
  utimesSync(leases, new Date(NOW + 5000), new Date(NOW + 5000));
  await dir.refresh();
  t.equal(dir.resolve('192.168.1.100').name, 'Renamed-Phone', 're-read on mtime change');
  t.equal(dir.resolve('192.168.1.101').mac, null, 'a lease that is gone is gone');

  writeFileSync(missing, 'address,hwaddr,expire,hostname,state\n192.168.1.150,aa:bb:cc:dd:ee:50,1714564900,new-laptop,0\n');
  utimesSync(missing, new Date(NOW + 10_000), new Date(NOW + 10_000));
  await dir.refresh();
  t.equal(dir.resolve('192.168.1.150').name, 'new-laptop', 'bound for another 100 s');
  now = NOW + 3_600_000; // the file does not change; its lease runs out
  await dir.refresh();
  t.equal(dir.resolve('192.168.1.150').name, null, 'expired leases drop out on the periodic re-parse');

  setDeviceName(db, '192.168.1.100', { name: 'from-dashboard', person: 'dad' });
  dir.reloadNames();
  t.match(dir.resolve('192.168.1.100'), { name: 'from-dashboard', person: 'dad' }, 'applied at once after a dashboard edit');
  deleteDeviceName(db, '192.168.1.100');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(dir.resolve('192.168.1.100').name, 'Renamed-Phone', 'and the timer reloads names too');
});

t.test('a broken names table keeps the last names', async (t) => {
  const { db, config, logger, lines } = setup(t);
  setDeviceName(db, '10.0.0.5', { name: 'tv', person: null });
  const dir = new DeviceDirectory({ devices: config.devices, leases: [], db, logger });
  await dir.refresh();
  t.equal(dir.resolve('10.0.0.5').name, 'tv');
  db.exec('DROP TABLE devices');
  dir.reloadNames();
  t.equal(dir.resolve('10.0.0.5').name, 'tv');
  t.ok(lines.some((l) => /cannot read device names/.test(String(l.msg))));
  const noDb = new DeviceDirectory({ devices: {}, leases: [], db: null, logger });
  await noDb.start();
  noDb.stop();
  t.equal(noDb.resolve('10.0.0.5').name, null);
});

t.test('the devices table: set, replace, clear, validate keys', async (t) => {
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  t.equal(setDeviceName(db, 'AA-BB-CC-DD-EE-FF', { name: ' Kids iPad ', person: 'alice' }, 5), 'aa:bb:cc:dd:ee:ff');
  t.same(listDeviceNames(db), [{ key: 'aa:bb:cc:dd:ee:ff', name: 'Kids iPad', person: 'alice', updated_ts: 5 }]);
  setDeviceName(db, 'aa:bb:cc:dd:ee:ff', { name: 'iPad', person: null }, 6);
  t.same(listDeviceNames(db), [{ key: 'aa:bb:cc:dd:ee:ff', name: 'iPad', person: null, updated_ts: 6 }]);
  setDeviceName(db, 'aa:bb:cc:dd:ee:ff', { name: '  ', person: null });
  t.same(listDeviceNames(db), [], 'blank name and person remove the entry');
  t.throws(() => setDeviceName(db, 'kids-ipad', { name: 'x', person: null }), RangeError);
  t.equal(deleteDeviceName(db, '10.0.0.1'), false);
  setDeviceName(db, 'FE80::1', { name: 'v6', person: null });
  t.equal(deleteDeviceName(db, 'fe80::1'), true);
});

t.test('client address normalisation', async (t) => {
  t.equal(normalizeClientIp('::ffff:192.168.1.2'), '192.168.1.2');
  t.equal(normalizeClientIp('::FFFF:10.0.0.1'), '10.0.0.1');
  t.equal(normalizeClientIp('FE80::1'), 'fe80::1');
  t.equal(normalizeClientIp('::ffff:abcd'), '::ffff:abcd', 'not a mapped IPv4');
});
