/**
 * Shared test fixtures for lib/pf: a fake pfctl (fixtures/pf-model.mjs), reachable both as an
 * executable `pfctl` on PATH (for the real runner) and in-process (fast, for everything else),
 * with its recorded calls; a fake DNS resolver; config builders. Nothing here touches real pf
 * or real DNS.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { validateConfig, type Config } from '../../lib/config/schema.js';
import type { Pfctl } from '../../lib/pf/pfctl.js';
import type { HostResolver } from '../../lib/pf/resolve.js';
// @ts-expect-error plain JavaScript fixture shared with the executable fake
import { fakePfctlCall } from './fixtures/pf-model.mjs';
import { BUILTIN_HOSTS } from '../../lib/providers/registry.js';

const FAKE = fileURLToPath(new URL('./fixtures/fake-pfctl.mjs', import.meta.url));

export interface FakePf {
  dir: string;
  /** Environment with the fake first on PATH (for systemPfctl). */
  env: NodeJS.ProcessEnv;
  /** The same fake, called in-process: no process per call. */
  pfctl: Pfctl;
  calls(): { args: string[]; stdin: string | null }[];
  state(): { anchors: Record<string, { nat: string[]; rules: string[] }>; tables: Record<string, string[]>; mainNat: string[]; mainRules: string[] };
  /** Seeds the model, e.g. the main ruleset of an OPNsense box. */
  seed(s: Partial<ReturnType<FakePf['state']>>): void;
  failOn(pattern: string | null, error?: string): void;
}

/**
 * The environment for processes a test starts: without the test runner's coverage and loader
 * settings, which would make every fake pfctl slower and merge coverage of differently
 * compiled copies of lib/ into the report.
 */
export function plainEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_V8_COVERAGE;
  delete env.NODE_OPTIONS;
  return env;
}

export function fakePf(t: Test): FakePf {
  const dir = mkdtempSync(join(tmpdir(), 'yori-pf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const wrapper = join(bin, 'pfctl');
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${FAKE}" "$@"\n`);
  chmodSync(wrapper, 0o755);
  const env = plainEnv({ PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, FAKE_PFCTL_DIR: dir });
  delete env.FAKE_PFCTL_FAIL;
  delete env.FAKE_PFCTL_ERROR;
  const statePath = join(dir, 'state.json');
  const empty = () => ({ anchors: {}, tables: {}, mainNat: [] as string[], mainRules: [] as string[] });
  const fake: FakePf = {
    dir,
    env,
    pfctl: async (args, input) =>
      fakePfctlCall(dir, [...args], input, { fail: env.FAKE_PFCTL_FAIL, error: env.FAKE_PFCTL_ERROR }) as Awaited<ReturnType<Pfctl>>,
    calls() {
      const p = join(dir, 'calls.jsonl');
      if (!existsSync(p)) return [];
      return readFileSync(p, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { args: string[]; stdin: string | null });
    },
    state: () => (existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : empty()),
    seed(s) {
      writeFileSync(statePath, JSON.stringify({ ...fake.state(), ...s }));
    },
    failOn(pattern, error) {
      if (pattern === null) delete env.FAKE_PFCTL_FAIL;
      else env.FAKE_PFCTL_FAIL = pattern;
      if (error === undefined) delete env.FAKE_PFCTL_ERROR;
      else env.FAKE_PFCTL_ERROR = error;
    },
  };
  return fake;
}

/** Answers from a table; unknown names fail like NXDOMAIN, `{error}` entries like a timeout. */
export function fakeResolver(
  answers: Record<string, { v4?: string[]; v6?: string[]; error?: string }>,
  log: string[] = [],
): HostResolver {
  const lookup = async (host: string, family: 'v4' | 'v6'): Promise<string[]> => {
    log.push(`${family} ${host}`);
    const a = answers[host];
    const code = a === undefined ? 'ENOTFOUND' : a.error;
    if (code) throw Object.assign(new Error(`query ${code} ${host}`), { code });
    const list = a![family];
    if (!list) throw Object.assign(new Error(`query ENODATA ${host}`), { code: 'ENODATA' });
    return list;
  };
  return { resolve4: (h) => lookup(h, 'v4'), resolve6: (h) => lookup(h, 'v6') };
}

/**
 * A config whose only AI hosts are `hosts` (api kind, provider "test"): every built-in host is
 * disabled, so tests control exactly which names get resolved.
 */
export function configFor(dataDir: string, hosts: string[], doc: Record<string, unknown> = {}): Config {
  return validateConfig({
    data_dir: dataDir,
    providers: {
      disabled: BUILTIN_HOSTS.map((h) => h.host),
      extra: hosts.map((host) => ({ host, provider: 'test', kind: 'api' })),
    },
    ...doc,
  });
}

export function tmpDataDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'yori-pf-data-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
