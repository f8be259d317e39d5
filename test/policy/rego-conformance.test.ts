// OPA's conformance cases (shared/rego-conformance/v1, beside the repository)
// run in-process against YORI's Rego engine. The pass count may only go up:
// it must reach the number in conformance-baseline.json. Per-folder results
// are printed as comments; `npx tsx scripts/rego-conformance.ts --verbose`
// lists every failing case.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { UNSUPPORTED_BUILTINS, runConformance } from '../../scripts/rego-conformance.js';

const casesDir = fileURLToPath(new URL('../../../shared/rego-conformance/v1', import.meta.url));
const baseline = JSON.parse(readFileSync(new URL('./conformance-baseline.json', import.meta.url), 'utf8')) as {
  passed: number;
};

t.test('OPA Rego conformance (v1)', (t) => {
  t.ok(existsSync(casesDir), `conformance cases at ${casesDir}`);
  const report = runConformance(casesDir, { timeoutMs: 10_000 });
  for (const [folder, s] of report.folders) {
    t.comment(`${folder}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  }
  t.comment(`total: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped of ${report.results.length}`);
  t.equal(report.results.length, report.passed + report.failed + report.skipped);
  t.ok(report.passed >= baseline.passed, `${report.passed} cases pass (baseline ${baseline.passed})`);
  for (const r of report.results.filter((x) => x.outcome === 'skip')) {
    const name = r.reason.split(':')[0]!;
    t.ok(UNSUPPORTED_BUILTINS.has(name), `${r.folder}/${r.file}#${r.index} skipped for a documented reason (${name})`);
  }
  t.end();
});
