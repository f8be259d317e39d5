/**
 * Finds, reads and parses the YAML configuration file (SPEC §2: --config, else $YORI_CONFIG,
 * else /usr/local/etc/yori/yori.conf if it exists, else built-in defaults). Relative paths in
 * a file are resolved against the file's folder; built-in defaults against the working folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError, validateConfig, type Config } from './schema.js';

export const SYSTEM_CONFIG_PATH = '/usr/local/etc/yori/yori.conf';

export interface LoadedConfig {
  config: Config;
  /** The file the config came from, or null for built-in defaults. */
  path: string | null;
}

export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  if (flag) return resolve(flag);
  if (env.YORI_CONFIG) return resolve(env.YORI_CONFIG);
  if (existsSync(SYSTEM_CONFIG_PATH)) return SYSTEM_CONFIG_PATH;
  return null;
}

/** Parses YAML text into a validated Config; errors name the key or the line:column. */
export function parseConfigText(text: string, baseDir: string, source = 'config'): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0];
    const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
    const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError('', `${where}: invalid YAML: ${reason}`);
  }
  const config = validateConfig(doc.toJS({ maxAliasCount: 100 }));
  return absolutizePaths(config, baseDir);
}

export function loadConfig(flag?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const path = resolveConfigPath(flag, env);
  if (path === null) return { config: absolutizePaths(validateConfig(null), process.cwd()), path: null };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { config: parseConfigText(text, dirname(path), path), path };
}

function absolutizePaths(c: Config, base: string): Config {
  c.data_dir = resolve(base, c.data_dir);
  c.ca.dir = resolve(base, c.ca.dir);
  c.policy.dir = resolve(base, c.policy.dir);
  if (c.upstream.ca_file) c.upstream.ca_file = resolve(base, c.upstream.ca_file);
  for (const l of c.dhcp.leases) l.path = resolve(base, l.path);
  return c;
}
