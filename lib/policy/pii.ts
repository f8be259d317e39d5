/**
 * Personal-data detectors for prompts (policy input `detections.pii`). Pure functions. A
 * detection carries a type and a count, never the matched text: the policy learns that a card
 * number was sent, the audit log and the parents' alert never repeat it.
 *
 * Each detector favours precision over recall: checksums where the format has one (Luhn for
 * cards, mod-97 for IBAN), structural rules elsewhere, so a household is not flooded with
 * alerts for order numbers and dates.
 */
import { SECRET_PATTERNS } from '../providers/secrets.js';

export type PiiType = 'email' | 'phone' | 'payment_card' | 'iban' | 'us_ssn' | 'street_address' | 'secret' | 'password';

export interface PiiDetection {
  type: PiiType;
  count: number;
}

/** Prompts can be megabytes; scanning is bounded so the request path stays cheap. */
export const MAX_SCAN_CHARS = 256 * 1024;

const EMAIL = /[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b/g;

// Card candidates: 13–19 digits, optionally grouped by single spaces or dashes.
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;

// IBAN: country code, 2 check digits, 11–30 alphanumerics, optionally grouped in fours.
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;

// US SSN: AAA-GG-SSSS with the SSA's never-issued ranges excluded.
const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g;

// Phones: an international prefix (+CC or 00CC) followed by 6–13 more digits in groups, or a
// national number written with the usual separators: (555) 123-4567, 555-123-4567, 030 1234567.
const PHONE_INTL = /(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(?\d{1,5}\)?){2,6}(?![\w])/g;
const PHONE_NATIONAL = /(?<![\w.-])(?:\(\d{3}\) ?\d{3}[-. ]\d{4}|\d{3}[-.]\d{3}[-.]\d{4}|0\d{2,4}[ /-]\d{5,9})(?![\w.-])/g;

const STREET_US =
  /\b\d{1,5}[A-Za-z]? (?:[NSEW]\.? )?(?:[A-Z][a-z]+ ){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Parkway|Pkwy|Circle|Cir|Highway|Hwy)\b\.?/g;
const STREET_EU =
  /\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer)\s\d{1,4}[a-z]?\b/g;

const PASSWORD = /\b(?:password|passwort|passwd|pwd|pin|kennwort|mot de passe)\s*(?:[:=]|\bis\b)\s*\S{4,}/gi;

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes of the major networks: a Luhn-valid run of digits alone is too common. */
function cardIssuerKnown(digits: string): boolean {
  return /^(?:4|5[1-5]|2[2-7]|3[47]|3(?:0[0-5]|[68])|6(?:011|5|4[4-9]|22)|35|62)/.test(digits);
}

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27,
  GB: 22, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31,
  NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, TR: 26, UA: 29,
};

/** Country and length fit: an IBAN, or a mistyped one; either way not a phone number. */
function ibanShaped(iban: string): boolean {
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  return expected !== undefined && iban.length === expected;
}

export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '');
  if (!ibanShaped(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const val = code >= 65 ? String(code - 55) : ch;
    for (const d of val) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}

/** Character ranges already attributed to a detection, so one run of digits counts once. */
type Spans = [number, number][];

function overlaps(spans: Spans, start: number, end: number): boolean {
  for (const [s, e] of spans) if (start < e && s < end) return true;
  return false;
}

/** Counts matches that `accept` keeps and do not overlap `claimed`; adds them to `claimed`. */
function countMatches(re: RegExp, text: string, accept?: (m: string) => boolean, claimed?: Spans): number {
  let n = 0;
  re.lastIndex = 0;
  for (const m of text.matchAll(re)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (claimed && overlaps(claimed, start, end)) continue;
    if (accept && !accept(m[0])) continue;
    claimed?.push([start, end]);
    n++;
  }
  return n;
}

/** Scans a prompt and returns one detection per PII type found, in a stable order. */
export function detectPii(prompt: string | null | undefined): PiiDetection[] {
  if (!prompt) return [];
  const text = prompt.length > MAX_SCAN_CHARS ? prompt.slice(0, MAX_SCAN_CHARS) : prompt;
  const out: PiiDetection[] = [];
  const add = (type: PiiType, count: number) => {
    if (count > 0) out.push({ type, count });
  };

  add('email', countMatches(EMAIL, text));

  // Checksummed numbers first: their digits must not count again as phone numbers.
  const claimed: Spans = [];
  add(
    'payment_card',
    countMatches(CARD, text, (m) => {
      const d = digitsOf(m);
      return d.length >= 13 && d.length <= 19 && cardIssuerKnown(d) && luhnValid(d);
    }, claimed),
  );
  let ibans = 0;
  countMatches(IBAN, text, (m) => {
    if (ibanValid(m)) ibans++;
    return ibanShaped(m.replace(/ /g, ''));
  }, claimed);
  add('iban', ibans);
  add('us_ssn', countMatches(SSN, text, undefined, claimed));

  const isDate = (m: string) => /^\d{4}[-./]\d{2}[-./]\d{2}$/.test(m) || /^\d{2}[-./]\d{2}[-./]\d{4}$/.test(m);
  const intlPhones = countMatches(PHONE_INTL, text, (m) => {
    const n = digitsOf(m).length;
    return n >= 8 && n <= 15;
  }, claimed);
  add('phone', intlPhones + countMatches(PHONE_NATIONAL, text, (m) => !isDate(m), claimed));

  add('street_address', countMatches(STREET_US, text) + countMatches(STREET_EU, text));

  let secrets = 0;
  for (const re of SECRET_PATTERNS) secrets += countMatches(re, text);
  add('secret', secrets);
  add('password', countMatches(PASSWORD, text));
  return out;
}
