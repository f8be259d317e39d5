import t from 'tap';
import { formatTime, loadZone, parseDuration, parseTime } from '../../lib/policy/rego/builtins/time.js';
import { callIn, call, ctx, err, show } from './rego-builtins-helpers.js';

const S = 1_000_000_000n;

t.test('time.now_ns is the query clock', async (t) => {
  const c = ctx({ nowNs: 1234n });
  t.equal(callIn(c, 'time.now_ns'), 1234);
});

t.test('time.parse_ns, parse_rfc3339_ns, parse_duration_ns', async (t) => {
  t.equal(call('time.parse_ns', '2006-01-02T15:04:05Z07:00', '2017-06-02T19:00:00-07:00'), 1496455200000000000n);
  t.equal(call('time.parse_ns', "01/02 03:04:05PM '06 -0700", "06/02 07:00:00PM '17 -0700"), 1496455200000000000n);
  t.equal(call('time.parse_ns', 'RFC822Z', '02 Jun 17 19:00 -0700'), 1496455200000000000n);
  t.equal(call('time.parse_ns', 'RFC1123', 'Fri, 02 Jun 2017 19:00:00 UTC'), 1496430000000000000n);
  t.equal(call('time.parse_ns', 'RFC850', 'Friday, 02-Jun-17 19:00:00 GMT+2'), 1496422800000000000n);
  t.equal(call('time.parse_ns', 'RFC3339Nano', '2017-06-02T19:00:00.123456789Z'), 1496430000123456789n);
  t.equal(call('time.parse_ns', '2006-01-02 15:04:05.000', '2017-06-02 19:00:00.250'), 1496430000250000000n);
  t.equal(call('time.parse_ns', '2006-01-02 15:04:05', '2017-06-02 19:00:00.5'), 1496430000500000000n, 'fraction the layout does not name');
  t.equal(call('time.parse_ns', '2006-01-02 15:04:05.999', '2017-06-02 19:00:00'), 1496430000000000000n);
  t.equal(call('time.parse_ns', 'Jan _2 2006 3pm', 'jun  2 2017 7pm'), 1496430000000000000n);
  t.equal(call('time.parse_ns', 'January 2, 2006 15:04 -07', 'June 2, 2017 19:00 +02'), 1496422800000000000n);
  t.equal(call('time.parse_ns', '2006-002 Z070000', '2020-060 +010203'), 1582934400000000000n - 3723n * S);
  t.equal(call('time.parse_ns', '2006-__2 Z07:00:00', '2020- 61 -01:00:00'), 1583020800000000000n + 3600n * S);
  t.equal(call('time.parse_ns', '06 1 2 3:4:5 PM MST -07:00:00', '17 6 2 7:0:0 AM XYZ +00:00:00'), 1496386800000000000n);
  t.equal(call('time.parse_ns', '2006-01-02 Monday Z07 -070000', '2017-06-02 Friday Z +000000'), 1496361600000000000n);
  t.equal(call('time.parse_ns', '2006-01-02 15:04 -07', '2017-06-02 12:00 -07'), 1496430000000000000n);
  t.equal(call('time.parse_ns', '2006 03:04 PM', '2020 12:00 AM'), 1577836800000000000n);
  t.equal(err('time.parse_ns', '03:04 PM', '12:00 AM'), 'eval_builtin_error: time.parse_ns: time outside of valid range', 'year 0');
  t.equal(call('time.parse_rfc3339_ns', '1677-09-21T00:12:43.145224192-00:00'), -9223372036854775808n);
  t.equal(call('time.parse_rfc3339_ns', '2262-04-11T23:47:16.854775807Z'), 9223372036854775807n);
  t.equal(err('time.parse_rfc3339_ns', '2262-04-11T23:47:16.854775808Z'), 'eval_builtin_error: time.parse_rfc3339_ns: time outside of valid range');
  t.equal(err('time.parse_ns', '2006-01-02', '2020-02-30'), 'eval_builtin_error: time.parse_ns: parsing time "2020-02-30": day out of range');
  t.equal(err('time.parse_ns', '2006-01-02', 'x'), 'eval_builtin_error: time.parse_ns: parsing time "x" as "2006-01-02": cannot parse "x" as "2006"');
  t.equal(err('time.parse_ns', '2006', '2006 x'), 'eval_builtin_error: time.parse_ns: parsing time "2006 x": extra text: " x"');
  const bad: [string, string, RegExp][] = [
    ['01', '13', /month out of range/],
    ['15', '25', /hour out of range/],
    ['3', '13', /hour out of range/],
    ['04', '61', /minute out of range/],
    ['05', '61', /second out of range/],
    ['2006-002', '2021-366', /day-of-year out of range/],
    ['2006-01-02-002', '2021-02-01-001', /day-of-year out of range/],
    ['-07:00', '+25:00', /time zone offset out of range/],
    ['Jan', 'Foo', /cannot parse "Foo" as "Jan"/],
    ['PM', 'XM', /cannot parse "XM" as "PM"/],
    ['pm', 'PM', /cannot parse "PM" as "pm"/],
    ['MST', '123', /cannot parse "123" as "MST"/],
    ['.000', '.12', /cannot parse ".12" as ".000"/],
    ['02', '2', /cannot parse "2" as "02"/],
    ['06', 'x', /cannot parse "x" as "06"/],
    ['002', '1', /cannot parse "1" as "002"/],
    ['Z07:00', '+0100', /cannot parse "\+0100" as "Z07:00"/],
    ['2006 01', '2006  x', /cannot parse/],
    ['2006 01', '2006x01', /cannot parse/],
  ];
  for (const [layout, value, re] of bad) t.match(err('time.parse_ns', layout, value), re, `${layout} / ${value}`);
  t.equal(call('time.parse_ns', '2006-01-02-002', '2020-02-29-060'), 1582934400000000000n);
  t.equal(call('time.parse_ns', '2006 __2', '2021 365'), 1640908800000000000n);
  t.equal(call('time.parse_duration_ns', '100ms'), 100000000);
  t.equal(call('time.parse_duration_ns', '1h30m1.5s'), 5401500000000);
  t.equal(call('time.parse_duration_ns', '-1.5µs'), -1500);
  t.equal(call('time.parse_duration_ns', '+2us3ns'), 2003);
  t.equal(call('time.parse_duration_ns', '0'), 0);
  t.equal(err('time.parse_duration_ns', '1'), 'eval_builtin_error: time.parse_duration_ns: time: missing unit in duration "1"');
  t.equal(err('time.parse_duration_ns', '1x'), 'eval_builtin_error: time.parse_duration_ns: time: unknown unit "x" in duration "1x"');
  t.equal(err('time.parse_duration_ns', ''), 'eval_builtin_error: time.parse_duration_ns: time: invalid duration ""');
  t.equal(err('time.parse_duration_ns', '.s'), 'eval_builtin_error: time.parse_duration_ns: time: invalid duration ".s"');
  t.equal(err('time.parse_duration_ns', '9999999999h'), 'eval_builtin_error: time.parse_duration_ns: time: invalid duration "9999999999h"');
  t.equal(parseDuration('1.5h'), 5400n * S);
  t.equal(parseTime('2006', '1970'), 0n);
});

