/**
 * The configuration contract (SPEC §3): the `Config` type, its built-in defaults, and a
 * validator that turns a parsed YAML document into a `Config` or one-line errors naming the
 * offending key. Pure: no file system access here (see load.ts).
 */

export interface HostPort {
  host: string;
  port: number;
}

export type ProviderKind = 'api' | 'app';
export type PolicyMode = 'advisory' | 'enforce';
export type PromptStorage = 'full' | 'truncated' | 'none';
export type LeaseFormat = 'isc' | 'kea' | 'dnsmasq';

export interface ExtraProvider {
  host: string;
  provider: string;
  kind: ProviderKind;
}

export interface DeviceEntry {
  name: string | null;
  person: string | null;
}

export interface EmailChannel {
  host: string;
  port: number;
  /** Implicit TLS (SMTPS, usually port 465). */
  secure: boolean;
  /** Require STARTTLS on a plain connection (usually port 587). */
  starttls: boolean;
  user: string | null;
  password: string | null;
  from: string;
  to: string[];
}

export interface WebhookChannel {
  url: string;
  headers: Record<string, string>;
}

export interface NtfyChannel {
  url: string;
  topic: string;
  token: string | null;
  priority: number;
}

export interface AlertsConfig {
  web: boolean;
  email: EmailChannel | null;
  webhook: WebhookChannel | null;
  ntfy: NtfyChannel | null;
  /** Same device + same reason within this window raises one alert. */
  dedupe_minutes: number;
  /** At most this many deliveries per channel per minute. */
  rate_per_minute: number;
}

export interface Config {
  data_dir: string;
  timezone: string;
  log_level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  listen: {
    transparent: HostPort;
    proxy: HostPort | null;
    admin: HostPort;
  };
  ca: { dir: string };
  upstream: {
    overrides: Record<string, HostPort>;
    ca_file: string | null;
    connect_timeout_ms: number;
    idle_timeout_ms: number;
  };
  providers: {
    extra: ExtraProvider[];
    disabled: string[];
    intercept_apps: string[];
  };
  policy: {
    dir: string;
    mode: PolicyMode;
    /** Free-form data for policies, visible to them as `data.yori.config`. */
    data: Record<string, unknown>;
  };
  audit: {
    retention_days: number;
    prompts: PromptStorage;
    prompt_chars: number;
  };
  alerts: AlertsConfig;
  devices: Record<string, DeviceEntry>;
  dhcp: { leases: { path: string; format: LeaseFormat }[] };
  admin: {
    password: string | null;
    password_hash: string | null;
  };
  limits: {
    max_body_bytes: number;
    max_header_bytes: number;
    /** Bounded wait for in-flight exchanges on SIGTERM. */
    drain_ms: number;
  };
  pf: {
    anchor: string;
    table: string;
    interfaces: string[];
    clients: { include: string[]; exclude: string[] };
    refresh_minutes: number;
    transparent_port: number | null;
  };
}

