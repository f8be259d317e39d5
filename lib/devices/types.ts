/** Who a client address is, as far as YORI knows (SPEC §5 `client`, SPEC §4 client columns). */
export interface DeviceInfo {
  ip: string;
  mac: string | null;
  name: string | null;
  person: string | null;
}

/** A name given to a device: in the config (`devices`) or in the dashboard (`devices` table). */
export interface DeviceName {
  name: string | null;
  person: string | null;
}

/** One DHCP lease that is currently bound. */
export interface Lease {
  ip: string;
  /** Lower-case, colon-separated; null when the lease has none (e.g. DHCPv6). */
  mac: string | null;
  hostname: string | null;
}
