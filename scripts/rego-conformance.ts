// Runs OPA's Rego conformance cases (shared/rego-conformance/v1) against
// YORI's engine, with the semantics of OPA's own runner (see the README
// beside the cases). Used by test/policy/rego-conformance.test.ts and, as a
// script, to print the results or refresh the table in docs/REGO.md:
//
//   npx tsx scripts/rego-conformance.ts             # summary + failures
//   npx tsx scripts/rego-conformance.ts --write-doc # also rewrite the docs/REGO.md table
//   npx tsx scripts/rego-conformance.ts --folder every --verbose

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import type { BuiltinDef } from '../lib/policy/rego/builtins/index.js';
import { ENGINE_FUNCTION_NAMES } from '../lib/policy/rego/compiler.js';
import { compileModules, parseTerm, type Value } from '../lib/policy/rego/index.js';
import { RegoObject, RegoSet, compare, equals, fromJSON, toJSON } from '../lib/policy/rego/value.js';

/**
 * Cases are skipped only when they call a built-in that YORI deliberately does
 * not implement: UNSUPPORTED_BUILTINS (lib/policy/rego/builtins/index.ts) is
 * the one table of those, with the reasons; compiling such a case fails with
 * "unsupported built-in function <name>: <reason>".
 */
import { UNSUPPORTED_BUILTINS } from '../lib/policy/rego/builtins/index.js';

export { UNSUPPORTED_BUILTINS };

const UNSUPPORTED_ERROR = /rego_type_error: unsupported built-in function (\S+): (.*)$/;

export const DEFAULT_CASES = fileURLToPath(new URL('../../shared/rego-conformance/v1', import.meta.url));

interface Case {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_error_code?: string;
  want_error?: string;
  sort_bindings?: boolean;
  strict_error?: boolean;
  ignore_generated_vars?: boolean;
}

export type Outcome = 'pass' | 'fail' | 'skip';

export interface CaseResult {
  folder: string;
  file: string;
  index: number;
  note: string;
  outcome: Outcome;
  reason: string;
}

export interface Report {
  results: CaseResult[];
  passed: number;
  failed: number;
  skipped: number;
  folders: Map<string, { passed: number; failed: number; skipped: number }>;
}

/** OPA's test-only built-in `test.sleep("10ms")`. */
const testSleep: BuiltinDef = {
  name: 'test.sleep',
  arity: 1,
  fn: ([d]) => {
    const m = /^(\d+)ms$/.exec(String(d));
    const ms = m ? Number(m[1]) : 0;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    return null;
  },
};

/** A binding as OPA's runner sees it: JSON-converted (sets → arrays, non-string keys → strings). */
function normalize(v: Value, sortArrays: boolean): Value {
  const j = fromJSON(toJSON(v));
  if (sortArrays && Array.isArray(j)) return [...j].sort(compare);
  return j;
}

function resultSet(rows: Record<string, Value>[]): RegoSet {
  return new RegoSet(rows.map((r) => RegoObject.fromRecord(r)));
}

export function runCase(c: Case, timeoutMs = 5000): { outcome: Outcome; reason: string } {
  let results: Record<string, Value>[];
  let error;
  try {
    const policy = compileModules(
      (c.modules ?? []).map((source, i) => ({ name: `test-${i}.rego`, source })),
      { builtins: [testSleep] },
    );
    const input = c.input_term !== undefined ? parseTerm(c.input_term) : c.input === null ? undefined : c.input;
    const out = policy.prepare(c.query).evalValues({
      input,
      data: c.data ?? undefined,
      strictBuiltinErrors: c.strict_error ?? false,
      timeoutMs,
    });
    results = out.results;
    error = out.error;
  } catch (e) {
    const msg = (e as Error).message;
    const unsupported = UNSUPPORTED_ERROR.exec(msg);
    if (unsupported) return { outcome: 'skip', reason: `${unsupported[1]}: ${unsupported[2]}` };
    return { outcome: 'fail', reason: `compile: ${msg}` };
  }
  if (c.want_error !== undefined || c.want_error_code !== undefined) {
    if (!error) return { outcome: 'fail', reason: `want error ${c.want_error_code ?? ''} ${c.want_error ?? ''}, got none` };
    if (c.want_error !== undefined && !error.message.includes(c.want_error)) {
      return { outcome: 'fail', reason: `want error text "${c.want_error}", got "${error.message}"` };
    }
    if (c.want_error_code !== undefined && error.code !== c.want_error_code) {
      return { outcome: 'fail', reason: `want error code ${c.want_error_code}, got ${error.code} (${error.message})` };
    }
  } else if (error) {
    return { outcome: 'fail', reason: `unexpected error: ${error.message}` };
  }
  if (c.want_result !== undefined) {
    const actual = results.map((r) => {
      const row: Record<string, Value> = {};
      for (const [k, v] of Object.entries(r)) {
        if (c.ignore_generated_vars && k.startsWith('__localq')) continue;
        row[k] = normalize(v, c.sort_bindings ?? false);
      }
      return row;
    });
    const expected = c.want_result.map((r) => {
      const row: Record<string, Value> = {};
      for (const [k, v] of Object.entries(r ?? {})) row[k] = normalize(fromJSON(v), c.sort_bindings ?? false);
      return row;
    });
    if (!equals(resultSet(actual), resultSet(expected))) {
      const show = (rows: Record<string, Value>[]): string => JSON.stringify(rows.map((r) => toJSON(RegoObject.fromRecord(r))), jsonBig);
      return { outcome: 'fail', reason: `want ${show(expected)}, got ${show(actual)}` };
    }
  }
  return { outcome: 'pass', reason: '' };
}

