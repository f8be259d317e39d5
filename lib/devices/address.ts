/**
 * Client addresses as YORI records them: a dual-stack listener reports IPv4 clients as
 * IPv4-mapped IPv6 (`::ffff:192.168.1.23`); devices are named, leased and audited by the
 * plain IPv4 form, and IPv6 addresses are lower-cased.
 */
export function normalizeClientIp(ip: string): string {
  if (ip.length > 7 && (ip.startsWith('::ffff:') || ip.startsWith('::FFFF:')) && ip.includes('.')) return ip.slice(7);
  return ip.toLowerCase();
}

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** True for a MAC in normalizeDeviceKey's form (lower-case, colon-separated). */
export function isMac(key: string): boolean {
  return MAC.test(key);
}
