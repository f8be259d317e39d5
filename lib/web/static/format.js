// How things read on the dashboard: provider and app names, colours, numbers, durations, times.

const PROVIDERS = {
  openai: 'OpenAI', anthropic: 'Anthropic', google: 'Google Gemini', mistral: 'Mistral', cohere: 'Cohere',
  groq: 'Groq', perplexity: 'Perplexity', deepseek: 'DeepSeek', xai: 'xAI', openrouter: 'OpenRouter',
  together: 'Together AI', huggingface: 'Hugging Face', 'azure-openai': 'Azure OpenAI', microsoft: 'Microsoft',
  characterai: 'Character.AI', poe: 'Poe', meta: 'Meta AI', inflection: 'Pi',
};

// Observe-mode rows are consumer apps: name them as a family knows them.
const APPS = {
  openai: 'ChatGPT', anthropic: 'Claude', google: 'Gemini', microsoft: 'Copilot', perplexity: 'Perplexity',
  deepseek: 'DeepSeek', xai: 'Grok', mistral: 'Le Chat', characterai: 'Character.AI', poe: 'Poe', meta: 'Meta AI', inflection: 'Pi',
};

const COLORS = {
  openai: '#10a37f', anthropic: '#d97757', google: '#4285f4', mistral: '#f59e0b', cohere: '#7c3aed',
  groq: '#f43f5e', perplexity: '#0ea5e9', deepseek: '#2563eb', xai: '#111827', openrouter: '#6366f1',
  together: '#14b8a6', huggingface: '#eab308', 'azure-openai': '#0078d4', microsoft: '#0078d4',
  characterai: '#a855f7', poe: '#8b5cf6', meta: '#0866ff', inflection: '#65a30d',
};
const PALETTE = ['#4f46e5', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#7c3aed', '#0d9488', '#b45309', '#be123c', '#4338ca'];

export function providerName(p) {
  return PROVIDERS[p] ?? p;
}

export function appName(p) {
  return APPS[p] ?? providerName(p);
}

function hash(s) {
  let x = 0;
  for (const c of String(s)) x = (x * 31 + c.charCodeAt(0)) >>> 0;
  return x;
}

export function colorFor(key) {
  return COLORS[key] ?? PALETTE[hash(key) % PALETTE.length];
}

const nf = new Intl.NumberFormat();
export function num(n) {
  return nf.format(n ?? 0);
}

/** 1234 → "1.2k", 2500000 → "2.5M" */
export function compact(n) {
  n = n ?? 0;
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)}M`;
}

export function duration(ms) {
  const min = Math.round((ms ?? 0) / 60000);
  if (min < 1) return ms > 0 ? '< 1 min' : '0 min';
  if (min < 60) return `${min} min`;
  const hrs = Math.floor(min / 60);
  return min % 60 ? `${hrs} h ${min % 60} min` : `${hrs} h`;
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function clock(ts) {
  return timeFmt.format(ts);
}

export function dateTime(ts) {
  return dateTimeFmt.format(ts);
}

/** "just now", "5 min ago", "3 h ago", else the date. */
export function ago(ts, now = Date.now()) {
  const s = Math.round((now - ts) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return dateTime(ts);
}

/** Chart labels for bucket starts, in the gateway's time zone. */
export function bucketLabels(starts, range, tz) {
  const f = range === '24h'
    ? new Intl.DateTimeFormat(undefined, { hour: '2-digit', timeZone: tz })
    : new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: tz });
  return starts.map((s) => f.format(s));
}

export function deviceName(d) {
  return d.device_name ?? d.name ?? d.client_name ?? d.client_ip ?? d.ip ?? 'unknown device';
}

export function personName(p) {
  return p || 'Not assigned';
}

export const ACTION_LABEL = { allow: 'allowed', alert: 'alert', block: 'blocked' };
