/**
 * Device names given in the dashboard: the `devices` table of the audit DB (key: an IP or a
 * MAC in normalizeDeviceKey's form). The dashboard writes through these functions; the
 * DeviceDirectory reads them, and they win over the config and DHCP names.
 */
import { normalizeDeviceKey } from '../config/schema.js';
import type { Db } from '../audit/store.js';
import type { DeviceName } from './types.js';

export interface StoredDeviceName extends DeviceName {
  key: string;
  updated_ts: number;
}

export function listDeviceNames(db: Db): StoredDeviceName[] {
  return db.prepare('SELECT key, name, person, updated_ts FROM devices ORDER BY key').all() as StoredDeviceName[];
}

function deviceKey(key: string): string {
  const id = normalizeDeviceKey(key);
  if (id === null) throw new RangeError(`not an IP or MAC address: ${JSON.stringify(key.slice(0, 60))}`);
  return id;
}

/** Names a device (IP or MAC); a blank name and person remove the entry. Returns the stored key. */
export function setDeviceName(db: Db, key: string, entry: DeviceName, now = Date.now()): string {
  const id = deviceKey(key);
  const name = entry.name?.trim() || null;
  const person = entry.person?.trim() || null;
  if (name === null && person === null) {
    db.prepare('DELETE FROM devices WHERE key = ?').run(id);
  } else {
    db.prepare(`INSERT INTO devices (key, name, person, updated_ts) VALUES (?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET name = excluded.name, person = excluded.person, updated_ts = excluded.updated_ts`).run(id, name, person, now);
  }
  return id;
}

/** Removes a device's name; false when there was none. */
export function deleteDeviceName(db: Db, key: string): boolean {
  return db.prepare('DELETE FROM devices WHERE key = ?').run(deviceKey(key)).changes > 0;
}