t.test('time.date, clock, weekday, add_date, diff with zones', async (t) => {
  const ns = 1517814000n * S;
  t.equal(show('time.date', ns), '[2018, 2, 5]');
  t.equal(show('time.date', [ns, 'America/Los_Angeles']), '[2018, 2, 4]');
  t.equal(show('time.date', [ns, '']), '[2018, 2, 5]');
  t.equal(show('time.date', [ns, 'UTC']), '[2018, 2, 5]');
  t.equal(show('time.date', [ns]), '[2018, 2, 5]');
  t.equal(show('time.clock', [1517832000n * S, 'America/New_York']), '[7, 0, 0]');
  t.equal(show('time.clock', -1n), '[23, 59, 59]');
  t.equal(show('time.date', -9223372036854775808n), '[1677, 9, 21]');
  t.equal(show('time.weekday', 1517832000000000000n), '"Monday"');
  t.equal(show('time.weekday', [1518350400000000000n, 'Asia/Tokyo']), '"Sunday"');
  t.equal(show('time.add_date', 1585852421593912000n, 3, 9, 12), '1705257221593912000');
  t.equal(show('time.add_date', 1585852421593912000n, -1, -1, -1), '1551465221593912000');
  t.equal(show('time.add_date', [1585852421593912000n, 'Europe/Berlin'], 0, 1, 0), String(1585852421593912000n + 30n * 86400n * S));
  t.equal(show('time.add_date', 0, 0, 13, 0), String(396n * 86400n * S), 'month overflow carries into the year');
  t.equal(show('time.add_date', 0, 0, -13, 0), String(-(365n + 31n) * 86400n * S));
  t.equal(err('time.add_date', 0, 2262, 1, 1), 'eval_builtin_error: time.add_date: time outside of valid range');
  t.equal(show('time.diff', 1580601600000000000n, 1583020800000000000n), '[0, 0, 28, 0, 0, 0]');
  t.equal(show('time.diff', 1583020800000000000n, 1580601600000000000n), '[0, 0, 28, 0, 0, 0]');
  t.equal(show('time.diff', 1612224000000000000n, 1614556800000000000n), '[0, 0, 27, 0, 0, 0]');
  t.equal(show('time.diff', 1078012800000000000n, 1109635200000000000n), '[1, 0, 1, 0, 0, 0]');
  t.equal(show('time.diff', [61n * S, 'UTC'], [0, 'Asia/Shanghai']), '[0, 0, 0, 0, 1, 1]');
  t.equal(show('time.diff', 0, 86399n * S), '[0, 0, 0, 23, 59, 59]');
  t.equal(show('time.diff', 1n * S, 31536000n * S), '[0, 11, 30, 23, 59, 59]');
  t.equal(err('time.date', 1582977600n * 10n ** 12n), 'eval_builtin_error: time.date: timestamp too big');
  t.equal(err('time.date', 1.5), 'eval_builtin_error: time.date: timestamp too big');
  t.equal(err('time.date', [0, 'Mars/Olympus']), 'eval_builtin_error: time.date: unknown time zone Mars/Olympus');
  t.equal(err('time.date', [0, '../etc']), 'eval_builtin_error: time.date: unknown time zone ../etc');
  t.equal(err('time.date', []), 'eval_type_error: time.date: operand 1 must be either number (ns) or [number (ns), string (tz)] but got array');
  t.equal(err('time.date', 'x'), 'eval_type_error: time.date: operand 1 must be either number (ns) or [number (ns), string (tz)] but got string');
  t.equal(err('time.date', ['x']), 'eval_type_error: time.date: operand 1 must be number but got string');
  t.equal(err('time.date', [0, 1]), 'eval_type_error: time.date: operand 1 must be string but got number');
  t.equal(err('time.format', [0, 'UTC', 1]), 'eval_type_error: time.format: operand 1 must be string but got number');
  t.ok(loadZone('Local').offset(0) !== undefined);
});

