/**
 * The admin password (config `admin.password` or `admin.password_hash`): scrypt hashing in the
 * `scrypt$N$r$p$salt$hash` form the config schema asks for, verification in constant time, and
 * `yori admin hash-password`, which turns a password read from stdin into such a hash.
 *
 * A plain `admin.password` is hashed once at start with a random salt, so both forms are
 * checked the same way (scrypt, then timingSafeEqual) and the plain text is not kept around.
 * Verification runs scrypt on libuv's thread pool; callers cap how many run at once (each one
 * holds 128·N·r bytes).
 */
import { randomBytes, scrypt as scryptCb, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Writable, type Readable } from 'node:stream';
import { UsageError } from '../cli-errors.js';
import type { Config } from '../config/schema.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** About 50–100 ms on a router CPU, 32 MiB of memory per verification. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Hashes made elsewhere are accepted up to these costs (a bigger N would let a config exhaust memory). */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

export interface PasswordHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

function scryptOptions(params: ScryptParams): ScryptOptions {
  return { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
}

function scrypt(password: string, salt: Buffer, params: ScryptParams, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFC'), salt, keylen, scryptOptions(params), (err, key) => (err ? reject(err) : resolve(key))));
}

/** Parses `scrypt$N$r$p$salt$hash` (salt and hash in base64); throws a RangeError saying what is wrong. */
export function parsePasswordHash(text: string): PasswordHash {
  const parts = text.trim().split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new RangeError('expected scrypt$N$r$p$salt$hash');
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^\d{1,8}$/.test(s) ? Number(s) : NaN)) as [number, number, number];
  if (!(N >= 2 && N <= MAX_N && (N & (N - 1)) === 0)) throw new RangeError(`N must be a power of two up to ${MAX_N}`);
  if (!(r >= 1 && r <= MAX_R)) throw new RangeError(`r must be between 1 and ${MAX_R}`);
  if (!(p >= 1 && p <= MAX_P)) throw new RangeError(`p must be between 1 and ${MAX_P}`);
  const b64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
  if (!b64.test(parts[4]!) || !b64.test(parts[5]!)) throw new RangeError('salt and hash must be base64');
  const salt = Buffer.from(parts[4]!, 'base64');
  const hash = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8) throw new RangeError('the salt must be at least 8 bytes');
  if (hash.length < 16 || hash.length > 128) throw new RangeError('the hash must be 16 to 128 bytes');
  return { N, r, p, salt, hash };
}

export function formatPasswordHash(h: PasswordHash): string {
  return `scrypt$${h.N}$${h.r}$${h.p}$${h.salt.toString('base64')}$${h.hash.toString('base64')}`;
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  return formatPasswordHash({ ...params, salt, hash: await scrypt(password, salt, params, KEY_BYTES) });
}

/** True when `password` matches; the comparison takes the same time wherever the bytes differ. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const key = await scrypt(password, stored.salt, stored, stored.hash.length);
  return timingSafeEqual(key, stored.hash);
}

/**
 * The configured password as a hash, or null when none is set. A malformed `password_hash`
 * throws an Error naming the key (the gateway refuses to start rather than lock parents out).
 * A plain password is hashed synchronously, once, while the gateway starts.
 */
export function configuredPassword(admin: Config['admin'], params: ScryptParams = DEFAULT_SCRYPT): PasswordHash | null {
  if (admin.password_hash !== null) {
    try {
      return parsePasswordHash(admin.password_hash);
    } catch (e) {
      throw new Error(`config: admin.password_hash: ${(e as Error).message}; make one with \`yori admin hash-password\``);
    }
  }
  if (admin.password === null) return null;
  const salt = randomBytes(SALT_BYTES);
  return { ...params, salt, hash: scryptSync(admin.password.normalize('NFC'), salt, KEY_BYTES, scryptOptions(params)) };
}

export interface HashPasswordIO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
}

/**
 * `yori admin hash-password`: reads the password from stdin (asking twice on a terminal, without
 * echo), prints the `admin.password_hash` value. Returns the exit code.
 */
export async function hashPasswordCommand(
  io: HashPasswordIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<number> {
  const tty = Boolean(io.stdin.isTTY);
  // On a terminal the typed characters go to a muted output: nothing is echoed.
  const muted = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const rl = createInterface({ input: io.stdin, output: muted, terminal: tty });
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (prompt: string): Promise<string | null> => {
    if (tty) io.stderr.write(prompt);
    const next = await lines.next();
    if (tty) io.stderr.write('\n');
    return next.done ? null : next.value;
  };
  let password: string | null;
  try {
    password = await ask('New admin password: ');
    if (!password) throw new UsageError('no password given on stdin (e.g. `printf %s "secret" | yori admin hash-password`)');
    if (tty && (await ask('Repeat it: ')) !== password) throw new UsageError('the two passwords differ');
  } finally {
    rl.close();
  }
  io.stdout.write(`${await hashPassword(password, params)}\n`);
  if (tty) io.stderr.write('Put this line in yori.conf as admin.password_hash.\n');
  return 0;
}
