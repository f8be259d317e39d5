/**
 * Credential patterns and redaction, shared by the audit writer (paths, previews), the logger
 * and the PII detector (`detections.pii` type `secret`). Every pattern keys on a vendor's
 * fixed prefix and length so prose ("sk-learn", "the bearer of this note") never matches, and
 * the patterns are disjoint: one key counts once.
 */

const TOKEN_CHARS = 'A-Za-z0-9_\\-';
const NOT_TOKEN_AFTER = `(?![${TOKEN_CHARS}])`;
// Random keys practically always contain a digit; requiring one keeps slugs out.
const HAS_DIGIT = `(?=[${TOKEN_CHARS}]*\\d)`;

/**
 * A vendor prefix not glued to a preceding token character. The check follows the literal
 * (a leading lookbehind would run at every position of the text: twice as slow on prose).
 */
function prefix(literal: string): string {
  return `${literal}(?<![${TOKEN_CHARS}]${literal})`;
}

interface SecretPattern {
  type: string;
  source: string;
}

const BEARER = '\\b[Bb][Ee][Aa][Rr][Ee][Rr]\\s+';

/** Prefixes with their own pattern: a bearer token that starts with one counts there, not twice. */
const KNOWN_PREFIX = '(?:sk-|sk_(?:live|test)_|rk_(?:live|test)_|AIza|gh[pousr]_|github_pat_|xox[abposr]-|hf_|gsk_|xai-|pplx-|AKIA|ASIA|eyJ)';

const PATTERNS: readonly SecretPattern[] = [
  { type: 'anthropic_key', source: `${prefix('sk-ant-')}[a-z]{2,8}\\d{2}-[${TOKEN_CHARS}]{32,}` },
  // Legacy (sk-<48>), project, service-account and admin keys; Anthropic's sk-ant- is above.
  { type: 'openai_key', source: `${prefix('sk-')}(?!ant-)(?:proj-|svcacct-|admin-)?${HAS_DIGIT}[${TOKEN_CHARS}]{32,}` },
  { type: 'google_api_key', source: `${prefix('AIza')}[${TOKEN_CHARS}]{35}${NOT_TOKEN_AFTER}` },
  { type: 'aws_access_key_id', source: `${prefix('(?:AKIA|ASIA)')}[A-Z0-9]{16}(?![A-Za-z0-9])` },
  { type: 'github_token', source: `(?:${prefix('gh[pousr]_')}[A-Za-z0-9]{36,255}|${prefix('github_pat_')}[A-Za-z0-9_]{60,255})${NOT_TOKEN_AFTER}` },
  { type: 'slack_token', source: `${prefix('xox[abposr]-')}[A-Za-z0-9-]{10,}` },
  { type: 'stripe_key', source: `${prefix('(?:sk|rk)_(?:live|test)_')}[A-Za-z0-9]{20,}` },
  { type: 'huggingface_token', source: `${prefix('hf_')}[A-Za-z0-9]{34,}${NOT_TOKEN_AFTER}` },
  { type: 'groq_key', source: `${prefix('gsk_')}[A-Za-z0-9]{48,}${NOT_TOKEN_AFTER}` },
  { type: 'xai_key', source: `${prefix('xai-')}[A-Za-z0-9]{48,}${NOT_TOKEN_AFTER}` },
  { type: 'perplexity_key', source: `${prefix('pplx-')}[A-Za-z0-9]{40,}${NOT_TOKEN_AFTER}` },
  { type: 'jwt', source: `${prefix('eyJ')}[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}` },
  { type: 'private_key', source: '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----' },
  // "Bearer <token>", unless a vendor pattern above already covers the token. The scheme word
  // is part of the match (a lookbehind would run at every position: 20× slower on prose);
  // redaction keeps it.
  {
    type: 'bearer_token',
    source: `${BEARER}(?!${KNOWN_PREFIX})(?=[A-Za-z0-9._~+/=-]*\\d)[A-Za-z0-9._~+/-]{20,}=*`,
  },
];

/** Global regexes (for `matchAll` / counting); callers reset `lastIndex` before reuse. */
export const SECRET_PATTERNS: readonly RegExp[] = PATTERNS.map((p) => new RegExp(p.source, 'g'));

/** The secret types, parallel to SECRET_PATTERNS (e.g. `openai_key`, `bearer_token`). */
export const SECRET_TYPES: readonly string[] = PATTERNS.map((p) => p.type);

const ANY_SECRET = new RegExp(PATTERNS.map((p) => `(?:${p.source})`).join('|'), 'g');

export const REDACTED = '[REDACTED]';

/** True when the text contains something shaped like a credential. */
export function looksLikeSecret(text: string): boolean {
  ANY_SECRET.lastIndex = 0;
  return ANY_SECRET.test(text);
}

const BEARER_PREFIX = new RegExp(`^${BEARER}`);

/** Replaces every credential-shaped token with `[REDACTED]` (`Bearer [REDACTED]` keeps the scheme). */
export function redactSecrets(text: string): string {
  ANY_SECRET.lastIndex = 0;
  return text.replace(ANY_SECRET, (m) => {
    const scheme = BEARER_PREFIX.exec(m);
    return scheme ? scheme[0] + REDACTED : REDACTED;
  });
}

/** Query parameters that carry credentials (Gemini `?key=`, OAuth `access_token`, Azure `sig`, …). */
const SECRET_PARAM = /^(?:x-)?(?:api[-_]?)?key$|token$|secret|passw(?:or)?d|^pass$|^sig(?:nature)?$|^auth(?:orization)?$|^code$|session/i;

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * A request target safe to store: credential query parameters keep their name with the value
 * `REDACTED` (`/v1beta/models/x?key=REDACTED&alt=sse`), and credential-shaped tokens anywhere
 * else become `[REDACTED]`.
 */
export function redactPath(path: string): string {
  const q = path.indexOf('?');
  let out = path;
  if (q >= 0) {
    const params = path.slice(q + 1).split('&');
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      const eq = p.indexOf('=');
      if (eq > 0 && SECRET_PARAM.test(decodeName(p.slice(0, eq)))) params[i] = `${p.slice(0, eq)}=REDACTED`;
    }
    out = `${path.slice(0, q)}?${params.join('&')}`;
  }
  return redactSecrets(out);
}
