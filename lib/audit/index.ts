/** The audit log's public surface (SPEC §4): store, rows, writer, retention, queries, export. */
export { auditDbPath, openAuditDb, migrate, type Db, type Migration, type MigrationSet, type OpenOptions } from './store.js';
export { rowFromExchange, rowFromConnection, promptPreview, AUDIT_COLUMNS, type AuditRow } from './row.js';
export { AuditWriter, type AuditWriterOptions, type AuditWriterStats } from './writer.js';
export { Retention, pruneBefore, retentionCutoff, type RetentionOptions } from './retention.js';
export {
  statsSummary, statsSeries, eventsPage, exportEvents, encodeCursor, decodeCursor, MAX_PAGE,
  type StatsSummary, type StatsSeries, type SeriesRange, type EventFilters, type EventsPage, type Totals, type WindowStats,
} from './queries.js';
export { writeCsv, writeJsonl, writeExport, csvField, type ExportFormat } from './export.js';
export { usageSeedRows, knownClients } from './seed.js';
