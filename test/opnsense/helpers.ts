/**
 * Shared by the OPNsense plugin tests: where the plugin is, which linters this machine has
 * (a missing one skips only the checks that need it, naming the Debian package), and the
 * Jinja2 harness that renders the plugin's templates like OPNsense does.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { plainEnv } from '../pf/helpers.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PLUGIN = join(ROOT, 'opnsense');
export const SRC = join(PLUGIN, 'src');
export const MODEL_XML = join(SRC, 'opnsense/mvc/app/models/OPNsense/Yori/Yori.xml');
export const TEMPLATES = join(SRC, 'opnsense/service/templates');
export const HARNESS = fileURLToPath(new URL('./opnsense_template.py', import.meta.url));

export function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Skip reason naming the Debian package, or false when the tool is there. */
export function needs(command: string, debianPackage: string): string | false {
  return have(command) ? false : `${command} not installed (apt-get install ${debianPackage})`;
}

let jinjaPython: string | null | undefined;

/** A python3 that can import jinja2 (Debian: python3-jinja2), or null. */
export function pythonWithJinja(): string | null {
  if (jinjaPython === undefined) {
    jinjaPython = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import jinja2'], { stdio: 'ignore' }).status === 0) ?? null;
  }
  return jinjaPython;
}

export function run(command: string, args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', cwd: opts.cwd ?? ROOT, input: opts.input, env: plainEnv(), timeout: 120_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Every file below `dir`, as paths relative to it. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

export function modelFields(): Record<string, Record<string, { type: string; default: string | null; required: boolean }>> {
  const r = run('python3', [HARNESS, 'model-fields', MODEL_XML]);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** config.xml data for the templates: the model's defaults, overridden per section. */
export function modelConfig(overrides: { general?: Record<string, string>; alerts?: Record<string, string> } = {}) {
  const yori: Record<string, Record<string, string>> = {};
  for (const [section, fields] of Object.entries(modelFields())) {
    yori[section] = {};
    for (const [name, f] of Object.entries(fields)) if (f.default !== null) yori[section]![name] = f.default;
    Object.assign(yori[section]!, overrides[section as 'general' | 'alerts'] ?? {});
  }
  return yori;
}

export interface Rendered {
  dir: string;
  read(target: string): string;
}

/** Renders module OPNsense/Yori for `data` (the config.xml tree) into a temporary root. */
export function renderPlugin(t: Test, python: string, data: object, opts: { strict?: boolean } = {}): Rendered {
  const dir = mkdtempSync(join(tmpdir(), 'yori-opnsense-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'config.json');
  writeFileSync(input, JSON.stringify(data));
  const r = run(python, [HARNESS, 'render', TEMPLATES, 'OPNsense/Yori', input, join(dir, 'root'), ...(opts.strict ? ['--strict'] : [])]);
  if (r.code !== 0) throw new Error(`template rendering failed: ${r.stderr}`);
  return { dir: join(dir, 'root'), read: (target) => readFileSync(join(dir, 'root', target), 'utf8') };
}
