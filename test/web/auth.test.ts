import t from 'tap';
import { PassThrough } from 'node:stream';
import { UsageError } from '../../lib/cli-errors.js';
import {
  configuredPassword, DEFAULT_SCRYPT, formatPasswordHash, hashPassword, hashPasswordCommand, parsePasswordHash, verifyPassword,
} from '../../lib/web/auth.js';

const FAST = { N: 1024, r: 8, p: 1 };

t.test('scrypt hashes in the scrypt$N$r$p$salt$hash form verify the right password only', async (t) => {
  const h = await hashPassword('correct horse battery', FAST);
  t.match(h, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
  const parsed = parsePasswordHash(h);
  t.match(parsed, { N: 1024, r: 8, p: 1 });
  t.equal(parsed.salt.length, 16);
  t.equal(parsed.hash.length, 32);
  t.equal(formatPasswordHash(parsed), h);
  t.equal(await verifyPassword('correct horse battery', parsed), true);
  t.equal(await verifyPassword('correct horse batterY', parsed), false);
  t.equal(await verifyPassword('', parsed), false);
  t.not(await hashPassword('correct horse battery', FAST), h, 'a fresh salt each time');
  // Unicode is normalised: the composed and decomposed "é" are one password.
  const cafe = parsePasswordHash(await hashPassword('caf\u00e9', FAST));
  t.equal(await verifyPassword('cafe\u0301', cafe), true);
  t.same(DEFAULT_SCRYPT, { N: 32768, r: 8, p: 1 });
});

t.test('malformed hashes are refused with a reason', async (t) => {
  const salt = Buffer.alloc(16, 1).toString('base64');
  const key = Buffer.alloc(32, 2).toString('base64');
  const cases: [string, RegExp][] = [
    ['bcrypt$2b$10$abc', /expected scrypt\$N\$r\$p\$salt\$hash/],
    [`scrypt$1024$8$1$${salt}`, /expected scrypt/],
    [`scrypt$1000$8$1$${salt}$${key}`, /N must be a power of two/],
    [`scrypt$${2 ** 21}$8$1$${salt}$${key}`, /N must be a power of two up to 1048576/],
    [`scrypt$1024$0$1$${salt}$${key}`, /r must be between 1 and 32/],
    [`scrypt$1024$8$99$${salt}$${key}`, /p must be between 1 and 16/],
    [`scrypt$1024$8$x$${salt}$${key}`, /p must be/],
    [`scrypt$1024$8$1$not base64!$${key}`, /salt and hash must be base64/],
    [`scrypt$1024$8$1$AAAA$${key}`, /salt must be at least 8 bytes/],
    [`scrypt$1024$8$1$${salt}$AAAA`, /hash must be 16 to 128 bytes/],
  ];
  for (const [text, message] of cases) t.throws(() => parsePasswordHash(text), message, text);
});

t.test('the configured password: a hash, a plain password, or none', async (t) => {
  const h = await hashPassword('pw', FAST);
  t.same(configuredPassword({ password: null, password_hash: h }), parsePasswordHash(h));
  t.equal(configuredPassword({ password: null, password_hash: null }), null);
  const plain = configuredPassword({ password: 'hunter2', password_hash: null }, FAST)!;
  t.equal(await verifyPassword('hunter2', plain), true);
  t.equal(await verifyPassword('hunter3', plain), false);
  t.throws(() => configuredPassword({ password: null, password_hash: 'scrypt$3$8$1$x$y' }),
    /^config: admin\.password_hash: N must be a power of two.*; make one with `yori admin hash-password`$/);
});

function io(input: string | null, tty = false) {
  const stdin = Object.assign(new PassThrough(), { isTTY: tty });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  if (input !== null) stdin.end(input);
  return { io: { stdin, stdout, stderr }, out: () => out, err: () => err };
}

t.test('yori admin hash-password reads stdin and prints a hash', async (t) => {
  const piped = io('s3cret pass\n');
  t.equal(await hashPasswordCommand(piped.io, FAST), 0);
  const line = piped.out();
  t.match(line, /^scrypt\$1024\$8\$1\$\S+\$\S+\n$/);
  t.equal(await verifyPassword('s3cret pass', parsePasswordHash(line.trim())), true, 'the trailing newline is not part of it');
  t.equal(piped.err(), '', 'nothing else when piped');

  const noNewline = io('abc');
  await hashPasswordCommand(noNewline.io, FAST);
  t.equal(await verifyPassword('abc', parsePasswordHash(noNewline.out().trim())), true);

  await t.rejects(hashPasswordCommand(io('').io, FAST), UsageError);
  await t.rejects(hashPasswordCommand(io('\n').io, FAST), /no password given on stdin/);

  const tty = io('typed\ntyped\n', true);
  t.equal(await hashPasswordCommand(tty.io, FAST), 0);
  t.match(tty.err(), /New admin password: \nRepeat it: \nPut this line in yori\.conf as admin\.password_hash\./);
  t.notMatch(tty.err() + tty.out().split('$')[0], /typed/, 'the password is not echoed');
  t.equal(await verifyPassword('typed', parsePasswordHash(tty.out().trim())), true);
  await t.rejects(hashPasswordCommand(io('one\ntwo\n', true).io, FAST), /the two passwords differ/);
});