function jsonBig(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

export function runConformance(root = DEFAULT_CASES, opts: { folder?: string; timeoutMs?: number } = {}): Report {
  const report: Report = { results: [], passed: 0, failed: 0, skipped: 0, folders: new Map() };
  for (const folder of readdirSync(root).sort()) {
    if (opts.folder && folder !== opts.folder) continue;
    const stats = { passed: 0, failed: 0, skipped: 0 };
    report.folders.set(folder, stats);
    for (const file of readdirSync(join(root, folder)).sort()) {
      const doc = parse(readFileSync(join(root, folder, file), 'utf8'), { version: '1.1', intAsBigInt: true }) as {
        cases: Case[];
      };
      doc.cases.forEach((c, index) => {
        const { outcome, reason } = runCase(c, opts.timeoutMs);
        report.results.push({ folder, file, index, note: c.note, outcome, reason });
        const key = outcome === 'pass' ? 'passed' : outcome === 'fail' ? 'failed' : 'skipped';
        stats[key]++;
        report[key]++;
      });
    }
  }
  return report;
}

/** The per-folder table for docs/REGO.md. */
export function reportTable(r: Report): string {
  const lines = ['| folder | passed | failed | skipped |', '| --- | ---: | ---: | ---: |'];
  for (const [folder, s] of r.folders) lines.push(`| \`${folder}\` | ${s.passed} | ${s.failed} | ${s.skipped} |`);
  lines.push(`| **total** | **${r.passed}** | **${r.failed}** | **${r.skipped}** |`);
  return lines.join('\n');
}

/** The unsupported built-ins table for docs/REGO.md. */
export function unsupportedTable(): string {
  const lines = ['| built-in | reason |', '| --- | --- |'];
  for (const [name, reason] of UNSUPPORTED_BUILTINS) {
    if (!ENGINE_FUNCTION_NAMES.includes(name)) lines.push(`| \`${name}\` | ${reason} |`);
  }
  return lines.join('\n');
}

/** Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->`. */
function replaceSection(doc: string, name: string, body: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a < 0 || b < 0) throw new Error(`docs/REGO.md lacks the ${begin} / ${end} markers`);
  return doc.slice(0, a + begin.length) + '\n' + body + '\n' + doc.slice(b);
}

function main(argv: string[]): void {
  const folderIdx = argv.indexOf('--folder');
  const report = runConformance(DEFAULT_CASES, folderIdx >= 0 ? { folder: argv[folderIdx + 1]! } : {});
  const verbose = argv.includes('--verbose');
  for (const r of report.results) {
    if (r.outcome === 'fail' && (verbose || folderIdx >= 0)) console.log(`FAIL ${r.folder}/${r.file}#${r.index} ${r.note}: ${r.reason}`);
  }
  if (!verbose) {
    for (const [folder, s] of report.folders) if (s.failed) console.log(`${folder}: ${s.passed} passed, ${s.failed} failed`);
  }
  console.log(`passed ${report.passed}, failed ${report.failed}, skipped ${report.skipped} of ${report.results.length}`);
  if (argv.includes('--write-doc')) {
    const docPath = fileURLToPath(new URL('../docs/REGO.md', import.meta.url));
    let doc = readFileSync(docPath, 'utf8');
    doc = replaceSection(doc, 'conformance-table', reportTable(report));
    doc = replaceSection(doc, 'unsupported-table', unsupportedTable());
    writeFileSync(docPath, doc);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
