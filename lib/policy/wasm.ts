/**
 * OPA-compiled Wasm policies (`opa build -t wasm -e yori/deny -e yori/warn …`) in policy.dir,
 * evaluated through @open-policy-agent/opa-wasm with the same decision contract as `.rego`
 * files: every entrypoint named `yori/…/deny` or `yori/…/warn` contributes its set.
 *
 * Accepted: `bundle.tar.gz` (policy.wasm plus data.json files at their data paths) or a bare
 * `policy.wasm` with an optional `data.json` beside it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadPolicy } from '@open-policy-agent/opa-wasm';

export const BUNDLE_FILE = 'bundle.tar.gz';
export const WASM_FILE = 'policy.wasm';

export interface WasmPolicies {
  files: string[];
  /** Packages (slash-free, dotted) whose deny/warn the bundle provides. */
  packages: string[];
  evaluate(input: unknown): { deny: unknown[]; warn: unknown[] };
}

const ENTRYPOINT = /^yori(?:\/[A-Za-z0-9_-]+)*\/(deny|warn)$/;

/** The regular files of a (gzipped) ustar archive, by path without a leading "/" or "./". */
export function readTarGz(buf: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(buf);
  const files = new Map<string, Buffer>();
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) => header.toString('utf8', start, start + len).replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0 || off + 512 + size > tar.length) throw new Error('bundle.tar.gz: truncated or corrupt archive');
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(0, 100);
    const type = String.fromCharCode(header[156]!);
    if (type === '0' || type === '\0') files.set(name.replace(/^\.?\//, ''), Buffer.from(tar.subarray(off + 512, off + 512 + size)));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Places a data.json document at its folder's path in the data tree. */
function mergeAt(root: Record<string, unknown>, path: string[], doc: unknown): void {
  if (path.length === 0) {
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) Object.assign(root, doc);
    return;
  }
  let node = root;
  for (const seg of path.slice(0, -1)) node = (node[seg] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]!] = doc;
}

function bundleContents(dir: string): { files: string[]; wasm: Buffer; data: Record<string, unknown> } | null {
  const data: Record<string, unknown> = {};
  const bundlePath = join(dir, BUNDLE_FILE);
  if (existsSync(bundlePath)) {
    const entries = readTarGz(readFileSync(bundlePath));
    const wasm = entries.get(WASM_FILE);
    if (!wasm) throw new Error(`${BUNDLE_FILE}: no ${WASM_FILE} inside (build it with opa build -t wasm)`);
    for (const [name, body] of entries) {
      if (name !== 'data.json' && !name.endsWith('/data.json')) continue;
      const path = name.split('/').slice(0, -1);
      mergeAt(data, path, JSON.parse(body.toString('utf8')));
    }
    return { files: [bundlePath], wasm, data };
  }
  const wasmPath = join(dir, WASM_FILE);
  if (!existsSync(wasmPath)) return null;
  const dataPath = join(dir, 'data.json');
  const files = [wasmPath];
  if (existsSync(dataPath)) {
    mergeAt(data, [], JSON.parse(readFileSync(dataPath, 'utf8')));
    files.push(dataPath);
  }
  return { files, wasm: readFileSync(wasmPath), data };
}

/**
 * Loads the Wasm policies of `dir` (null when there are none). `baseData` (`{yori: {config}}`)
 * is merged over the bundle's own data.
 */
export async function loadWasmPolicies(dir: string, baseData: Record<string, unknown>): Promise<WasmPolicies | null> {
  const contents = bundleContents(dir);
  if (!contents) return null;
  const policy = await loadPolicy(contents.wasm);
  const data = contents.data;
  const yori = (data.yori ??= {}) as Record<string, unknown>;
  Object.assign(yori, (baseData.yori as Record<string, unknown> | undefined) ?? {});
  policy.setData(data);

  const entrypoints = Object.keys(policy.entrypoints).filter((e) => ENTRYPOINT.test(e));
  if (entrypoints.length === 0) {
    throw new Error(`${contents.files[0]}: no yori/…/deny or yori/…/warn entrypoint (build with -e yori/deny -e yori/warn)`);
  }
  return {
    files: contents.files,
    packages: [...new Set(entrypoints.map((e) => e.split('/').slice(0, -1).join('.')))],
    evaluate(input) {
      const out = { deny: [] as unknown[], warn: [] as unknown[] };
      for (const e of entrypoints) {
        const rs = policy.evaluate(input, e) as { result?: unknown }[];
        const result = rs?.[0]?.result;
        if (Array.isArray(result)) out[ENTRYPOINT.exec(e)![1] as 'deny' | 'warn'].push(...result);
      }
      return out;
    },
  };
}