t.test('time.format with Go layouts', async (t) => {
  const ns = 1670006453141828752n;
  t.equal(call('time.format', ns), '2022-12-02T18:40:53.141828752Z');
  t.equal(call('time.format', [ns, 'Asia/Kolkata']), '2022-12-03T00:10:53.141828752+05:30');
  t.equal(call('time.format', [ns, 'Asia/Kolkata', 'Mon Jan 02 15:04:05 -0700 2006']), 'Sat Dec 03 00:10:53 +0530 2022');
  t.equal(call('time.format', [ns, 'Asia/Kolkata', 'RFC1123Z']), 'Sat, 03 Dec 2022 00:10:53 +0530');
  t.equal(call('time.format', [ns, 'America/New_York', 'RFC1123']), 'Fri, 02 Dec 2022 13:40:53 EST');
  t.equal(call('time.format', [ns, 'UTC', 'Monday January _2 06 3:4:5 pm PM .000 ,999 .99 002 __2 1 01 2 02']), 'Friday December  2 22 6:40:53 pm PM .141 ,141 .14 336 336 12 12 2 02');
  t.equal(call('time.format', [ns, 'America/St_Johns', 'Z07:00 Z0700 Z07 Z070000 Z07:00:00 -07 -070000 -07:00:00 MST']), '-03:30 -0330 -03 -033000 -03:30:00 -03 -033000 -03:30:00 NST');
  t.equal(call('time.format', [ns, 'UTC', 'Z07 MST _2006']), 'Z UTC _2022');
  t.equal(call('time.format', [0n, 'UTC', '.000000000 .999999999']), '.000000000 ');
  t.equal(call('time.format', [-9223372036854775808n, 'UTC', '2006-01-02T15:04:05.999999999']), '1677-09-21T00:12:43.145224192');
  t.equal(call('time.format', [ns, 'Asia/Kathmandu', 'MST']), '+0545');
  t.equal(formatTime(0n, loadZone('Etc/GMT+5'), 'MST'), '-05');
  t.equal(err('time.format', 1582977600n * 10n ** 13n), 'eval_builtin_error: time.format: timestamp too big');
});

