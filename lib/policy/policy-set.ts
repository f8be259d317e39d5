/**
 * The loaded policies: every `.rego` file in `policy.dir` (tests excluded) compiled together,
 * and any OPA Wasm bundle beside them. Evaluates `deny` and `warn` of every package under
 * `yori` against an input document and combines them (decision.ts).
 *
 * Fail-open by design (SPEC §5): a policy set that does not load keeps the last good one
 * active (or none), and an evaluation error allows the request; both are reported through
 * `onError` so the parents get an error alert. Reload runs on file change and on SIGHUP.
 */
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { PolicyMode } from '../config/schema.js';
import { ALLOW, type Decision } from '../hooks.js';
import type { Logger } from '../log.js';
import { combineDecision } from './decision.js';
import { compileModules, type PreparedQuery, type RegoSource, type RuleInfo, type Value } from './rego/index.js';
import { fromJSON, toJSON } from './rego/value.js';
import { loadWasmPolicies, type WasmPolicies } from './wasm.js';

export interface PolicyFile {
  name: string;
  kind: 'rego' | 'wasm';
}

export interface PolicyStatus {
  dir: string;
  mode: PolicyMode;
  files: PolicyFile[];
  /** Packages under `yori` that define deny and/or warn. */
  packages: string[];
  loadedAt: number | null;
  lastReload: { at: number; ok: boolean; error: string | null } | null;
}

interface Compiled {
  files: PolicyFile[];
  packages: string[];
  /** One query for every deny and warn, so rules they share are evaluated once per request. */
  query: PreparedQuery | null;
  /** The query's variables: which one holds a deny and which a warn. */
  vars: { name: string; rule: 'deny' | 'warn' }[];
  wasm: WasmPolicies | null;
}

export interface PolicySetOptions {
  dir: string;
  mode: PolicyMode;
  /** policy.data from the config: visible to policies as `data.yori.config`. */
  data: Record<string, unknown>;
  logger: Logger;
  /** Load and evaluation failures: the caller raises an error alert. */
  onError?: (kind: 'load' | 'eval', message: string) => void;
  now?: () => number;
}

/** Files that are Rego unit tests, run by `yori policy test`, never at request time. */
export function isRegoTestFile(name: string): boolean {
  return name.endsWith('_test.rego');
}

/** Reads the `.rego` sources of a folder (sorted, tests optional). */
export function readRegoSources(dir: string, includeTests: boolean): RegoSource[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.rego') && (includeTests || !isRegoTestFile(n)))
    .sort()
    .map((n) => ({ name: join(dir, n), source: readFileSync(join(dir, n), 'utf8') }));
}

export class PolicySet {
  private active: Compiled | null = null;
  private loadedAt: number | null = null;
  private lastReload: PolicyStatus['lastReload'] = null;
  private watcher: FSWatcher | null = null;
  private reloadTimer: NodeJS.Timeout | null = null;
  private evalData: { yori: { config: Record<string, unknown> } };
  /** evalData as a Rego value, converted once per (re)configuration rather than per query. */
  private dataValue: Value;
  private readonly now: () => number;

  constructor(private readonly opts: PolicySetOptions) {
    this.now = opts.now ?? Date.now;
    this.evalData = { yori: { config: opts.data } };
    this.dataValue = fromJSON(this.evalData);
  }

  /** (Re)loads the folder; on failure keeps the last good set. Returns the error, if any. */
  async load(): Promise<string | null> {
    const at = this.now();
    try {
      const next = await this.compile();
      this.active = next;
      this.loadedAt = at;
      this.lastReload = { at, ok: true, error: null };
      this.opts.logger.info({ dir: this.opts.dir, files: next.files.length, packages: next.packages }, 'policies loaded');
      return null;
    } catch (e) {
      const error = (e as Error).message;
      this.lastReload = { at, ok: false, error };
      this.opts.logger.error({ dir: this.opts.dir, error }, this.active ? 'policy reload failed; keeping the last good policies' : 'policies failed to load; allowing all traffic');
      this.opts.onError?.('load', error);
      return error;
    }
  }

  /** advisory or enforce: only enforce can block, so only then must a request wait for `decide`. */
  get mode(): PolicyMode {
    return this.opts.mode;
  }

  /** Applies a new mode and config data (SIGHUP) and reloads the files. */
  async reconfigure(mode: PolicyMode, data: Record<string, unknown>): Promise<string | null> {
    this.opts.mode = mode;
    this.evalData = { yori: { config: data } };
    this.dataValue = fromJSON(this.evalData);
    return this.load();
  }

