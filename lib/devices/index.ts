/** Device names for client addresses: dashboard names, config, DHCP leases. */
export { DeviceDirectory, type DeviceDirectoryOptions, type LeaseSource } from './directory.js';
export { parseLeases, parseIscLeases, parseKeaLeases, parseDnsmasqLeases } from './leases.js';
export { listDeviceNames, setDeviceName, deleteDeviceName, type StoredDeviceName } from './names.js';
export { normalizeClientIp } from './address.js';
export type { DeviceInfo, DeviceName, Lease } from './types.js';
