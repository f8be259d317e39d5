import t from 'tap';
import { Writable } from 'node:stream';
import { createLogger } from '../../lib/log.js';
import type { Pfctl } from '../../lib/pf/pfctl.js';
import { startPfRefresher } from '../../lib/pf/refresher.js';
import { configFor, fakePf, fakeResolver, tmpDataDir } from './helpers.js';

/** A logger whose lines the test can read. */
function capture() {
  const lines: { level: number; msg: string; err?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

/** Timers the test fires by hand: `due` holds the scheduled runs with their delays. */
function manualClock() {
  const due: { run: () => void; ms: number; cancelled: boolean }[] = [];
  return {
    due,
    schedule(run: () => void, ms: number) {
      const job = { run, ms, cancelled: false };
      due.push(job);
      return { cancel: () => void (job.cancelled = true) };
    },
    /** Runs the newest pending job and waits until `done()` (each run ends with one log line). */
    async fire(done: () => boolean) {
      const job = due.at(-1);
      if (!job || job.cancelled) throw new Error('nothing scheduled');
      job.run();
      const deadline = Date.now() + 20_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error('the scheduled run did not finish');
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

/** Fires the pending run and waits for the log line that ends it. */
function nextLine(clock: ReturnType<typeof manualClock>, lines: unknown[]) {
  return async () => {
    const before = lines.length;
    await clock.fire(() => lines.length > before);
  };
}

const RDR = 'rdr pass on igb1 inet proto tcp from any to <yori_ai> port = https -> 127.0.0.1 port 8443';

t.test('refreshes right away and then every refresh_minutes while the redirect is loaded', async (t) => {
  const pf = fakePf(t);
  pf.seed({ mainNat: [RDR] });
  const config = configFor(tmpDataDir(t), ['a.example.test'], { pf: { refresh_minutes: 7 } });
  const clock = manualClock();
  const { logger, lines } = capture();
  const fireOnce = nextLine(clock, lines);
  let now = 1_000;
  const refresher = startPfRefresher(config, logger, {
    pfctl: pf.pfctl,
    resolver: fakeResolver({ 'a.example.test': { v4: ['192.0.2.7'] } }),
    now: () => now,
    schedule: clock.schedule,
  });
  t.teardown(() => refresher.stop());
  t.equal(refresher.lastRefresh(), null);
  t.equal(clock.due[0]!.ms, 0, 'first run at once');
  await fireOnce();
  t.same(refresher.lastRefresh(), { at: 1_000, addresses: 1, error: null });
  t.same(pf.state().tables.yori_ai, ['192.0.2.7']);
  t.equal(clock.due.at(-1)!.ms, 7 * 60_000, 'next run after refresh_minutes');
  t.ok(lines.some((l) => l.msg === 'pf table refreshed'));

  // pfctl breaks: the error is kept, the address count is the last good one, it tries again later.
  pf.failOn('-T replace', 'DIOCRSETADDRS: Device busy');
  now = 2_000;
  await fireOnce();
  t.same(refresher.lastRefresh(), { at: 2_000, addresses: 1, error: 'pfctl -t yori_ai -T replace -f -: pfctl: DIOCRSETADDRS: Device busy' });
  t.ok(lines.some((l) => l.msg === 'pf table refresh failed'));
  t.equal(clock.due.length, 3, 'rescheduled after a failure');

  refresher.stop();
  t.equal(clock.due.at(-1)!.cancelled, true, 'stop cancels the pending run');
});

t.test('does nothing while no redirect is loaded', async (t) => {
  const pf = fakePf(t);
  const config = configFor(tmpDataDir(t), ['a.example.test']);
  const clock = manualClock();
  const { logger, lines } = capture();
  const fireOnce = nextLine(clock, lines);
  const refresher = startPfRefresher(config, logger, { pfctl: pf.pfctl, resolver: fakeResolver({}), schedule: clock.schedule });
  t.teardown(() => refresher.stop());
  await fireOnce();
  t.equal(refresher.lastRefresh(), null);
  t.same(pf.calls().map((c) => c.args.join(' ')), ['-a yori -s nat', '-s nat']);
  t.ok(lines.some((l) => l.msg === 'pf redirect not loaded; table refresh skipped'));
  t.equal(clock.due.length, 2, 'checks again later');
});

t.test('without access to pf it says so once and stops', async (t) => {
  const pf = fakePf(t);
  pf.failOn('.', '/dev/pf: Permission denied');
  const config = configFor(tmpDataDir(t), ['a.example.test']);
  const clock = manualClock();
  const { logger, lines } = capture();
  const fireOnce = nextLine(clock, lines);
  const refresher = startPfRefresher(config, logger, { pfctl: pf.pfctl, resolver: fakeResolver({}), schedule: clock.schedule });
  await fireOnce();
  t.equal(clock.due.length, 1, 'not rescheduled');
  t.equal(refresher.lastRefresh(), null);
  t.match(lines.find((l) => l.level === 30)?.msg, /not usable from this process/);
  refresher.stop();
});

t.test('never throws, whatever the pfctl seam does', async (t) => {
  const config = configFor(tmpDataDir(t), ['a.example.test']);
  const clock = manualClock();
  const { logger, lines } = capture();
  const fireOnce = nextLine(clock, lines);
  const broken: Pfctl = () => Promise.reject(new TypeError('unexpected'));
  const refresher = startPfRefresher(config, logger, { pfctl: broken, resolver: fakeResolver({}), now: () => 9, schedule: clock.schedule });
  await fireOnce();
  t.same(refresher.lastRefresh(), { at: 9, addresses: 0, error: 'unexpected' });
  refresher.stop();
});

t.test('the default timer does not hold the process open', async (t) => {
  const { logger } = capture();
  const config = configFor(tmpDataDir(t), []);
  const never: Pfctl = () => new Promise(() => {});
  const refresher = startPfRefresher(config, logger, { pfctl: never, resolver: fakeResolver({}) });
  refresher.stop();
  t.equal(refresher.lastRefresh(), null);
});
