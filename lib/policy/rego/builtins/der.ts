// A small DER reader for the X.509 structures OPA exposes (certificates and
// certificate requests), producing the field names of Go's crypto/x509 JSON.

export class DERError extends Error {}

export interface TLV {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the contents. */
  body: number;
  end: number;
}

export function readTLV(buf: Buffer, pos: number, limit = buf.length): TLV {
  if (pos + 2 > limit) throw new DERError('truncated');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new DERError('high tag numbers are not supported');
  let len = buf[pos + 1]!;
  let body = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > limit) throw new DERError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[body + i]!;
    body += n;
  }
  const end = body + len;
  if (end > limit) throw new DERError('truncated');
  return { tag, start: pos, body, end };
}

export function children(buf: Buffer, t: TLV): TLV[] {
  const out: TLV[] = [];
  for (let p = t.body; p < t.end; ) {
    const c = readTLV(buf, p, t.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

export function oid(buf: Buffer, t: TLV): number[] {
  const b = buf.subarray(t.body, t.end);
  if (b.length === 0) throw new DERError('empty OID');
  const out = [Math.floor(Math.min(b[0]!, 80) / 40), b[0]! >= 80 ? b[0]! - 80 : b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      out.push(v);
      v = 0;
    }
  }
  return out;
}

export function integer(buf: Buffer, t: TLV): bigint {
  const b = buf.subarray(t.body, t.end);
  if (b.length === 0) return 0n;
  let v = BigInt('0x' + b.toString('hex'));
  if (b[0]! & 0x80) v -= 1n << BigInt(b.length * 8);
  return v;
}

export function text(buf: Buffer, t: TLV): string {
  const b = buf.subarray(t.body, t.end);
  switch (t.tag) {
    case 0x1e: // BMPString
      return Buffer.from(b).swap16().toString('utf16le');
    case 0x14: // T61String
      return b.toString('latin1');
    default:
      return b.toString('utf8');
  }
}

/** ASN.1 UTCTime / GeneralizedTime → RFC 3339 (Go's time.Time JSON form). */
export function time(buf: Buffer, t: TLV): string {
  const s = buf.subarray(t.body, t.end).toString('latin1');
  const m = t.tag === 0x17 ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s) : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
  if (!m) throw new DERError('bad time');
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year >= 50 ? 1900 : 2000;
  return `${String(year).padStart(4, '0')}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}Z`;
}

const NAME_FIELDS: Record<string, string> = {
  '2.5.4.6': 'Country',
  '2.5.4.10': 'Organization',
  '2.5.4.11': 'OrganizationalUnit',
  '2.5.4.7': 'Locality',
  '2.5.4.8': 'Province',
  '2.5.4.9': 'StreetAddress',
  '2.5.4.17': 'PostalCode',
};

/** Go's pkix.Name from an RDNSequence. */
export function name(buf: Buffer, t: TLV): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Country: null,
    Organization: null,
    OrganizationalUnit: null,
    Locality: null,
    Province: null,
    StreetAddress: null,
    PostalCode: null,
    SerialNumber: '',
    CommonName: '',
    Names: [],
    ExtraNames: null,
  };
  const names: unknown[] = [];
  for (const rdn of children(buf, t)) {
    for (const atv of children(buf, rdn)) {
      const [typ, val] = children(buf, atv) as [TLV, TLV];
      const id = oid(buf, typ);
      const value = text(buf, val);
      names.push({ Type: id, Value: value });
      const key = id.join('.');
      if (key === '2.5.4.3') out.CommonName = value;
      else if (key === '2.5.4.5') out.SerialNumber = value;
      else if (NAME_FIELDS[key]) {
        const field = NAME_FIELDS[key]!;
        out[field] = [...((out[field] as string[] | null) ?? []), value];
      }
    }
  }
  out.Names = names;
  return out;
}