/** Built-in defaults: a developer laptop, everything on loopback, data under ./var. */
export function defaultConfig(): Config {
  return {
    data_dir: './var',
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    log_level: 'info',
    listen: {
      transparent: { host: '127.0.0.1', port: 8443 },
      proxy: null,
      admin: { host: '127.0.0.1', port: 8081 },
    },
    ca: { dir: './certs' },
    upstream: { overrides: {}, ca_file: null, connect_timeout_ms: 10_000, idle_timeout_ms: 60_000 },
    providers: { extra: [], disabled: [], intercept_apps: [] },
    policy: { dir: './policies', mode: 'advisory', data: {} },
    audit: { retention_days: 90, prompts: 'truncated', prompt_chars: 500 },
    alerts: { web: true, email: null, webhook: null, ntfy: null, dedupe_minutes: 30, rate_per_minute: 10 },
    devices: {},
    dhcp: { leases: [] },
    admin: { password: null, password_hash: null },
    limits: { max_body_bytes: 16 * 1024 * 1024, max_header_bytes: 64 * 1024, drain_ms: 10_000 },
    pf: {
      anchor: 'yori',
      table: 'yori_ai',
      interfaces: ['lan'],
      clients: { include: [], exclude: [] },
      refresh_minutes: 10,
      transparent_port: null,
    },
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(key ? `config: ${key}: ${message}` : `config: ${message}`);
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/** One validator per key path; each returns the coerced value or throws ConfigError. */
class Reader {
  constructor(readonly path: string) {}

  at(key: string): Reader {
    return new Reader(this.path ? `${this.path}.${key}` : key);
  }

  fail(message: string): never {
    throw new ConfigError(this.path, message);
  }

  object(v: unknown, known: readonly string[]): Obj {
    if (!isObj(v)) this.fail(`expected a mapping, got ${describe(v)}`);
    for (const k of Object.keys(v)) {
      if (!known.includes(k)) this.at(k).fail(`unknown key (known: ${known.join(', ')})`);
    }
    return v;
  }

  /** A mapping with free-form keys (hosts, devices, policy data). */
  mapping(v: unknown, what = 'a mapping'): Obj {
    if (!isObj(v)) this.fail(`expected ${what}, got ${describe(v)}`);
    return v;
  }

  string(v: unknown, opts: { nonEmpty?: boolean } = {}): string {
    if (typeof v !== 'string') this.fail(`expected a string, got ${describe(v)}`);
    if (opts.nonEmpty !== false && v.trim() === '') this.fail('must not be empty');
    return v;
  }

  nullableString(v: unknown): string | null {
    return v === null ? null : this.string(v);
  }

  path_(v: unknown): string {
    const s = this.string(v);
    if (s.includes('\0')) this.fail('a path must not contain NUL');
    return s;
  }

  int(v: unknown, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(`expected a whole number, got ${describe(v)}`);
    if (v < min || v > max) this.fail(`must be between ${min} and ${max}, got ${v}`);
    return v;
  }

  bool(v: unknown): boolean {
    if (typeof v !== 'boolean') this.fail(`expected true or false, got ${describe(v)}`);
    return v;
  }

  oneOf<T extends string>(v: unknown, values: readonly T[]): T {
    if (typeof v !== 'string' || !values.includes(v as T)) {
      this.fail(`expected one of ${values.join(' | ')}, got ${describe(v)}`);
    }
    return v as T;
  }

  list<T>(v: unknown, item: (r: Reader, x: unknown) => T): T[] {
    if (!Array.isArray(v)) this.fail(`expected a list, got ${describe(v)}`);
    return v.map((x, i) => item(this.at(String(i)), x));
  }

  hostPort(v: unknown): HostPort {
    const parsed = typeof v === 'string' ? parseHostPort(v) : null;
    if (!parsed) this.fail(`expected host:port (e.g. 127.0.0.1:8443 or [::1]:8443), got ${describe(v)}`);
    return parsed;
  }
}

/** Parses `host:port`, `[v6]:port`; returns null when malformed. Port 0 means "any free port". */
export function parseHostPort(s: string): HostPort | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+|\*)):(\d{1,5})$/.exec(s.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  const host = m[1] ?? (m[2] === '*' ? '0.0.0.0' : m[2]!);
  return { host, port };
}

export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

const HOSTNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function hostname(r: Reader, v: unknown): string {
  const s = r.string(v).toLowerCase();
  if (!HOSTNAME.test(s)) r.fail(`not a valid hostname: ${describe(v)}`);
  return s;
}

function url(r: Reader, v: unknown): string {
  const s = r.string(v);
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') r.fail(`expected an http(s) URL, got ${describe(v)}`);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    r.fail(`not a valid URL: ${describe(v)}`);
  }
  return s;
}

function stringMap(r: Reader, v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(r.mapping(v))) out[k] = r.at(k).string(x, { nonEmpty: false });
  return out;
}

const TOP_KEYS = [
  'data_dir', 'timezone', 'log_level', 'listen', 'ca', 'upstream', 'providers', 'policy', 'audit',
  'alerts', 'devices', 'dhcp', 'admin', 'limits', 'pf',
] as const;

/**
 * Validates a parsed document (the YAML file's root) against the schema, filling in defaults
 * for missing keys. Throws ConfigError naming the first offending key.
 */