  /** Evaluates every deny/warn against `input`. Never throws: errors allow and are reported. */
  decide(input: unknown): Decision {
    const set = this.active;
    if (!set) return ALLOW;
    const deny: unknown[] = [];
    const warn: unknown[] = [];
    try {
      if (set.query) collect(set.query, set.vars, input, this.dataValue, deny, warn);
      if (set.wasm) {
        const r = set.wasm.evaluate(input);
        deny.push(...r.deny);
        warn.push(...r.warn);
      }
    } catch (e) {
      const message = (e as Error).message;
      this.opts.logger.error({ error: message }, 'policy evaluation failed; request allowed');
      this.opts.onError?.('eval', message);
      return ALLOW;
    }
    return combineDecision(deny, warn, this.opts.mode);
  }

  /** Reloads when a file in the folder changes (debounced: editors write in bursts). */
  watch(debounceMs = 300): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.opts.dir, () => {
        if (this.reloadTimer) clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => {
          this.reloadTimer = null;
          void this.load();
        }, debounceMs);
        this.reloadTimer.unref();
      });
      this.watcher.on('error', (e) => this.opts.logger.warn({ error: e.message }, 'policy folder watch failed'));
      this.watcher.unref();
    } catch (e) {
      this.opts.logger.warn({ dir: this.opts.dir, error: (e as Error).message }, 'cannot watch the policy folder; reload with SIGHUP');
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
  }

  status(): PolicyStatus {
    return {
      dir: this.opts.dir,
      mode: this.opts.mode,
      files: this.active?.files ?? [],
      packages: this.active?.packages ?? [],
      loadedAt: this.loadedAt,
      lastReload: this.lastReload,
    };
  }

  private async compile(): Promise<Compiled> {
    let st;
    try {
      st = statSync(this.opts.dir);
    } catch {
      throw new Error(`policy folder ${this.opts.dir} does not exist`);
    }
    if (!st.isDirectory()) throw new Error(`policy.dir ${this.opts.dir} is not a folder`);
    const sources = readRegoSources(this.opts.dir, false);
    const compiled = compileModules(sources);
    const vars: Compiled['vars'] = [];
    const exprs: string[] = [];
    const packages = new Set<string>();
    for (const rule of compiled.rules()) {
      const path = packagePath(rule);
      if (path[0] !== 'yori' || (rule.name !== 'deny' && rule.name !== 'warn')) continue;
      const pkg = path.join('.');
      const key = `${pkg}.${rule.name}`;
      if (packages.has(key)) continue;
      packages.add(key);
      // An array comprehension is [] when the rule is undefined, so one package without a
      // value never hides the others.
      const name = `r${vars.length}`;
      vars.push({ name, rule: rule.name });
      exprs.push(`${name} := [v | v := data.${path.map(refSegment).join('')}.${rule.name}]`);
    }
    const query = exprs.length ? compiled.prepare(exprs.join('; ')) : null;
    const wasm = await loadWasmPolicies(this.opts.dir, this.evalData);
    const files: PolicyFile[] = [
      ...sources.map((s) => ({ name: s.name, kind: 'rego' as const })),
      ...(wasm?.files ?? []).map((name) => ({ name, kind: 'wasm' as const })),
    ];
    return {
      files,
      packages: [...new Set([...packages].map((k) => k.slice(0, k.lastIndexOf('.'))))].concat(wasm?.packages ?? []),
      query,
      vars,
      wasm,
    };
  }
}

/** A rule's package path without the leading `data` (`['yori', 'bedtime']`). */
export function packagePath(rule: RuleInfo): string[] {
  return rule.path[0] === 'data' ? rule.path.slice(1) : rule.path;
}

/** `.name` for identifiers, `["na-me"]` otherwise. */
function refSegment(part: string, i: number): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) return i === 0 ? part : `.${part}`;
  return `[${JSON.stringify(part)}]`;
}

/** Runs the combined query; each variable holds [] or [the rule's value], a set or an array. */
function collect(q: PreparedQuery, vars: Compiled['vars'], input: unknown, data: Value, deny: unknown[], warn: unknown[]): void {
  const r = q.evalValues({ input, data });
  if (r.error) throw r.error;
  for (const row of r.results) {
    for (const { name, rule } of vars) {
      const values = row[name] === undefined ? [] : toJSON(row[name]!);
      for (const v of values as unknown[]) if (Array.isArray(v)) (rule === 'deny' ? deny : warn).push(...v);
    }
  }
}