t.test('net.cidr_* built-ins', async (t) => {
  t.equal(call('net.cidr_contains', '10.0.0.0/8', '10.1.0.0/24'), true);
  t.equal(call('net.cidr_contains', '172.17.0.0/24', '172.17.0.0/16'), false);
  t.equal(call('net.cidr_contains', '10.0.0.0/8', '10.1.2.3'), true);
  t.equal(call('net.cidr_contains', '10.0.0.0/8', '11.1.2.3'), false);
  t.equal(call('net.cidr_contains', '2001:4860:4860::8888/32', '2001:4860:4860:1234::8888/40'), true);
  t.equal(call('net.cidr_contains', '2001:4860::/96', '2001:4860::/32'), false);
  t.equal(call('net.cidr_contains', '10.0.0.0/8', '::1'), false);
  t.equal(call('net.cidr_contains', '::ffff:10.0.0.0/104', '10.1.2.3'), true);
  t.equal(call('net.cidr_contains', '::ffff:10.0.0.0/104', '11.1.2.3'), false);
  t.equal(call('net.cidr_contains', '0.0.0.0/0', '::ffff:1.2.3.4'), true);
  t.equal(err('net.cidr_contains', 'not-a-cidr', '1.2.3.4'), 'eval_builtin_error: net.cidr_contains: invalid CIDR address: not-a-cidr');
  t.equal(err('net.cidr_contains', '10.0.0.0/8', 'x'), 'eval_builtin_error: net.cidr_contains: not a valid textual representation of an IP address or CIDR: x');
  t.equal(call('net.cidr_intersects', '192.168.1.0/25', '192.168.1.64/25'), true);
  t.equal(call('net.cidr_intersects', '192.168.1.0/24', '192.168.2.0/24'), false);
  t.equal(call('net.cidr_is_valid', '2002::1234:abcd:ffff:c0a8:101/64'), true);
  for (const bad of ['192.168.1.2', '', '1.2.3.4/33', '1.2.3/8', '01.2.3.4/8', '1.2.3.4/x', ':::/8', '1::2::3/8', '1:2:3:4:5:6:7:8:9/64', '1:2:3:4:5:6:7/64', '::g/8', '::1.2.3/96', 1]) {
    t.equal(call('net.cidr_is_valid', bad), false, String(bad));
  }
  t.equal(call('net.cidr_is_valid', '::ffff:1.2.3.4/128'), true);
  t.equal(show('net.cidr_expand', '192.168.1.1/30'), '{"192.168.1.0", "192.168.1.1", "192.168.1.2", "192.168.1.3"}');
  t.equal(show('net.cidr_expand', 'fe80::1/127'), '{"fe80::", "fe80::1"}');
  t.match(err('net.cidr_expand', '10.0.0.0/8'), /holds more than 1048576 addresses/);
  t.equal(err('net.cidr_expand', '192.168.1.1/33'), 'eval_builtin_error: net.cidr_expand: invalid CIDR address: 192.168.1.1/33');
  t.equal(show('net.cidr_contains_matches', [['1.1.2.0/24', 1], '1.1.1.0/24'], ['1.1.1.1', '1.1.2.1']), '{[0, 1], [1, 0]}');
  t.equal(show('net.cidr_contains_matches', { k1: '1.1.1.1/24', k2: ['1.1.1.2/24', 1] }, '1.1.1.128'), '{["k1", "1.1.1.128"], ["k2", "1.1.1.128"]}');
  t.equal(show('net.cidr_contains_matches', new Set([['1.1.1.0/24', 'x']]), new Set(['1.1.1.1'])), '{[["1.1.1.0/24", "x"], "1.1.1.1"]}');
  t.equal(show('net.cidr_contains_matches', 1, '1.1.1.1'), 'set()');
  t.equal(err('net.cidr_contains_matches', ['1.1.2.0/24'], ['1.1.1.1', 1]), 'eval_builtin_error: net.cidr_contains_matches: operand 2: element must be string or non-empty array');
  t.equal(err('net.cidr_contains_matches', [[]], '1.1.1.1'), 'eval_builtin_error: net.cidr_contains_matches: operand 1: element must be string or non-empty array');
});

