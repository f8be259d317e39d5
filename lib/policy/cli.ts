/**
 * `yori policy eval` (the decision for one input document, with the config's mode applied)
 * and `yori policy test` (Rego unit tests, like `opa test`: every `test_*` rule must be true).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../cli-errors.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../log.js';
import { packagePath, PolicySet, readRegoSources } from './policy-set.js';
import { compileModules, RegoError } from './rego/index.js';

export interface PolicyCommandOptions {
  input?: string;
  policyDir?: string;
  verbose?: boolean;
}

interface Streams {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const STD: Streams = { out: process.stdout, err: process.stderr };

export async function policyCommand(config: Config, action: 'eval' | 'test', opts: PolicyCommandOptions, io: Streams = STD): Promise<number> {
  const dir = opts.policyDir ? resolve(opts.policyDir) : config.policy.dir;
  return action === 'eval' ? policyEval(config, dir, opts.input, io) : policyTest(dir, Boolean(opts.verbose), io);
}

async function policyEval(config: Config, dir: string, inputFile: string | undefined, io: Streams): Promise<number> {
  if (!inputFile) throw new UsageError('policy eval needs --input FILE (a JSON input document, see docs/POLICIES.md)');
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(inputFile, 'utf8'));
  } catch (e) {
    throw new UsageError(`--input ${inputFile}: ${(e as Error).message}`);
  }
  const errors: string[] = [];
  const set = new PolicySet({
    dir,
    mode: config.policy.mode,
    data: config.policy.data,
    logger: createLogger('silent'),
    onError: (_kind, message) => errors.push(message),
  });
  if (await set.load()) {
    io.err.write(`yori: ${errors[0]}\n`);
    return 2;
  }
  const decision = set.decide(input);
  if (errors.length) {
    io.err.write(`yori: policy evaluation failed (the gateway would allow): ${errors[0]}\n`);
    return 1;
  }
  io.out.write(`${JSON.stringify(decision, null, 2)}\n`);
  return 0;
}

function policyTest(dir: string, verbose: boolean, io: Streams): number {
  let compiled;
  try {
    compiled = compileModules(readRegoSources(dir, true));
  } catch (e) {
    if (e instanceof RegoError) {
      io.err.write(`${e.message}\n`);
      return 2;
    }
    throw new UsageError(`policy test ${dir}: ${(e as Error).message}`);
  }
  const tests = compiled.rules().filter((r) => r.name.startsWith('test_'));
  const seen = new Set<string>();
  let passed = 0;
  const failures: string[] = [];
  for (const rule of tests) {
    const ref = `data.${packagePath(rule).join('.')}.${rule.name}`;
    if (seen.has(ref)) continue;
    seen.add(ref);
    const started = process.hrtime.bigint();
    const r = compiled.prepare(`x := ${ref}`).eval({});
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const ok = !r.error && r.results.length > 0 && r.results.every((row) => row.x === true);
    const where = `${rule.file}:${rule.row}`;
    if (ok) {
      passed++;
      if (verbose) io.out.write(`PASS ${ref} (${ms.toFixed(2)}ms)\n`);
    } else {
      const why = r.error ? `ERROR ${r.error.message}` : 'FAIL';
      failures.push(`${why} ${ref} (${where})`);
      io.out.write(`${why} ${ref} (${where})\n`);
    }
  }
  io.out.write('--------------------------------------------------------------------------------\n');
  if (failures.length === 0) io.out.write(`PASS: ${passed}/${seen.size}\n`);
  else io.out.write(`PASS: ${passed}/${seen.size}\nFAIL: ${failures.length}/${seen.size}\n`);
  if (seen.size === 0) io.out.write(`no tests found in ${dir}\n`);
  return failures.length > 0 ? 1 : 0;
}
