import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseDnsmasqLeases, parseIscLeases, parseKeaLeases, parseLeases } from '../../lib/devices/leases.js';
import type { Lease } from '../../lib/devices/types.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const byIp = (leases: Lease[]) => [...leases].sort((a, b) => a.ip.localeCompare(b.ip));

t.test('ISC dhcpd.leases: the newest bound entry per address', async (t) => {
  t.same(byIp(parseIscLeases(fixture('dhcpd.leases'), NOW)), [
    { ip: '192.168.1.100', mac: '00:11:22:33:44:55', hostname: 'Pixel-8 {kids}; "phone"' },
    { ip: '192.168.1.101', mac: 'aa:bb:cc:dd:ee:01', hostname: 'kids-ipad' },
    { ip: '192.168.1.102', mac: 'aa:bb:cc:dd:ee:02', hostname: null },
  ]);
  t.same(parseIscLeases(fixture('dhcpd.leases'), Date.parse('2024-05-01T22:30:00Z')).map((l) => l.ip), ['192.168.1.102'], 'later, only the never-ending lease is left');
  t.same(parseIscLeases('lease 10.0.0.1 { hardware ethernet 01:02:03:04:05:06; client-hostname "a\\101\\\\b"; }', NOW), [
    { ip: '10.0.0.1', mac: '01:02:03:04:05:06', hostname: 'aA\\b' },
  ], 'octal and backslash escapes; no binding state or ends means bound');
});

t.test('Kea lease4 CSV: state, lifetime 0 and expiry; escaped commas', async (t) => {
  t.same(byIp(parseKeaLeases(fixture('kea-leases4.csv'), NOW)), [
    { ip: '192.168.1.100', mac: '00:11:22:33:44:55', hostname: 'pixel-8' },
    { ip: '192.168.1.101', mac: 'aa:bb:cc:dd:ee:01', hostname: 'kids,ipad' },
    { ip: '192.168.1.102', mac: 'aa:bb:cc:dd:ee:02', hostname: null },
  ]);
  t.same(parseKeaLeases('', NOW), []);
  t.same(parseKeaLeases('something,else\n1,2\n', NOW), [], 'a file without the address/expire columns');
  t.same(parseKeaLeases('address,expire\n10.0.0.9,1714640000\n', NOW), [{ ip: '10.0.0.9', mac: null, hostname: null }], 'minimal columns');
});

t.test('dnsmasq.leases: expiry 0 is forever; IPv6 and non-Ethernet entries have no MAC', async (t) => {
  t.same(byIp(parseDnsmasqLeases(fixture('dnsmasq.leases'), NOW)), [
    { ip: '192.168.1.100', mac: '00:11:22:33:44:55', hostname: 'Pixel-8' },
    { ip: '192.168.1.101', mac: 'aa:bb:cc:dd:ee:01', hostname: 'kids-ipad' },
    { ip: '192.168.1.102', mac: 'aa:bb:cc:dd:ee:02', hostname: null },
    { ip: '192.168.1.109', mac: null, hostname: 'infiniband' },
  ]);
});

t.test('garbage never throws', async (t) => {
  const junk = ['\0\xff{{{;;', 'lease', 'lease 1.2.3.4 {', '}}}} lease 300.1.1.1 { }', '"unterminated', '# only a comment'];
  for (const text of junk) {
    for (const format of ['isc', 'kea', 'dnsmasq'] as const) t.doesNotThrow(() => parseLeases(format, text, NOW), `${format}: ${JSON.stringify(text)}`);
  }
  t.same(parseLeases('isc', 'lease 300.1.1.1 { binding state active; }', NOW), [], 'an impossible address');
  t.equal(parseLeases('kea', fixture('kea-leases4.csv'), NOW).length, 3);
  t.equal(parseLeases('dnsmasq', fixture('dnsmasq.leases'), NOW).length, 4);
});