t.test('net.cidr_merge (netaddr algorithm)', async (t) => {
  const m = (...xs: string[]) => show('net.cidr_merge', xs);
  t.equal(m('192.0.128.0/24', '192.0.129.0/24'), '{"192.0.128.0/23"}');
  t.equal(m('192.0.2.112/30', '192.0.2.116/31', '192.0.2.118/31'), '{"192.0.2.112/29"}');
  t.equal(m('192.0.2.112/30', '192.0.2.116/32', '192.0.2.118/31'), '{"192.0.2.112/30", "192.0.2.116/32", "192.0.2.118/31"}');
  t.equal(m('192.0.2.112/31', '192.0.2.116/31', '192.0.2.118/31'), '{"192.0.2.112/31", "192.0.2.116/30"}');
  t.equal(m('192.0.128.0/24', '0.0.0.0/0'), '{"0.0.0.0/0"}');
  t.equal(m('::/0', 'fe80::1/128'), '{"::/0"}');
  t.equal(m('fe80::/120', '192.0.2.0/24', '192.0.3.0/24'), '{"192.0.2.0/23", "fe80::/120"}');
  t.equal(m('192.0.2.112', '192.0.2.116/31'), '{"192.0.2.0/24"}');
  t.equal(m('10.1.2.3'), '{"10.1.2.3/8"}', 'a bare IPv4 address takes its classful mask');
  t.equal(m('172.16.0.1'), '{"172.16.0.1/16"}');
  t.equal(m('10.0.0.0/31', '10.0.0.2/32', '10.0.0.4/30'), '{"10.0.0.0/31", "10.0.0.2/32", "10.0.0.4/30"}');
  t.equal(m('10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/32'), '{"10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/32"}', 'merged, then split into minimal blocks');
  t.equal(show('net.cidr_merge', new Set(['10.0.0.0/25', '10.0.0.128/25'])), '{"10.0.0.0/24"}');
  t.equal(m('1::/128', '1::1/128', '1::2/127'), '{"1::/126"}');
  t.equal(m(), 'set()');
  t.equal(err('net.cidr_merge', ['2601:600::1']), 'eval_builtin_error: net.cidr_merge: IPv6 invalid: needs prefix length');
  t.equal(err('net.cidr_merge', ['foo']), 'eval_builtin_error: net.cidr_merge: invalid CIDR address: foo');
  t.equal(err('net.cidr_merge', [1]), 'eval_builtin_error: net.cidr_merge: element must be string');
  t.equal(err('net.cidr_merge', 'x'), 'eval_builtin_error: net.cidr_merge: operand must be an array');
});

t.test('net.lookup_ip_addr never uses the network', async (t) => {
  t.equal(show('net.lookup_ip_addr', '10.0.0.0'), '{"10.0.0.0"}');
  t.equal(show('net.lookup_ip_addr', '::'), '{"::"}');
  t.equal(show('net.lookup_ip_addr', '2001:db8:0:0:1:0:0:1'), '{"2001:db8::1:0:0:1"}');
  t.equal(show('net.lookup_ip_addr', '1:0:1:0:1:0:1:0'), '{"1:0:1:0:1:0:1:0"}');
  t.equal(show('net.lookup_ip_addr', 'localhost'), '{"127.0.0.1", "::1"}');
  t.equal(show('net.lookup_ip_addr', 'a.localhost'), '{"127.0.0.1", "::1"}');
  t.equal(err('net.lookup_ip_addr', 'example.com'), 'eval_builtin_error: net.lookup_ip_addr: lookup example.com: DNS lookups are not available to policies');
});
