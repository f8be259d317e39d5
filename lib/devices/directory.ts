/**
 * Who a client address is. `resolve(ip)` runs once per exchange on the data path, so it is a
 * single Map lookup; everything else (lease files, the dashboard's names) is read on a timer
 * and folded into that map off the request path.
 *
 * Sources, highest priority first, merged field by field (name and person separately):
 *   1. names given in the dashboard (`devices` table),
 *   2. `devices` in the config,
 *   3. DHCP leases (the hostname a device announced).
 * Within 1 and 2, an entry keyed by the device's MAC beats one keyed by its address (it
 * follows the device when the address changes). The address → MAC mapping comes from the
 * leases. A name set by a parent always beats a lease name: phones randomise their MAC and
 * announce generic hostnames.
 */
import { stat, readFile } from 'node:fs/promises';
import type { DeviceEntry, LeaseFormat } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Db } from '../audit/store.js';
import { isMac, normalizeClientIp } from './address.js';
import { parseLeases } from './leases.js';
import { listDeviceNames } from './names.js';
import type { DeviceInfo, DeviceName, Lease } from './types.js';

export interface LeaseSource {
  path: string;
  format: LeaseFormat;
}

export interface DeviceDirectoryOptions {
  /** config.devices (keys already normalised by the config loader). */
  devices: Record<string, DeviceEntry>;
  /** config.dhcp.leases */
  leases: readonly LeaseSource[];
  /** The audit DB, for names given in the dashboard; null to ignore them. */
  db: Db | null;
  logger: Logger;
  /** How often lease files are checked for changes and names reloaded. */
  refreshMs?: number;
  /** Lease files are re-parsed at least this often even when unchanged (leases expire). */
  reparseMs?: number;
  now?: () => number;
}

interface LeaseFileState {
  mtimeMs: number;
  size: number;
  parsedAt: number;
  leases: Lease[];
  /** The last error logged for the file, so a missing file is logged once, not every tick. */
  error: string | null;
}

export class DeviceDirectory {
  readonly #opts: Required<Omit<DeviceDirectoryOptions, 'db' | 'logger'>>;
  readonly #db: Db | null;
  readonly #log: Logger;
  readonly #files = new Map<string, LeaseFileState>();
  #ui = new Map<string, DeviceName>();
  #byIp = new Map<string, DeviceInfo>();
  #timer: NodeJS.Timeout | null = null;
  #refreshing: Promise<void> | null = null;

  constructor(opts: DeviceDirectoryOptions) {
    this.#opts = { refreshMs: 5_000, reparseMs: 60_000, now: Date.now, ...opts };
    this.#db = opts.db;
    this.#log = opts.logger;
    this.#rebuild();
  }

  /** O(1): the device behind a client address (IPv4-mapped IPv6 is reported as IPv4). */
  resolve(ip: string): DeviceInfo {
    const key = normalizeClientIp(ip);
    return this.#byIp.get(key) ?? { ip: key, mac: null, name: null, person: null };
  }

  /** Every address the directory knows something about. */
  known(): DeviceInfo[] {
    return [...this.#byIp.values()];
  }

  /** Reads everything once, then keeps refreshing on an unref'd timer. */
  async start(): Promise<void> {
    await this.refresh();
    this.#timer ??= setInterval(() => void this.refresh(), this.#opts.refreshMs).unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Re-reads changed lease files and the dashboard's names; never rejects. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refreshNow().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /** Applies the dashboard's names right away (call after writing the `devices` table). */
  reloadNames(): void {
    this.#loadNames();
    this.#rebuild();
  }

  async #refreshNow(): Promise<void> {
    await Promise.all(this.#opts.leases.map((src) => this.#readLeaseFile(src)));
    this.#loadNames();
    this.#rebuild();
  }

  #loadNames(): void {
    if (!this.#db) return;
    try {
      this.#ui = new Map(listDeviceNames(this.#db).map((r) => [r.key, { name: r.name, person: r.person }]));
    } catch (e) {
      this.#log.warn({ err: { message: (e as Error).message } }, 'devices: cannot read device names; keeping the last ones');
    }
  }

  async #readLeaseFile(src: LeaseSource): Promise<void> {
    const prev = this.#files.get(src.path);
    const now = this.#opts.now();
    try {
      const st = await stat(src.path);
      if (prev && prev.error === null && prev.mtimeMs === st.mtimeMs && prev.size === st.size && now - prev.parsedAt < this.#opts.reparseMs) return;
      const text = await readFile(src.path, 'utf8');
      this.#files.set(src.path, { mtimeMs: st.mtimeMs, size: st.size, parsedAt: now, leases: parseLeases(src.format, text, now), error: null });
    } catch (e) {
      const message = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (prev?.error !== message) this.#log.warn({ path: src.path, err: { message } }, 'devices: cannot read DHCP lease file');
      this.#files.set(src.path, { mtimeMs: 0, size: 0, parsedAt: now, leases: prev?.leases ?? [], error: message });
    }
  }

  #rebuild(): void {
    const leases = new Map<string, Lease>();
    for (const src of this.#opts.leases) for (const l of this.#files.get(src.path)?.leases ?? []) leases.set(l.ip, l);
    const config = this.#opts.devices;
    const ips = new Set<string>(leases.keys());
    for (const key of [...this.#ui.keys(), ...Object.keys(config)]) if (!isMac(key)) ips.add(key);
    const byIp = new Map<string, DeviceInfo>();
    for (const ip of ips) {
      const lease = leases.get(ip);
      const mac = lease?.mac ?? null;
      const candidates: (DeviceName | undefined)[] = [
        mac ? this.#ui.get(mac) : undefined,
        this.#ui.get(ip),
        mac ? config[mac] : undefined,
        config[ip],
        { name: lease?.hostname ?? null, person: null },
      ];
      const name = candidates.find((c) => c?.name)?.name ?? null;
      const person = candidates.find((c) => c?.person)?.person ?? null;
      byIp.set(ip, Object.freeze({ ip, mac, name, person }));
    }
    this.#byIp = byIp;
  }
}
