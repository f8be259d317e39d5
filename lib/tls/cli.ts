/**
 * `yori ca init` and `yori ca export` (SPEC §2), called by bin/yori.ts. Both create the CA
 * when it is missing: an admin who asks for the certificate wants one to install, and creating
 * it is what `yori start` would do anyway. The key is never printed.
 */
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { Config } from '../config/schema.js';
import { UsageError } from '../cli-errors.js';
import { loadOrCreateCA, type CertificateAuthority } from './ca.js';
import { buildMobileconfig } from './mobileconfig.js';

export type CaExportFormat = 'pem' | 'der' | 'mobileconfig';

export interface CaCommandIO {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
}

export async function caCommand(
  config: Config,
  action: 'init' | 'export',
  opts: { format: CaExportFormat; out?: string },
  io: CaCommandIO = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const ca = loadOrCreateCA(config.ca.dir);
  for (const warning of ca.warnings) io.stderr.write(`yori: warning: ${warning}\n`);
  if (action === 'init') {
    io.stdout.write(describe(ca));
    return 0;
  }
  if (ca.origin !== 'loaded') io.stderr.write(`yori: created a new CA in ${config.ca.dir}\n`);
  const data = exportCertificate(ca, opts.format);
  if (opts.out) {
    try {
      fs.writeFileSync(opts.out, data, { mode: 0o644 });
    } catch (e) {
      throw new Error(`cannot write ${opts.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    io.stderr.write(`yori: wrote ${opts.out} (${opts.format}, SHA-256 ${ca.fingerprintSha256})\n`);
    return 0;
  }
  if (opts.format === 'der' && io.stdout.isTTY) throw new UsageError('--format der is binary: redirect stdout or use --out FILE');
  await new Promise<void>((resolve, reject) => io.stdout.write(data, (e) => (e ? reject(e) : resolve())));
  return 0;
}

/** The CA certificate in an export format (never the key). */
export function exportCertificate(ca: CertificateAuthority, format: CaExportFormat): string | Buffer {
  switch (format) {
    case 'pem': return ca.certPem;
    case 'der': return ca.certDer;
    case 'mobileconfig': return buildMobileconfig(ca);
  }
}

function describe(ca: CertificateAuthority): string {
  const status = { created: 'Created the YORI CA', reissued: 'Issued a new certificate for the existing YORI CA key', loaded: 'The YORI CA already exists' }[ca.origin];
  return [
    `${status}.`,
    `  certificate: ${ca.certPath}`,
    `  key:         ${ca.keyPath} (mode 0600, keep it private)`,
    `  subject:     ${ca.subject}`,
    `  valid until: ${ca.notAfter.toISOString()}`,
    `  SHA-256:     ${ca.fingerprintSha256}`,
    'Install the certificate on every device YORI should see:',
    '  iPhone, iPad, Mac: yori ca export --format mobileconfig --out yori.mobileconfig',
    '  others:            yori ca export --format pem --out yori-ca.pem (or open /install on the admin page)',
    '',
  ].join('\n');
}
