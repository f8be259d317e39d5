/**
 * What pf currently does for YORI (`yori pf status`, the refresher's "is the redirect on?"
 * check, the OPNsense status page). The redirect can be loaded two ways: into YORI's anchor
 * (`yori pf enable`, plain FreeBSD) or into the main ruleset (the OPNsense plugin's firewall
 * hook). Both are recognised by rules that use the AI table.
 */
import type { Config } from '../config/schema.js';
import { pfctlOk, PfctlError, type Pfctl } from './pfctl.js';
import { readState, statePath } from './table.js';

export interface LastRefresh {
  at: number;
  addresses: number;
  error: string | null;
}

export interface PfStatus {
  anchor: string;
  table: string;
  /** Rules loaded in the anchor (translation, then filter). */
  anchorRules: string[];
  /** Whether the main ruleset calls the anchor (`rdr-anchor "<anchor>"`). */
  anchorHooked: boolean;
  /** Main-ruleset rules that use the AI table (OPNsense plugin, or a hand-written pf.conf). */
  mainRules: string[];
  /** An rdr rule to the AI table is loaded where pf evaluates it. */
  active: boolean;
  /** Addresses in the AI table; null when the table does not exist. */
  tableEntries: number | null;
  lastRefresh: LastRefresh | null;
}

const RDR = /^rdr\b/;

/** True when an rdr rule to the AI table is loaded (anchor or main ruleset): the table needs refreshing. */
export async function redirectLoaded(config: Config, pfctl: Pfctl): Promise<boolean> {
  const uses = usesTable(config.pf.table);
  if ((await anchorLines(pfctl, config.pf.anchor, 'nat')).some((l) => RDR.test(l) && uses(l))) return true;
  return (await lines(pfctl, ['-s', 'nat'])).some((l) => RDR.test(l) && uses(l));
}

/** How the main ruleset relates to YORI: does it call the anchor, which of its rules use the AI table. */
export async function mainRuleset(config: Config, pfctl: Pfctl): Promise<{ anchorHooked: boolean; rules: string[] }> {
  const { anchor, table } = config.pf;
  const nat = await lines(pfctl, ['-s', 'nat']);
  const filter = await lines(pfctl, ['-s', 'rules']);
  const hook = new RegExp(`^rdr-anchor "${escapeRegExp(anchor)}(/\\*)?"`);
  return { anchorHooked: nat.some((l) => hook.test(l)), rules: [...nat, ...filter].filter(usesTable(table)) };
}

export async function readStatus(config: Config, pfctl: Pfctl): Promise<PfStatus> {
  const { anchor, table } = config.pf;
  const uses = usesTable(table);
  const anchorNat = await anchorLines(pfctl, anchor, 'nat');
  const anchorFilter = await anchorLines(pfctl, anchor, 'rules');
  const { anchorHooked, rules: mainRules } = await mainRuleset(config, pfctl);
  const active = mainRules.some((l) => RDR.test(l)) || (anchorHooked && anchorNat.some((l) => RDR.test(l) && uses(l)));
  const state = await readState(statePath(config));
  return {
    anchor,
    table,
    anchorRules: [...anchorNat, ...anchorFilter],
    anchorHooked,
    mainRules,
    active,
    tableEntries: await tableSize(pfctl, table),
    lastRefresh: state ? { at: state.at, addresses: state.addresses, error: state.error } : null,
  };
}

export function formatStatus(s: PfStatus): string {
  const out: string[] = [];
  out.push(`redirect: ${s.active ? 'active' : 'inactive'}`);
  if (s.anchorRules.length > 0) {
    out.push(`anchor "${s.anchor}": ${s.anchorRules.length} rule(s)${s.anchorHooked ? '' : ` (not called from the main ruleset: add rdr-anchor "${s.anchor}" and anchor "${s.anchor}" to pf.conf)`}`);
    for (const l of s.anchorRules) out.push(`  ${l}`);
  } else {
    out.push(`anchor "${s.anchor}": empty`);
  }
  if (s.mainRules.length > 0) {
    out.push(`main ruleset: ${s.mainRules.length} rule(s) use <${s.table}>`);
    for (const l of s.mainRules) out.push(`  ${l}`);
  }
  out.push(`table <${s.table}>: ${s.tableEntries === null ? 'does not exist' : `${s.tableEntries} address(es)`}`);
  const r = s.lastRefresh;
  out.push(
    r === null
      ? 'last refresh: never'
      : `last refresh: ${new Date(r.at).toISOString()}, ${r.error ? `failed: ${r.error}` : `${r.addresses} address(es)`}`,
  );
  return out.join('\n') + '\n';
}

function usesTable(table: string): (line: string) => boolean {
  const ref = `<${table}>`;
  return (line) => line.includes(ref);
}

async function lines(pfctl: Pfctl, args: string[]): Promise<string[]> {
  return splitLines(await pfctlOk(pfctl, args));
}

/** An anchor that was never loaded answers "Invalid argument": that is an empty anchor. */
async function anchorLines(pfctl: Pfctl, anchor: string, what: 'nat' | 'rules'): Promise<string[]> {
  try {
    return await lines(pfctl, ['-a', anchor, '-s', what]);
  } catch (e) {
    if (e instanceof PfctlError && !e.noAccess && /Invalid argument|No rulesets/i.test(e.detail)) return [];
    throw e;
  }
}

async function tableSize(pfctl: Pfctl, table: string): Promise<number | null> {
  try {
    return splitLines(await pfctlOk(pfctl, ['-t', table, '-T', 'show'])).length;
  } catch (e) {
    if (e instanceof PfctlError && !e.noAccess && /does not exist/i.test(e.detail)) return null;
    throw e;
  }
}

function splitLines(s: string): string[] {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
