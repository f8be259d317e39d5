/**
 * `yori pf render|enable|disable|status|refresh` (SPEC §2). Each pf change is one atomic
 * pfctl call (a table replace, an anchor load), and `enable` undoes its table change when
 * the anchor fails to load, so a failure leaves pf as it was: a clear one-line error and
 * exit 1. `--dry-run` prints the pfctl calls instead of running them.
 *
 * `enable`/`disable` manage YORI's own anchor (plain FreeBSD, see pf/README.md). On OPNsense
 * the plugin registers the same rules through its firewall hook instead; there `refresh`
 * (from cron) and `status` are the commands that matter.
 */
import type { Config } from '../config/schema.js';
import { dryRunPfctl, pfctlOk, PfctlError, systemPfctl, type Pfctl } from './pfctl.js';
import { systemResolver, tableHosts, type HostResolver } from './resolve.js';
import { planRedirect, renderAnchor } from './rules.js';
import { formatStatus, mainRuleset, readStatus } from './status.js';
import { refreshTable, RefreshError, saveState, type RefreshResult } from './table.js';
import { renderUnbound } from './unbound.js';

export type PfAction = 'render' | 'enable' | 'disable' | 'status' | 'refresh';

export interface PfCommandOptions {
  dryRun: boolean;
  /** status: print JSON (for the OPNsense status page). */
  json?: boolean;
  /** render: pf anchor rules (default) or the Unbound snippet for the AI hostnames. */
  format?: 'pf' | 'unbound';
}

export interface PfCommandDeps {
  pfctl?: Pfctl;
  resolver?: HostResolver;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  now?: () => number;
}

export async function pfCommand(config: Config, action: PfAction, opts: PfCommandOptions, deps: PfCommandDeps = {}): Promise<number> {
  const out = deps.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = deps.stderr ?? ((s: string) => void process.stderr.write(s));
  if (action === 'render') {
    if (opts.format === 'unbound') {
      const { hosts, wildcards } = tableHosts(config);
      out(renderUnbound(hosts, wildcards));
    } else {
      out(renderAnchor(planRedirect(config)));
    }
    return 0;
  }
  const pfctl = opts.dryRun ? dryRunPfctl(out) : (deps.pfctl ?? systemPfctl());
  const ctx: Ctx = { config, pfctl, resolver: deps.resolver ?? systemResolver(), out, err, dryRun: opts.dryRun, now: deps.now };
  try {
    switch (action) {
      case 'enable':
        return await enable(ctx);
      case 'disable':
        return await disable(ctx);
      case 'status': {
        const status = await readStatus(config, pfctl);
        out(opts.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status));
        return 0;
      }
      case 'refresh': {
        const r = await refreshTable(config, { pfctl, resolver: ctx.resolver, now: ctx.now, persist: !opts.dryRun });
        out(`table <${config.pf.table}> replaced: ${r.addresses.length} address(es) for ${r.hosts} hostname(s)\n`);
        reportNotes(ctx, r);
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof PfctlError || e instanceof RefreshError) {
      err(`yori: pf ${action}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

interface Ctx {
  config: Config;
  pfctl: Pfctl;
  resolver: HostResolver;
  out: (text: string) => void;
  err: (text: string) => void;
  dryRun: boolean;
  now: (() => number) | undefined;
}

async function enable(ctx: Ctx): Promise<number> {
  const { config, pfctl } = ctx;
  const { anchor, table } = config.pf;
  const rules = renderAnchor(planRedirect(config));
  const before = await tableContents(pfctl, table);
  // Table first, so the rules find it filled the moment they load.
  const r = await refreshTable(config, { pfctl, resolver: ctx.resolver, now: ctx.now, persist: false });
  try {
    await pfctlOk(pfctl, ['-a', anchor, '-f', '-'], rules);
  } catch (e) {
    const undo = await restoreTable(pfctl, table, before);
    const message = e instanceof PfctlError ? e.message : (e as Error).message;
    ctx.err(`yori: pf enable: ${message}; ${undo ?? `table <${table}> restored, nothing changed`}\n`);
    return 1;
  }
  const stateError = ctx.dryRun ? null : await saveState(config, r.state);
  ctx.out(`pf redirect enabled: anchor "${anchor}" loaded, table <${table}> holds ${r.addresses.length} address(es) for ${r.hosts} hostname(s)\n`);
  reportNotes(ctx, { ...r, stateError });
  if (!ctx.dryRun && !(await mainRuleset(config, pfctl)).anchorHooked) {
    ctx.err(
      `yori: warning: the main ruleset does not call anchor "${anchor}", so its rules are not evaluated; ` +
        `add rdr-anchor "${anchor}" and anchor "${anchor}" to /etc/pf.conf (see pf/README.md)\n`,
    );
  }
  return 0;
}

async function disable(ctx: Ctx): Promise<number> {
  const { config, pfctl } = ctx;
  const { anchor, table } = config.pf;
  // Loading an empty ruleset empties the anchor (rules, rdr, its tables) in one transaction.
  await pfctlOk(pfctl, ['-a', anchor, '-f', '/dev/null']);
  ctx.out(`pf redirect disabled: anchor "${anchor}" emptied (table <${table}> kept; it redirects nothing by itself)\n`);
  if (!ctx.dryRun) {
    const main = await mainRuleset(config, pfctl);
    if (main.rules.length > 0) {
      ctx.err(`yori: warning: ${main.rules.length} rule(s) in the main ruleset still use <${table}> (OPNsense plugin or pf.conf); turn the redirect off there\n`);
    }
  }
  return 0;
}

/** The table's addresses, or null when it does not exist. */
async function tableContents(pfctl: Pfctl, table: string): Promise<string[] | null> {
  const r = await pfctl(['-t', table, '-T', 'show']);
  if (r.code !== 0) return null;
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Puts the table back as it was; answers what went wrong, or null. */
async function restoreTable(pfctl: Pfctl, table: string, before: string[] | null): Promise<string | null> {
  try {
    if (before === null) await pfctlOk(pfctl, ['-t', table, '-T', 'kill']);
    else await pfctlOk(pfctl, ['-t', table, '-T', 'replace', '-f', '-'], before.length ? before.join('\n') + '\n' : '');
    return null;
  } catch (e) {
    return `restoring table <${table}> failed too (${(e as Error).message}); check it with: pfctl -t ${table} -T show`;
  }
}

function reportNotes(ctx: Ctx, r: Pick<RefreshResult, 'failed' | 'skipped' | 'stateError'>): void {
  if (r.failed.length > 0) {
    ctx.err(`yori: note: not resolved this time (recent addresses kept): ${r.failed.map((f) => `${f.host} (${f.error})`).join(', ')}\n`);
  }
  if (r.skipped.length > 0) {
    ctx.err(`yori: note: wildcard hosts cannot be put in a table: ${r.skipped.join(', ')}\n`);
  }
  if (r.stateError) ctx.err(`yori: warning: ${r.stateError}\n`);
}
