/**
 * The per-platform steps of the CA install portal (`/install`), as short HTML fragments. Kept
 * apart from the page code so the wording can be reviewed and changed on its own. Only trusted,
 * static text lives here: nothing from a request is interpolated.
 */

export interface PlatformSteps {
  id: string;
  title: string;
  /** The download that platform wants. */
  download: 'mobileconfig' | 'der' | 'pem';
  steps: string[];
  /** Limits worth knowing, said plainly. */
  note?: string;
}

export const PLATFORMS: readonly PlatformSteps[] = [
  {
    id: 'ios',
    title: 'iPhone and iPad',
    download: 'mobileconfig',
    steps: [
      'Open this page in <b>Safari</b> (other browsers cannot install profiles) and tap <b>Profile for iPhone, iPad and Mac</b>. Tap <b>Allow</b>.',
      'Open <b>Settings</b>. Tap <b>Profile Downloaded</b> near the top (or <b>General → VPN &amp; Device Management</b>), then <b>YORI Home Gateway CA → Install</b>, and enter the passcode.',
      'Then the step everyone misses: <b>Settings → General → About → Certificate Trust Settings</b>, and turn on the switch for <b>YORI Home Gateway CA</b>. Without it the iPhone does not trust YORI.',
    ],
  },
  {
    id: 'android',
    title: 'Android',
    download: 'der',
    steps: [
      'Tap <b>Certificate (.cer)</b> to download it.',
      'Open <b>Settings → Security &amp; privacy → More security settings → Encryption &amp; credentials → Install a certificate → CA certificate</b>, tap <b>Install anyway</b> and pick <code>yori-ca.cer</code>. (Menus differ between makers: search Settings for “CA certificate”.)',
      'Android then shows “Network may be monitored”. That notice is expected.',
    ],
    note: 'Since Android 7, apps trust a certificate you install only if their makers allow it. Chrome and most browsers do; most apps (the ChatGPT, Claude and Gemini apps among them) do not. YORI sees those apps by name and time only, and an app that talks straight to an AI API may fail to connect while YORI reads that API.',
  },
  {
    id: 'windows',
    title: 'Windows',
    download: 'der',
    steps: [
      'Download <b>Certificate (.cer)</b> and open it. Click <b>Install Certificate…</b>.',
      'Choose <b>Local Machine</b> (all users; needs an administrator) or <b>Current User</b>, then <b>Place all certificates in the following store → Browse → Trusted Root Certification Authorities</b>, then <b>Next → Finish</b> and confirm the warning.',
      'Edge and Chrome use this store. Or, in an administrator PowerShell: <code>Import-Certificate -FilePath yori-ca.cer -CertStoreLocation Cert:\\LocalMachine\\Root</code>',
    ],
  },
  {
    id: 'macos',
    title: 'Mac',
    download: 'mobileconfig',
    steps: [
      'Download <b>Profile for iPhone, iPad and Mac</b>.',
      'Open <b>System Settings → Privacy &amp; Security → Profiles</b> (or <b>Profile Downloaded</b> at the top of System Settings), double-click <b>YORI Home Gateway CA</b> and click <b>Install</b>.',
      'Check in <b>Keychain Access → System → Certificates</b> that it is trusted; if not, double-click it, open <b>Trust</b> and set <b>When using this certificate</b> to <b>Always Trust</b>. In Terminal instead: <code>sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain yori-ca.cer</code>',
    ],
  },
  {
    id: 'chromeos',
    title: 'Chromebook',
    download: 'pem',
    steps: [
      'Download <b>Certificate (.pem)</b>.',
      'Open <code>chrome://certificate-manager</code> (or <b>Settings → Privacy and security → Security → Manage certificates</b>), go to <b>Authorities</b> (or <b>Local certificates → Custom</b>), click <b>Import</b> and pick <code>yori-ca.pem</code>.',
      'Tick <b>Trust this certificate for identifying websites</b> and click <b>OK</b>.',
    ],
    note: 'Android apps and the Linux environment on a Chromebook keep their own certificate stores.',
  },
  {
    id: 'linux',
    title: 'Linux',
    download: 'pem',
    steps: [
      'Download <b>Certificate (.pem)</b>.',
      'Debian, Ubuntu: <code>sudo cp yori-ca.pem /usr/local/share/ca-certificates/yori-ca.crt &amp;&amp; sudo update-ca-certificates</code>. Fedora: <code>sudo cp yori-ca.pem /etc/pki/ca-trust/source/anchors/ &amp;&amp; sudo update-ca-trust</code>.',
      'Chrome and Chromium keep their own list on Linux: <b>Settings → Privacy and security → Security → Manage certificates → Authorities → Import</b>, then tick “Trust this certificate for identifying websites”.',
    ],
  },
  {
    id: 'firefox',
    title: 'Firefox (any computer)',
    download: 'pem',
    steps: [
      'Firefox has its own certificate store. Download <b>Certificate (.pem)</b>.',
      'Open <b>Settings → Privacy &amp; Security → Certificates → View Certificates… → Authorities → Import…</b>, pick <code>yori-ca.pem</code>, tick <b>Trust this CA to identify websites</b> and click <b>OK</b>.',
      'On Windows and Mac, Firefox can use the system store instead: set <code>security.enterprise_roots.enabled</code> to <code>true</code> in <code>about:config</code>.',
    ],
  },
];
