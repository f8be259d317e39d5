// The "Run the test" button of /install/check: makes the browser contact an AI API (through
// YORI, if this device's traffic passes it), then asks the gateway what it saw from here.
const button = document.getElementById('run-check');
const result = document.getElementById('check-result');
const TEST_URL = 'https://api.openai.com/v1/models';

async function seen() {
  const res = await fetch('/install/check.json', { cache: 'no-store' });
  return res.json();
}

function say(cls, text) {
  result.className = `verdict ${cls}`;
  result.textContent = text;
}

button?.addEventListener('click', async () => {
  button.disabled = true;
  say('', 'Testing…');
  try {
    const before = await seen();
    let reached = true;
    try {
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), 8000);
      await fetch(`${TEST_URL}?yori-check=${Date.now()}`, { mode: 'no-cors', cache: 'no-store', signal: ctl.signal });
      clearTimeout(timer);
    } catch {
      reached = false;
    }
    let after = before;
    for (let i = 0; i < 6 && after.intercepted <= before.intercepted; i++) {
      await new Promise((r) => setTimeout(r, 500));
      after = await seen();
    }
    if (after.intercepted > before.intercepted) say('ok', 'It works: YORI saw this test and can read AI API requests from this device.');
    else if (!reached) say('none', 'The browser could not open a secure connection to the AI service. Most likely the YORI certificate is not installed or not trusted on this device yet (or the internet is down).');
    else say('none', 'The test reached the AI service without passing through YORI. This device\'s traffic does not go through the gateway: check mobile data, VPN or iCloud Private Relay, and the router\'s YORI rules.');
  } catch (err) {
    say('none', `The check failed: ${err.message}`);
  } finally {
    button.disabled = false;
  }
});
