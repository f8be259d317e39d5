import t from 'tap';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadOrCreateCA } from '../../lib/tls/ca.js';
import { buildMobileconfig, uuidV5 } from '../../lib/tls/mobileconfig.js';
import { hasCommand, tempDir } from './fixtures/helpers.js';

const run = promisify(execFile);
const ca = loadOrCreateCA(tempDir(t));
const UUID_V5 = /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;

const uuidsOf = (xml: string) => [...xml.matchAll(/<key>PayloadUUID<\/key>\s*<string>([^<]+)<\/string>/g)].map((m) => m[1]!);

t.test('uuidV5 matches the RFC 9562 test vector', async (t) => {
  // RFC 9562 Appendix A.4: the DNS namespace and "www.example.com".
  t.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ED6657D-E927-568B-95E1-2665A8AEA6A2');
});

t.test('the profile carries the CA certificate as a root payload', async (t) => {
  const xml = buildMobileconfig(ca);
  const data = /<data>([^<]+)<\/data>/.exec(xml)![1]!.replace(/\s+/g, '');
  t.same(Buffer.from(data, 'base64'), ca.certDer, 'the DER certificate, base64');
  t.match(xml, /<key>PayloadType<\/key>\s*<string>com\.apple\.security\.root<\/string>/);
  t.match(xml, /<key>PayloadType<\/key>\s*<string>Configuration<\/string>/);
  t.match(xml, /<key>PayloadDisplayName<\/key>\s*<string>YORI Home Gateway CA<\/string>/);
  t.notMatch(xml, /PRIVATE KEY/);
  const uuids = uuidsOf(xml);
  t.equal(uuids.length, 2);
  for (const uuid of uuids) t.match(uuid, UUID_V5);
  t.not(uuids[0], uuids[1], 'payload and profile UUIDs differ');
});

t.test('UUIDs are stable per CA and differ between CAs', async (t) => {
  const first = buildMobileconfig(ca);
  t.equal(buildMobileconfig(ca), first, 'the same CA gives the same profile');
  const other = buildMobileconfig({ certDer: ca.certDer, fingerprintSha256: 'AA:BB' });
  t.same(uuidsOf(other).filter((u) => uuidsOf(first).includes(u)), [], 'another fingerprint gives other UUIDs');
});

t.test('xmllint accepts the profile as well-formed XML', { skip: !hasCommand('xmllint') && 'xmllint not installed' }, async (t) => {
  const file = join(tempDir(t), 'yori.mobileconfig');
  fs.writeFileSync(file, buildMobileconfig(ca));
  const { stdout } = await run('xmllint', ['--noout', '--nonet', file]);
  t.equal(stdout, '');
});

t.test('a plist parser reads the payload back', { skip: !hasCommand('python3') && 'python3 not installed' }, async (t) => {
  const file = join(tempDir(t), 'yori.mobileconfig');
  fs.writeFileSync(file, buildMobileconfig(ca));
  const script = `import plistlib, json, base64, sys
p = plistlib.load(open(sys.argv[1], 'rb'))
c = p['PayloadContent'][0]
print(json.dumps({'type': p['PayloadType'], 'payload': c['PayloadType'], 'cert': base64.b64encode(c['PayloadContent']).decode(), 'removable': not p['PayloadRemovalDisallowed']}))`;
  const { stdout } = await run('python3', ['-c', script, file]);
  t.same(JSON.parse(stdout), { type: 'Configuration', payload: 'com.apple.security.root', cert: ca.certDer.toString('base64'), removable: true });
});
