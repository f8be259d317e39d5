/**
 * Helpers over raw header pairs (`[name, value][]`, names in their original case, in wire
 * order), the shape the parser produces and the serializers take. Lookups compare ASCII
 * case-insensitively without lower-casing copies, so the per-request path does not allocate.
 */

export type HeaderPairs = [string, string][];

/** `name` compared to `lowerName` (already lower case) ignoring ASCII case. */
export function equalsIgnoreCase(name: string, lowerName: string): boolean {
  const n = name.length;
  if (n !== lowerName.length) return false;
  for (let i = 0; i < n; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lowerName.charCodeAt(i)) return false;
  }
  return true;
}

/** Value of the first field named `lowerName` (lower case), or undefined. */
export function getHeader(headers: HeaderPairs, lowerName: string): string | undefined {
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (equalsIgnoreCase(h[0], lowerName)) return h[1];
  }
  return undefined;
}

/**
 * Whether the comma-separated list `value` holds `lowerToken` (lower case), ignoring ASCII
 * case and optional whitespace around elements (`Connection: keep-alive, Upgrade`).
 */
export function hasToken(value: string, lowerToken: string): boolean {
  const n = value.length;
  const t = lowerToken.length;
  let i = 0;
  while (i < n) {
    while (i < n && (value.charCodeAt(i) === 0x20 || value.charCodeAt(i) === 0x09)) i++;
    let end = value.indexOf(',', i);
    if (end === -1) end = n;
    let last = end;
    while (last > i && (value.charCodeAt(last - 1) === 0x20 || value.charCodeAt(last - 1) === 0x09)) last--;
    if (last - i === t) {
      let same = true;
      for (let k = 0; k < t; k++) {
        let c = value.charCodeAt(i + k);
        if (c >= 0x41 && c <= 0x5a) c += 0x20;
        if (c !== lowerToken.charCodeAt(k)) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    i = end + 1;
  }
  return false;
}

const OWS_EDGES = /^[ \t]+|[ \t]+$/g;

/**
 * The non-empty elements of a comma-separated list, lower-cased, with only SP and HTAB trimmed
 * (String#trim would also eat U+00A0, i.e. the obs-text byte 0xA0, and so accept
 * `chunked\xa0` as `chunked` where other parsers would not).
 */
export function listTokens(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const token = part.replace(OWS_EDGES, '').toLowerCase();
    if (token !== '') out.push(token);
  }
  return out;
}