export function validateConfig(doc: unknown): Config {
  const cfg = defaultConfig();
  if (doc === null || doc === undefined) return cfg;
  const root = new Reader('');
  const d = root.object(doc, TOP_KEYS);
  const has = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined;

  if (has(d, 'data_dir')) cfg.data_dir = root.at('data_dir').path_(d.data_dir);
  if (has(d, 'timezone')) {
    const r = root.at('timezone');
    const tz = r.string(d.timezone);
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      r.fail(`unknown time zone ${describe(tz)} (use an IANA name such as Europe/Berlin)`);
    }
    cfg.timezone = tz;
  }
  if (has(d, 'log_level')) {
    cfg.log_level = root.at('log_level').oneOf(d.log_level, ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
  }

  if (has(d, 'listen')) {
    const r = root.at('listen');
    const o = r.object(d.listen, ['transparent', 'proxy', 'admin']);
    if (has(o, 'transparent')) cfg.listen.transparent = r.at('transparent').hostPort(o.transparent);
    if (has(o, 'proxy')) cfg.listen.proxy = o.proxy === null ? null : r.at('proxy').hostPort(o.proxy);
    if (has(o, 'admin')) cfg.listen.admin = r.at('admin').hostPort(o.admin);
  }

  if (has(d, 'ca')) {
    const r = root.at('ca');
    const o = r.object(d.ca, ['dir']);
    if (has(o, 'dir')) cfg.ca.dir = r.at('dir').path_(o.dir);
  }

  if (has(d, 'upstream')) {
    const r = root.at('upstream');
    const o = r.object(d.upstream, ['overrides', 'ca_file', 'connect_timeout_ms', 'idle_timeout_ms']);
    if (has(o, 'overrides') && o.overrides !== null) {
      const ro = r.at('overrides');
      for (const [host, target] of Object.entries(ro.mapping(o.overrides, 'a mapping of host -> host:port'))) {
        cfg.upstream.overrides[hostname(ro.at(host), host)] = ro.at(host).hostPort(target);
      }
    }
    if (has(o, 'ca_file')) cfg.upstream.ca_file = o.ca_file === null ? null : r.at('ca_file').path_(o.ca_file);
    if (has(o, 'connect_timeout_ms')) cfg.upstream.connect_timeout_ms = r.at('connect_timeout_ms').int(o.connect_timeout_ms, 1, 600_000);
    if (has(o, 'idle_timeout_ms')) cfg.upstream.idle_timeout_ms = r.at('idle_timeout_ms').int(o.idle_timeout_ms, 1, 3_600_000);
  }

  if (has(d, 'providers')) {
    const r = root.at('providers');
    const o = r.object(d.providers, ['extra', 'disabled', 'intercept_apps']);
    if (has(o, 'extra') && o.extra !== null) {
      cfg.providers.extra = r.at('extra').list(o.extra, (ri, x) => {
        const e = ri.object(x, ['host', 'provider', 'kind']);
        return {
          host: hostname(ri.at('host'), e.host),
          provider: ri.at('provider').string(e.provider),
          kind: has(e, 'kind') ? ri.at('kind').oneOf(e.kind, ['api', 'app'] as const) : 'api',
        };
      });
    }
    if (has(o, 'disabled') && o.disabled !== null) cfg.providers.disabled = r.at('disabled').list(o.disabled, hostname);
    if (has(o, 'intercept_apps') && o.intercept_apps !== null) {
      cfg.providers.intercept_apps = r.at('intercept_apps').list(o.intercept_apps, (ri, x) => ri.string(x));
    }
  }

  if (has(d, 'policy')) {
    const r = root.at('policy');
    const o = r.object(d.policy, ['dir', 'mode', 'data']);
    if (has(o, 'dir')) cfg.policy.dir = r.at('dir').path_(o.dir);
    if (has(o, 'mode')) cfg.policy.mode = r.at('mode').oneOf(o.mode, ['advisory', 'enforce'] as const);
    if (has(o, 'data') && o.data !== null) {
      cfg.policy.data = r.at('data').mapping(o.data);
    }
  }

  if (has(d, 'audit')) {
    const r = root.at('audit');
    const o = r.object(d.audit, ['retention_days', 'prompts', 'prompt_chars']);
    if (has(o, 'retention_days')) cfg.audit.retention_days = r.at('retention_days').int(o.retention_days, 1, 36_500);
    if (has(o, 'prompts')) cfg.audit.prompts = r.at('prompts').oneOf(o.prompts, ['full', 'truncated', 'none'] as const);
    if (has(o, 'prompt_chars')) cfg.audit.prompt_chars = r.at('prompt_chars').int(o.prompt_chars, 1, 1_000_000);
  }

  if (has(d, 'alerts') && d.alerts !== null) {
    const r = root.at('alerts');
    const o = r.object(d.alerts, ['web', 'email', 'webhook', 'ntfy', 'dedupe_minutes', 'rate_per_minute']);
    if (has(o, 'web')) cfg.alerts.web = r.at('web').bool(o.web);
    if (has(o, 'dedupe_minutes')) cfg.alerts.dedupe_minutes = r.at('dedupe_minutes').int(o.dedupe_minutes, 0, 10_080);
    if (has(o, 'rate_per_minute')) cfg.alerts.rate_per_minute = r.at('rate_per_minute').int(o.rate_per_minute, 1, 10_000);
    if (has(o, 'email') && o.email !== null) {
      const re = r.at('email');
      const e = re.object(o.email, ['host', 'port', 'secure', 'starttls', 'user', 'password', 'from', 'to']);
      const to = has(e, 'to') ? (typeof e.to === 'string' ? [e.to] : e.to) : undefined;
      cfg.alerts.email = {
        host: re.at('host').string(e.host),
        port: has(e, 'port') ? re.at('port').int(e.port, 1, 65535) : 587,
        secure: has(e, 'secure') ? re.at('secure').bool(e.secure) : false,
        starttls: has(e, 'starttls') ? re.at('starttls').bool(e.starttls) : true,
        user: has(e, 'user') ? re.at('user').nullableString(e.user) : null,
        password: has(e, 'password') ? re.at('password').nullableString(e.password) : null,
        from: has(e, 'from') ? re.at('from').string(e.from) : 'yori@localhost',
        to: re.at('to').list(to, (ri, x) => ri.string(x)),
      };
      if (cfg.alerts.email.to.length === 0) re.at('to').fail('needs at least one recipient');
    }
    if (has(o, 'webhook') && o.webhook !== null) {
      const rw = r.at('webhook');
      const w = rw.object(o.webhook, ['url', 'headers']);
      cfg.alerts.webhook = {
        url: url(rw.at('url'), w.url),
        headers: has(w, 'headers') && w.headers !== null ? stringMap(rw.at('headers'), w.headers) : {},
      };
    }
    if (has(o, 'ntfy') && o.ntfy !== null) {
      const rn = r.at('ntfy');
      const n = rn.object(o.ntfy, ['url', 'topic', 'token', 'priority']);
      cfg.alerts.ntfy = {
        url: has(n, 'url') ? url(rn.at('url'), n.url) : 'https://ntfy.sh',
        topic: rn.at('topic').string(n.topic),
        token: has(n, 'token') ? rn.at('token').nullableString(n.token) : null,
        priority: has(n, 'priority') ? rn.at('priority').int(n.priority, 1, 5) : 4,
      };
    }
  }

  if (has(d, 'devices') && d.devices !== null) {
    const r = root.at('devices');
    for (const [key, v] of Object.entries(r.mapping(d.devices, 'a mapping of ip or mac -> {name, person}'))) {
      const rk = r.at(key);
      const id = normalizeDeviceKey(key) ?? rk.fail('expected an IP address or a MAC address as the key');
      const e = rk.object(v, ['name', 'person']);
      cfg.devices[id] = {
        name: has(e, 'name') ? rk.at('name').nullableString(e.name) : null,
        person: has(e, 'person') ? rk.at('person').nullableString(e.person) : null,
      };
    }
  }

  if (has(d, 'dhcp') && d.dhcp !== null) {
    const r = root.at('dhcp');
    const o = r.object(d.dhcp, ['leases']);
    if (has(o, 'leases') && o.leases !== null) {
      cfg.dhcp.leases = r.at('leases').list(o.leases, (ri, x) => {
        const e = ri.object(x, ['path', 'format']);
        return { path: ri.at('path').path_(e.path), format: ri.at('format').oneOf(e.format, ['isc', 'kea', 'dnsmasq'] as const) };
      });
    }
  }

  if (has(d, 'admin') && d.admin !== null) {
    const r = root.at('admin');
    const o = r.object(d.admin, ['password', 'password_hash']);
    if (has(o, 'password')) cfg.admin.password = r.at('password').nullableString(o.password);
    if (has(o, 'password_hash')) {
      const h = r.at('password_hash').nullableString(o.password_hash);
      if (h !== null && !/^scrypt\$/.test(h)) r.at('password_hash').fail('expected an scrypt hash (scrypt$N$r$p$salt$hash); make one with `yori admin hash-password`');
      cfg.admin.password_hash = h;
    }
  }

  if (has(d, 'limits')) {
    const r = root.at('limits');
    const o = r.object(d.limits, ['max_body_bytes', 'max_header_bytes', 'drain_ms']);
    if (has(o, 'max_body_bytes')) cfg.limits.max_body_bytes = r.at('max_body_bytes').int(o.max_body_bytes, 1024, 1024 ** 3);
    if (has(o, 'max_header_bytes')) cfg.limits.max_header_bytes = r.at('max_header_bytes').int(o.max_header_bytes, 1024, 1024 * 1024);
    if (has(o, 'drain_ms')) cfg.limits.drain_ms = r.at('drain_ms').int(o.drain_ms, 0, 600_000);
  }

  if (has(d, 'pf')) {
    const r = root.at('pf');
    const o = r.object(d.pf, ['anchor', 'table', 'interfaces', 'clients', 'refresh_minutes', 'transparent_port']);
    const ident = (ri: Reader, v: unknown) => {
      const s = ri.string(v);
      if (!/^[A-Za-z0-9_.\-/]{1,63}$/.test(s)) ri.fail(`expected a pf name (letters, digits, _ . - /), got ${describe(v)}`);
      return s;
    };
    if (has(o, 'anchor')) cfg.pf.anchor = ident(r.at('anchor'), o.anchor);
    if (has(o, 'table')) cfg.pf.table = ident(r.at('table'), o.table);
    if (has(o, 'interfaces')) cfg.pf.interfaces = r.at('interfaces').list(o.interfaces, ident);
    if (has(o, 'clients') && o.clients !== null) {
      const rc = r.at('clients');
      const c = rc.object(o.clients, ['include', 'exclude']);
      const addr = (ri: Reader, v: unknown) => {
        const s = ri.string(v);
        if (!isAddressOrCidr(s)) ri.fail(`expected an IP address or CIDR, got ${describe(v)}`);
        return s;
      };
      if (has(c, 'include') && c.include !== null) cfg.pf.clients.include = rc.at('include').list(c.include, addr);
      if (has(c, 'exclude') && c.exclude !== null) cfg.pf.clients.exclude = rc.at('exclude').list(c.exclude, addr);
    }
    if (has(o, 'refresh_minutes')) cfg.pf.refresh_minutes = r.at('refresh_minutes').int(o.refresh_minutes, 1, 1440);
    if (has(o, 'transparent_port')) {
      cfg.pf.transparent_port = o.transparent_port === null ? null : r.at('transparent_port').int(o.transparent_port, 1, 65535);
    }
  }

  if (cfg.admin.password === null && cfg.admin.password_hash === null && !isLoopback(cfg.listen.admin.host)) {
    throw new ConfigError('admin.password', `required when listen.admin (${formatHostPort(cfg.listen.admin)}) is not on loopback`);
  }
  return cfg;
}

const MAC = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i;

/** Device keys are IPs (as written, v6 lower-cased) or MACs (lower-case, colon-separated). */
export function normalizeDeviceKey(key: string): string | null {
  const m = MAC.exec(key.trim());
  if (m) return m.slice(1, 7).join(':').toLowerCase();
  if (isAddressOrCidr(key) && !key.includes('/')) return key.toLowerCase();
  return null;
}

function isAddressOrCidr(s: string): boolean {
  const [addr, bits, ...rest] = s.split('/');
  if (rest.length > 0 || addr === undefined) return false;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr);
  let max: number;
  if (v4) {
    if (v4.slice(1).some((o) => Number(o) > 255)) return false;
    max = 32;
  } else if (/^[0-9a-fA-F:]+$/.test(addr) && addr.includes(':') && addr.split('::').length <= 2) {
    max = 128;
  } else {
    return false;
  }
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
