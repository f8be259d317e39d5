import t from 'tap';
import { addDays, localParts, startOfDay, startOfHour, zonedTime } from '../../lib/audit/time.js';

const iso = (ms: number) => new Date(ms).toISOString();

t.test('local midnight in a zone, across DST changes', async (t) => {
  // Berlin: CET (+1) in winter, CEST (+2) from 2024-03-31 02:00.
  t.equal(iso(startOfDay(Date.parse('2024-01-15T12:00:00Z'), 'Europe/Berlin')), '2024-01-14T23:00:00.000Z');
  t.equal(iso(startOfDay(Date.parse('2024-07-15T12:00:00Z'), 'Europe/Berlin')), '2024-07-14T22:00:00.000Z');
  t.equal(iso(startOfDay(Date.parse('2024-01-14T23:30:00Z'), 'Europe/Berlin')), '2024-01-14T23:00:00.000Z', 'just after local midnight');
  t.equal(iso(startOfDay(Date.parse('2024-01-14T22:30:00Z'), 'Europe/Berlin')), '2024-01-13T23:00:00.000Z', 'just before it');
  const springDay = startOfDay(Date.parse('2024-03-31T12:00:00Z'), 'Europe/Berlin');
  t.equal(addDays(springDay, 1, 'Europe/Berlin') - springDay, 23 * 3_600_000, 'the spring-forward day has 23 hours');
  const fallDay = startOfDay(Date.parse('2024-10-27T12:00:00Z'), 'Europe/Berlin');
  t.equal(addDays(fallDay, 1, 'Europe/Berlin') - fallDay, 25 * 3_600_000, 'the fall-back day has 25 hours');
  t.equal(iso(addDays(Date.parse('2024-03-01T12:00:00Z'), -1, 'UTC')), '2024-02-29T00:00:00.000Z', 'month and leap-day roll-over');
});

t.test('half-hour zones and hours', async (t) => {
  t.equal(iso(startOfDay(Date.parse('2024-05-01T12:00:00Z'), 'Asia/Kolkata')), '2024-04-30T18:30:00.000Z');
  t.equal(iso(startOfHour(Date.parse('2024-05-01T12:10:00Z'), 'Asia/Kolkata')), '2024-05-01T11:30:00.000Z', 'local hours start at :30 UTC');
  t.equal(iso(startOfHour(Date.parse('2024-05-01T12:10:42.5Z'), 'UTC')), '2024-05-01T12:00:00.000Z');
  t.same(localParts(Date.parse('2024-05-01T18:45:00Z'), 'Asia/Kathmandu'), { year: 2024, month: 5, day: 2, hour: 0, minute: 30 });
});

t.test('a wall time skipped by DST maps past the jump', async (t) => {
  const skipped = zonedTime('Europe/Berlin', 2024, 3, 31, 2, 30);
  t.equal(iso(skipped), '2024-03-31T01:30:00.000Z', '02:30 does not exist; 03:30 CEST');
  t.equal(iso(zonedTime('America/New_York', 2024, 11, 3, 12)), '2024-11-03T17:00:00.000Z');
});
