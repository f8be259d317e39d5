/**
 * The iOS/macOS configuration profile that installs the YORI CA (`yori ca export --format
 * mobileconfig`, and the admin server's `/ca.mobileconfig`): one `com.apple.security.root`
 * payload. The UUIDs are derived from the CA fingerprint, so exporting the same CA twice gives
 * the same profile (a device sees a re-download as the profile it already has), and a new CA
 * gives a new one.
 *
 * Installing the profile is only half of it: iOS enables trust for a user-installed root only
 * after Settings > General > About > Certificate Trust Settings, which the description says.
 */
import { createHash } from 'node:crypto';
import { CA_COMMON_NAME, type CertificateAuthority } from './ca.js';

/** What a web server sends as Content-Type so that Safari offers to install the profile. */
export const MOBILECONFIG_CONTENT_TYPE = 'application/x-apple-aspen-config';

/** UUID namespace for YORI profiles (a random v4 UUID, fixed forever). */
const PROFILE_NAMESPACE = '4f6c1e0a-5b9d-4c3e-9a7f-2d8b1c6e0f53';

const DESCRIPTION =
  'Lets this device trust YORI, the home gateway that keeps an eye on AI services on this network. ' +
  'After installing, turn on full trust in Settings > General > About > Certificate Trust Settings.';

/** A name-based (v5, SHA-1) UUID per RFC 9562 §5.5, so equal inputs give equal UUIDs. */
export function uuidV5(name: string, namespace = PROFILE_NAMESPACE): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The profile as XML plist text. */
export function buildMobileconfig(ca: Pick<CertificateAuthority, 'certDer' | 'fingerprintSha256'>): string {
  const profileUuid = uuidV5(`profile:${ca.fingerprintSha256}`);
  const payloadUuid = uuidV5(`root:${ca.fingerprintSha256}`);
  const certBase64 = (ca.certDer.toString('base64').match(/.{1,52}/g) ?? []).map((line) => `\t\t\t${line}`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>PayloadContent</key>
\t<array>
\t\t<dict>
\t\t\t<key>PayloadCertificateFileName</key>
\t\t\t<string>yori-ca.cer</string>
\t\t\t<key>PayloadContent</key>
\t\t\t<data>
${certBase64}
\t\t\t</data>
\t\t\t<key>PayloadDescription</key>
\t\t\t<string>Adds the YORI root certificate</string>
\t\t\t<key>PayloadDisplayName</key>
\t\t\t<string>${CA_COMMON_NAME}</string>
\t\t\t<key>PayloadIdentifier</key>
\t\t\t<string>org.yori.ca.root.${payloadUuid}</string>
\t\t\t<key>PayloadType</key>
\t\t\t<string>com.apple.security.root</string>
\t\t\t<key>PayloadUUID</key>
\t\t\t<string>${payloadUuid}</string>
\t\t\t<key>PayloadVersion</key>
\t\t\t<integer>1</integer>
\t\t</dict>
\t</array>
\t<key>PayloadDescription</key>
\t<string>${DESCRIPTION}</string>
\t<key>PayloadDisplayName</key>
\t<string>${CA_COMMON_NAME}</string>
\t<key>PayloadIdentifier</key>
\t<string>org.yori.ca.${profileUuid}</string>
\t<key>PayloadOrganization</key>
\t<string>YORI</string>
\t<key>PayloadRemovalDisallowed</key>
\t<false/>
\t<key>PayloadType</key>
\t<string>Configuration</string>
\t<key>PayloadUUID</key>
\t<string>${profileUuid}</string>
\t<key>PayloadVersion</key>
\t<integer>1</integer>
</dict>
</plist>
`;
}
