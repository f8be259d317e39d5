/**
 * The device page's data: every device YORI knows (named in the config or the dashboard, leased
 * by DHCP, or seen in the audit log) with its name, person, where the name comes from and its
 * use in the last 24 hours; and naming a device (`POST /api/devices`), which the DeviceDirectory
 * applies at once so the next request is recorded under the new name.
 *
 * A name is stored under the device's MAC when YORI knows it (it follows the device when its
 * address changes) and under its address otherwise; the page sends the key it was given.
 */
import { normalizeDeviceKey, type DeviceEntry } from '../config/schema.js';
import type { Db } from '../audit/store.js';
import type { DeviceTotals } from '../audit/queries.js';
import { isMac } from '../devices/address.js';
import type { DeviceDirectory } from '../devices/directory.js';
import { deleteDeviceName, listDeviceNames, setDeviceName } from '../devices/names.js';
import type { DeviceName } from '../devices/types.js';
import { badRequest, cleanText } from './params.js';

export type NameSource = 'dashboard' | 'config' | 'dhcp' | 'audit';

export interface DeviceRow {
  /** Null for a device named by MAC that has no address right now. */
  ip: string | null;
  mac: string | null;
  /** What a new name is stored under: the MAC when known, else the address. */
  key: string;
  name: string | null;
  person: string | null;
  /** Where the name comes from; null when it has none. */
  source: NameSource | null;
  last_seen: number | null;
  requests_24h: number;
  tokens_24h: number;
}

export interface DevicesView {
  devices: DeviceRow[];
  /** Every person a device is assigned to (for suggestions). */
  people: string[];
}

interface Recorded {
  client_ip: string;
  client_mac: string;
  client_name: string;
  person: string;
  last_ts: number;
}

export function devicesView(db: Db, directory: Pick<DeviceDirectory, 'resolve' | 'known'>, config: Record<string, DeviceEntry>, usage: DeviceTotals[]): DevicesView {
  const ui = new Map<string, DeviceName>(listDeviceNames(db).map((r) => [r.key, r]));
  // The newest identity recorded per address (SQLite takes the bare columns from the max row).
  const recorded = new Map((db.prepare(`SELECT client_ip, client_mac, client_name, person, max(last_ts) AS last_ts
    FROM audit_clients GROUP BY client_ip`).all() as Recorded[]).map((r) => [r.client_ip, r]));
  const used = new Map(usage.map((d) => [d.client_ip, d]));
  const ips = new Set<string>([...directory.known().map((d) => d.ip), ...recorded.keys()]);
  for (const key of ui.keys()) if (!isMac(key)) ips.add(key);

  const sourceOf = (keys: string[], leaseName: string | null, recordedName: string | null): NameSource | null => {
    if (keys.some((k) => ui.get(k)?.name || ui.get(k)?.person)) return 'dashboard';
    if (keys.some((k) => config[k]?.name || config[k]?.person)) return 'config';
    if (leaseName) return 'dhcp';
    return recordedName ? 'audit' : null;
  };

  const devices: DeviceRow[] = [];
  const macsShown = new Set<string>();
  for (const ip of ips) {
    const dev = directory.resolve(ip);
    const rec = recorded.get(ip);
    const mac = dev.mac ?? (rec?.client_mac || null);
    if (mac) macsShown.add(mac);
    const keys = mac ? [mac, ip] : [ip];
    const name = dev.name ?? (rec?.client_name || null);
    const fromLease = dev.name !== null && !keys.some((k) => ui.get(k)?.name || config[k]?.name) ? dev.name : null;
    const u = used.get(ip);
    devices.push({
      ip, mac, key: mac ?? ip, name, person: dev.person ?? (rec?.person || null),
      source: sourceOf(keys, fromLease, rec?.client_name || null),
      last_seen: rec?.last_ts ?? null, requests_24h: u?.requests ?? 0, tokens_24h: u?.tokens ?? 0,
    });
  }
  // Devices named by MAC that hold no address right now still belong on the page.
  for (const [key, entry, source] of [...[...ui].map(([k, e]) => [k, e, 'dashboard'] as const), ...Object.entries(config).map(([k, e]) => [k, e, 'config'] as const)]) {
    if (!isMac(key) || macsShown.has(key)) continue;
    macsShown.add(key);
    devices.push({ ip: null, mac: key, key, name: entry.name, person: entry.person, source, last_seen: null, requests_24h: 0, tokens_24h: 0 });
  }
  devices.sort((a, b) => b.requests_24h - a.requests_24h || (b.last_seen ?? 0) - (a.last_seen ?? 0) || (a.name ?? a.key).localeCompare(b.name ?? b.key));
  const people = [...new Set(devices.map((d) => d.person).filter((p): p is string => Boolean(p)))].sort((a, b) => a.localeCompare(b));
  return { devices, people };
}

const NAME_MAX = 64;

function optionalText(name: string, v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return cleanText(name, v, NAME_MAX) || null;
}

/** Applies `{key, name, person}` from the dashboard; a blank name and person remove the entry. */
export function nameDevice(db: Db, directory: Pick<DeviceDirectory, 'reloadNames'>, body: Record<string, unknown>, now: number): { key: string; name: string | null; person: string | null } {
  for (const k of Object.keys(body)) if (!['key', 'name', 'person'].includes(k)) throw badRequest(`unknown field ${JSON.stringify(k.slice(0, 40))}`);
  if (typeof body.key !== 'string' || normalizeDeviceKey(body.key) === null) throw badRequest('key must be the device\'s IP or MAC address');
  const name = optionalText('name', body.name);
  const person = optionalText('person', body.person);
  const key = setDeviceName(db, body.key, { name, person }, now);
  directory.reloadNames();
  return { key, name, person };
}

export function forgetDevice(db: Db, directory: Pick<DeviceDirectory, 'reloadNames'>, key: string): boolean {
  if (normalizeDeviceKey(key) === null) throw badRequest('key must be the device\'s IP or MAC address');
  const removed = deleteDeviceName(db, key);
  directory.reloadNames();
  return removed;
}
