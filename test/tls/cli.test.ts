import t from 'tap';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { UsageError } from '../../lib/cli-errors.js';
import { defaultConfig, type Config } from '../../lib/config/schema.js';
import { CA_CERT_FILE, CA_KEY_FILE, loadCA } from '../../lib/tls/ca.js';
import { caCommand } from '../../lib/tls/cli.js';
import { hasCommand, tempDir } from './fixtures/helpers.js';

const run = promisify(execFile);

function configWithCa(dir: string): Config {
  const config = defaultConfig();
  config.ca.dir = dir;
  return config;
}

/** Captures what caCommand writes; `tty` pretends stdout is a terminal. */
function capture(tty = false) {
  const sink = () => {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    });
    return { stream, bytes: () => Buffer.concat(chunks), text: () => Buffer.concat(chunks).toString('utf8') };
  };
  const stdout = sink();
  const stderr = sink();
  return { io: { stdout: Object.assign(stdout.stream, { isTTY: tty }), stderr: stderr.stream }, stdout, stderr };
}

t.test('ca init creates the CA and prints where it is, never the key', async (t) => {
  const dir = join(tempDir(t), 'ca');
  const out = capture();
  t.equal(await caCommand(configWithCa(dir), 'init', { format: 'pem' }, out.io), 0);
  const ca = loadCA(dir)!;
  const text = out.stdout.text();
  t.match(text, /^Created the YORI CA\./);
  t.match(text, join(dir, CA_CERT_FILE));
  t.match(text, join(dir, CA_KEY_FILE));
  t.match(text, ca.fingerprintSha256);
  t.match(text, 'yori ca export --format mobileconfig');
  t.notMatch(text, /PRIVATE KEY/);
  t.equal(out.stderr.text(), '');

  const again = capture();
  t.equal(await caCommand(configWithCa(dir), 'init', { format: 'pem' }, again.io), 0);
  t.match(again.stdout.text(), /^The YORI CA already exists\./);
  t.equal(loadCA(dir)!.fingerprintSha256, ca.fingerprintSha256, 'init does not replace an existing CA');
});

t.test('ca init reports a re-issued certificate and key warnings', async (t) => {
  const dir = tempDir(t);
  await caCommand(configWithCa(dir), 'init', { format: 'pem' }, capture().io);
  fs.rmSync(join(dir, CA_CERT_FILE));
  fs.chmodSync(join(dir, CA_KEY_FILE), 0o644);
  const out = capture();
  await caCommand(configWithCa(dir), 'init', { format: 'pem' }, out.io);
  t.match(out.stdout.text(), /^Issued a new certificate for the existing YORI CA key\./);
  t.match(out.stderr.text(), /yori: warning: .*readable by other users/);
  t.match(out.stderr.text(), /yori: warning: .*was missing/);
});

t.test('ca export writes pem, der and mobileconfig files', async (t) => {
  const dir = tempDir(t);
  const config = configWithCa(join(dir, 'ca'));
  await caCommand(config, 'init', { format: 'pem' }, capture().io);
  const ca = loadCA(config.ca.dir)!;

  const pemFile = join(dir, 'ca.pem');
  const out = capture();
  t.equal(await caCommand(config, 'export', { format: 'pem', out: pemFile }, out.io), 0);
  t.equal(fs.readFileSync(pemFile, 'utf8'), ca.certPem);
  t.equal(out.stdout.text(), '', 'nothing on stdout when writing a file');
  t.match(out.stderr.text(), `wrote ${pemFile} (pem, SHA-256 ${ca.fingerprintSha256})`);

  const derFile = join(dir, 'ca.der');
  await caCommand(config, 'export', { format: 'der', out: derFile }, capture().io);
  const der = new X509Certificate(fs.readFileSync(derFile));
  t.equal(der.fingerprint256, ca.fingerprintSha256, 'the DER file parses as the CA certificate');

  const profileFile = join(dir, 'yori.mobileconfig');
  await caCommand(config, 'export', { format: 'mobileconfig', out: profileFile }, capture().io);
  const profile = fs.readFileSync(profileFile, 'utf8');
  t.match(profile, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
  t.ok(profile.replace(/\s+/g, '').includes(ca.certDer.toString('base64')), 'contains the base64 certificate');
  if (hasCommand('xmllint')) await run('xmllint', ['--noout', '--nonet', profileFile]);

  for (const file of [pemFile, derFile, profileFile]) t.notMatch(fs.readFileSync(file, 'latin1'), /PRIVATE KEY/);
});

t.test('ca export prints to stdout', async (t) => {
  const dir = tempDir(t);
  const config = configWithCa(dir);
  const pem = capture();
  t.equal(await caCommand(config, 'export', { format: 'pem' }, pem.io), 0);
  const ca = loadCA(dir)!;
  t.equal(pem.stdout.text(), ca.certPem);
  t.match(pem.stderr.text(), `created a new CA in ${dir}`, 'export creates a missing CA and says so');

  const der = capture();
  await caCommand(config, 'export', { format: 'der' }, der.io);
  t.same(der.stdout.bytes(), ca.certDer, 'binary DER when stdout is redirected');
  t.equal(der.stderr.text(), '');

  const tty = capture(true);
  await t.rejects(caCommand(config, 'export', { format: 'der' }, tty.io), UsageError);
  t.equal(tty.stdout.bytes().length, 0, 'no binary on a terminal');

  const profile = capture(true);
  await caCommand(config, 'export', { format: 'mobileconfig' }, profile.io);
  t.match(profile.stdout.text(), /com\.apple\.security\.root/);
});

t.test('ca export names a file it cannot write', async (t) => {
  const dir = tempDir(t);
  const target = join(dir, 'missing-folder', 'ca.pem');
  await t.rejects(caCommand(configWithCa(dir), 'export', { format: 'pem', out: target }, capture().io), {
    message: `cannot write ${target}: ENOENT`,
  });
});

t.test('the yori binary runs ca export', async (t) => {
  const dir = tempDir(t);
  const configFile = join(dir, 'yori.conf');
  fs.writeFileSync(configFile, 'ca:\n  dir: ./ca\n');
  const derFile = join(dir, 'ca.der');
  // The child loads TypeScript the way this test process does, so its coverage maps onto the same sources.
  const args = [...process.execArgv, join(import.meta.dirname, '../../bin/yori.ts'), 'ca', 'export', '--config', configFile, '--format', 'der', '--out', derFile];
  const { stderr } = await run(process.execPath, args);
  t.match(stderr, /created a new CA in .*\/ca\n/);
  t.equal(new X509Certificate(fs.readFileSync(derFile)).fingerprint256, loadCA(join(dir, 'ca'))!.fingerprintSha256);
});
