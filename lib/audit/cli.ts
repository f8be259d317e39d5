/**
 * `yori audit export` and `yori stats` (SPEC §2). They read `<data_dir>/audit.db` through
 * their own connection while the gateway may be writing it (WAL lets both run). With no
 * database yet they report an empty log rather than creating one.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Config } from '../config/schema.js';
import { UsageError } from '../cli-errors.js';
import { writeExport, type ExportFormat } from './export.js';
import { exportEvents, statsSummary, type StatsSummary, type Totals, type WindowStats } from './queries.js';
import { auditDbPath, openAuditDb, type Db } from './store.js';
import { zonedTime } from './time.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 time for --since/--until, as unix ms. A date or a time without an offset is
 * local time in config.timezone (`2024-05-01` is that day's local midnight).
 */
export function parseTimeFlag(flag: string, value: string, tz: string): number {
  const m = ISO.exec(value.trim());
  const fail = (): never => {
    throw new UsageError(`--${flag}: expected an ISO time such as 2024-05-01 or 2024-05-01T18:00:00Z, got ${JSON.stringify(value.slice(0, 40))}`);
  };
  if (!m) return fail();
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const parts = [+y!, +mo!, +d!, +h, +mi, +s];
  if (parts[1]! < 1 || parts[1]! > 12 || parts[2]! < 1 || parts[2]! > 31 || parts[3]! > 23 || parts[4]! > 59 || parts[5]! > 59) return fail();
  const ms = frac ? Math.round(Number(frac) * 1000) : 0;
  // Rejects days that do not exist (2024-02-31) rather than rolling them over.
  if (new Date(Date.UTC(parts[0]!, parts[1]! - 1, parts[2]!)).getUTCDate() !== parts[2]) return fail();
  if (!zone) return zonedTime(tz, parts[0]!, parts[1]!, parts[2]!, parts[3]!, parts[4]!) + parts[5]! * 1000 + ms;
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  const offsetMin = z ? (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) : 0;
  return Date.UTC(parts[0]!, parts[1]! - 1, parts[2]!, parts[3]!, parts[4]!, parts[5]!) + ms - offsetMin * 60_000;
}

/** The audit DB, or an empty in-memory one when the gateway has not created it yet. */
function openForReading(config: Config): Db {
  const path = auditDbPath(config.data_dir);
  return openAuditDb(existsSync(path) ? path : ':memory:');
}

function isEpipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'EPIPE';
}

export async function auditExportCommand(
  config: Config,
  opts: { format: ExportFormat; since?: string; until?: string; out?: string },
  stdout: Writable = process.stdout,
): Promise<number> {
  const since = opts.since === undefined ? undefined : parseTimeFlag('since', opts.since, config.timezone);
  const until = opts.until === undefined ? undefined : parseTimeFlag('until', opts.until, config.timezone);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new UsageError(`--since (${new Date(since).toISOString()}) must be before --until (${new Date(until).toISOString()})`);
  }
  let file: WriteStream | null = null;
  if (opts.out) {
    file = createWriteStream(opts.out);
    await once(file, 'open'); // a bad path fails here, before any work
  }
  const out = file ?? stdout;
  const db = openForReading(config);
  try {
    const count = await writeExport(opts.format, exportEvents(db, { since, until }), out);
    if (file) {
      file.end();
      await finished(file);
      process.stderr.write(`yori: exported ${count} events to ${opts.out}\n`);
    }
    return 0;
  } catch (e) {
    // The reader went away (`yori audit export | head`): not a failure of the export.
    if (!file && isEpipe(e)) return 0;
    throw e;
  } finally {
    db.close();
    file?.destroy();
  }
}

const n = (x: number) => x.toLocaleString('en-US');

/** Left-aligns text columns and right-aligns number columns. */
function table(rows: (string | number)[][], indent = '  '): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(typeof r[c] === 'number' ? n(r[c] as number) : r[c]).length)));
  return rows
    .map((r) => indent + r.map((cell, c) => (typeof cell === 'number' ? n(cell).padStart(widths[c]!) : String(cell).padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

const TOTAL_HEAD = ['requests', 'tokens', 'blocked', 'alerted'];
const totalCells = (t: Totals) => [t.requests, t.tokens, t.blocked, t.alerted];

function hhmm(ms: number, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
}

/** The text form of `yori stats`. */
export function formatStats(s: StatsSummary): string {
  const out = [`YORI usage (${s.tz}, ${new Date(s.now).toISOString()})`, ''];
  out.push(table([['', ...TOTAL_HEAD], [`today (since ${hhmm(s.today.since, s.tz)})`, ...totalCells(s.today.totals)], ['last 24 hours', ...totalCells(s.last_24h.totals)]], ''));
  const section = (title: string, w: WindowStats) => {
    out.push('', title);
    if (w.devices.length === 0) {
      out.push('  no AI use recorded');
      return;
    }
    out.push(table([
      ['device', 'person', 'address', ...TOTAL_HEAD],
      ...w.devices.map((d) => [d.client_name ?? '-', d.person ?? '-', d.client_ip, ...totalCells(d)]),
    ]));
    out.push('', table([['provider', ...TOTAL_HEAD], ...w.providers.map((p) => [p.provider, ...totalCells(p)])]));
  };
  section('Last 24 hours, per device and per provider:', s.last_24h);
  return out.join('\n') + '\n';
}

export async function statsCommand(config: Config, opts: { json: boolean }, stdout: Writable = process.stdout): Promise<number> {
  const db = openForReading(config);
  try {
    const summary = statsSummary(db, Date.now(), config.timezone);
    stdout.write(opts.json ? JSON.stringify(summary, null, 2) + '\n' : formatStats(summary));
    return 0;
  } finally {
    db.close();
  }
}
