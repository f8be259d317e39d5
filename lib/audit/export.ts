/**
 * Audit export formats: CSV (RFC 4180, spreadsheet-safe) and JSON Lines, streamed from a row
 * iterator to a Writable with backpressure, so memory stays flat however many rows there are.
 * Used by `yori audit export` and the dashboard's export endpoint.
 */
import type { Writable } from 'node:stream';
import { AUDIT_COLUMNS, type AuditRow } from './row.js';

export type ExportFormat = 'csv' | 'jsonl';

export const EXPORT_COLUMNS = ['id', ...AUDIT_COLUMNS] as const;

/** Lines are gathered up to this size before a write: fewer, larger writes. */
const WRITE_CHUNK = 64 * 1024;

/** Cells a spreadsheet would evaluate as a formula (or that hide one behind a tab/CR). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field: formulas neutralised with a leading `'`, quoted per RFC 4180 when needed. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  let s = String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return EXPORT_COLUMNS.join(',') + '\r\n';
}

export function csvLine(row: AuditRow): string {
  let line = '';
  for (let i = 0; i < EXPORT_COLUMNS.length; i++) line += (i ? ',' : '') + csvField(row[EXPORT_COLUMNS[i]!]);
  return line + '\r\n';
}

/** One JSON object per line; `policy_reasons` as an array rather than a JSON string. */
export function jsonLine(row: AuditRow): string {
  let reasons: unknown;
  try {
    reasons = JSON.parse(row.policy_reasons);
  } catch {
    reasons = [row.policy_reasons];
  }
  return JSON.stringify({ ...row, policy_reasons: reasons }) + '\n';
}

/** Resolves on 'drain'; rejects if the stream fails or closes first. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (e: Error) => done(e);
    const onClose = () => done(new Error('output closed before the export finished'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

/**
 * Writes `head` and one line per row to `out`, waiting for 'drain' whenever the stream's
 * buffer is full. Does not end `out`. Resolves to the number of rows written.
 */
export async function streamRows(rows: Iterable<AuditRow>, out: Writable, line: (row: AuditRow) => string, head = ''): Promise<number> {
  let failure: Error | null = null;
  const onError = (e: Error) => {
    failure ??= e;
  };
  out.on('error', onError);
  try {
    let buf = head;
    let count = 0;
    const write = async () => {
      if (failure) throw failure;
      if (out.destroyed) throw new Error('output closed before the export finished');
      const ok = out.write(buf);
      buf = '';
      if (!ok) await drained(out);
    };
    for (const row of rows) {
      buf += line(row);
      count++;
      if (buf.length >= WRITE_CHUNK) await write();
    }
    if (buf) await write();
    if (failure) throw failure;
    return count;
  } finally {
    out.off('error', onError);
  }
}

export function writeCsv(rows: Iterable<AuditRow>, out: Writable): Promise<number> {
  return streamRows(rows, out, csvLine, csvHeader());
}

export function writeJsonl(rows: Iterable<AuditRow>, out: Writable): Promise<number> {
  return streamRows(rows, out, jsonLine);
}

export function writeExport(format: ExportFormat, rows: Iterable<AuditRow>, out: Writable): Promise<number> {
  return format === 'csv' ? writeCsv(rows, out) : writeJsonl(rows, out);
}
