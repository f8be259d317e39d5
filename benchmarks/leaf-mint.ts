/**
 * Leaf minting benchmark (SPEC §8: a leaf certificate for a new host ≤ 5 ms, cached after).
 * Times `LeafMinter.secureContextFor` for `n` hosts it has never seen (certificate, native
 * signature and SecureContext: everything a new SNI costs), after a short warm-up, with a CA
 * made in a temp folder. Also reports what a cached host costs.
 *
 * Run alone: `npx tsx benchmarks/leaf-mint.ts` (env N overrides the host count, default 200).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadOrCreateCA } from '../lib/tls/ca.js';
import { LeafMinter } from '../lib/tls/leaf.js';

export interface LeafMintResult {
  n: number;
  mean_ms: number;
  p95_ms: number;
  max_ms: number;
  /** Process CPU time per new host: steadier than wall time on a busy machine. */
  cpu_mean_ms: number;
  /** A host already in the cache. */
  cached_us: number;
}

const WARMUP_HOSTS = 20;
const round = (x: number, digits: number) => Number(x.toFixed(digits));

export async function measureLeafMinting(n = 200): Promise<LeafMintResult> {
  const dir = mkdtempSync(join(tmpdir(), 'yori-bench-leaf-'));
  try {
    const minter = new LeafMinter(loadOrCreateCA(dir), { maxHosts: n + WARMUP_HOSTS });
    for (let i = 0; i < WARMUP_HOSTS; i++) minter.secureContextFor(`warmup-${i}.bench.example`);
    const times: number[] = [];
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const host = `host-${i}.bench.example`;
      const start = performance.now();
      minter.secureContextFor(host);
      times.push(performance.now() - start);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const lookups = 10_000;
    const start = performance.now();
    for (let i = 0; i < lookups; i++) minter.secureContextFor(`host-${i % n}.bench.example`);
    const cachedUs = ((performance.now() - start) * 1000) / lookups;

    times.sort((a, b) => a - b);
    return {
      n,
      mean_ms: round(times.reduce((sum, x) => sum + x, 0) / n, 3),
      p95_ms: round(times[Math.min(n - 1, Math.ceil(n * 0.95) - 1)]!, 3),
      max_ms: round(times[n - 1]!, 3),
      cpu_mean_ms: round((cpu.user + cpu.system) / 1000 / n, 3),
      cached_us: round(cachedUs, 2),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = process.env.N ? Number(process.env.N) : undefined;
  console.log(JSON.stringify(await measureLeafMinting(n), null, 2));
}
