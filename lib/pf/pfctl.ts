/**
 * Running pfctl(8). Every pf change YORI makes goes through a `Pfctl` function so the CLI,
 * the refresher and the tests share one seam: the system runner spawns `pfctl` (PATH first,
 * then /sbin), the dry-run runner prints the call instead, and tests put a fake `pfctl` on
 * PATH. Input (rules, addresses) always goes through stdin (`-f -`), never argv, so large
 * tables cannot hit argument-length limits.
 */
import { spawn } from 'node:child_process';
import { delimiter } from 'node:path';

export interface PfctlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pfctl <args>` with `input` on stdin; resolves with the exit code, rejects only when pfctl could not run. */
export type Pfctl = (args: readonly string[], input?: string) => Promise<PfctlResult>;

/** pfctl could not run, or answered with a non-zero exit. */
export class PfctlError extends Error {
  override name = 'PfctlError';
  constructor(
    readonly args: readonly string[],
    readonly detail: string,
    /** True when this process may not use pf at all (no pfctl, or no access to /dev/pf). */
    readonly noAccess: boolean,
  ) {
    super(`${formatCommand(args)}: ${detail}`);
  }
}

const NO_ACCESS = /Permission denied|Operation not permitted|No such file or directory.*\/dev\/pf/i;
const TIMEOUT_MS = 30_000;

/** The real pfctl. /sbin is appended to PATH because cron, configd and rc scripts may lack it. */
export function systemPfctl(env: NodeJS.ProcessEnv = process.env): Pfctl {
  const path = [env.PATH ?? '', '/sbin', '/usr/sbin'].filter(Boolean).join(delimiter);
  return (args, input) =>
    new Promise((resolve, reject) => {
      const child = spawn('pfctl', args, { env: { ...env, PATH: path }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.stdin.on('error', () => {}); // pfctl may exit before reading all input; the exit code tells
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const detail = e.code === 'ENOENT' ? 'pfctl not found (is this a pf system?)' : e.message;
        reject(new PfctlError(args, detail, true));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8');
        if (code === null) {
          reject(new PfctlError(args, signal === 'SIGKILL' ? `no answer within ${TIMEOUT_MS / 1000} s` : `killed by ${signal}`, false));
          return;
        }
        resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr });
      });
      child.stdin.end(input ?? '');
    });
}

/** Prints each call (with its stdin as a here-document) instead of running it; reads answer empty. */
export function dryRunPfctl(write: (text: string) => void): Pfctl {
  return async (args, input) => {
    write(formatCall(args, input));
    return { code: 0, stdout: '', stderr: '' };
  };
}

/** Runs pfctl and returns stdout; a non-zero exit becomes a PfctlError carrying pfctl's own message. */
export async function pfctlOk(pfctl: Pfctl, args: readonly string[], input?: string): Promise<string> {
  const r = await pfctl(args, input);
  if (r.code !== 0) {
    const message = firstLines(r.stderr) || `exit status ${r.code}`;
    throw new PfctlError(args, message, NO_ACCESS.test(r.stderr));
  }
  return r.stdout;
}

export function formatCommand(args: readonly string[]): string {
  return ['pfctl', ...args].map(shellWord).join(' ');
}

/** A shell-pasteable rendering of one call. */
export function formatCall(args: readonly string[], input?: string): string {
  const cmd = formatCommand(args);
  if (input === undefined) return `${cmd}\n`;
  const body = input.endsWith('\n') || input === '' ? input : `${input}\n`;
  return `${cmd} <<'EOF'\n${body}EOF\n`;
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function firstLines(s: string): string {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 3)
    .join(' / ');
}
