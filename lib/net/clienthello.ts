/**
 * Pure TLS ClientHello parser: the facts YORI routes on (SNI, ALPN), read from the first bytes
 * a client sends, without decrypting anything. Called by lib/net/peek.ts on a growing buffer.
 *
 * Three outcomes, like mitmproxy's `parse_client_hello`: `ok`, `more` (the hello is not
 * complete yet: read more bytes) and `malformed` (not TLS, or a hello that breaks the
 * RFC 8446 §4.1.2 / RFC 6066 §3 / RFC 7301 §3.1 wire format). The handshake message may be
 * fragmented over several records and each record over several TCP segments; every length
 * is bounds-checked before use.
 */

export interface ClientHello {
  /** The host_name from server_name (lower-case, no trailing dot), or null when absent. */
  serverName: string | null;
  /** ALPN protocol names in the client's order (empty when the extension is absent). */
  alpn: string[];
  /** Bytes of the buffer taken up by the records that carried the hello. */
  length: number;
}

export type ClientHelloResult =
  | { status: 'ok'; hello: ClientHello }
  | { status: 'more' }
  | { status: 'malformed'; reason: string };

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
const EXT_ALPN = 0x0010;
const SNI_HOST_NAME = 0x00;
/** RFC 8446 §5.1: a plaintext record carries at most 2^14 bytes. */
const MAX_RECORD_PAYLOAD = 16_384;
/** A hostname label: letters, digits, hyphen, underscore (seen in the wild), 1–63 chars. */
const HOST_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

const MORE: ClientHelloResult = Object.freeze({ status: 'more' });

function malformed(reason: string): ClientHelloResult {
  return { status: 'malformed', reason };
}

/** Parses the ClientHello at the start of `buf` (everything the client sent so far). */
export function parseClientHello(buf: Buffer): ClientHelloResult {
  // Fast rejection of plain text and garbage: the first record must be a TLS handshake record.
  if (buf.length >= 1 && buf[0] !== RECORD_HANDSHAKE) return malformed('not a TLS handshake record');
  if (buf.length >= 2 && buf[1] !== 0x03) return malformed('unsupported record version');

  // Reassemble the handshake message from as many records as it spans.
  let offset = 0;
  let message: Buffer | null = null;
  let fragments: Buffer[] | null = null;
  let collected = 0;
  let needed = -1; // total handshake message size once the 4-byte header is known
  while (needed < 0 || collected < needed) {
    if (buf.length < offset + 5) return MORE;
    if (buf[offset] !== RECORD_HANDSHAKE) return malformed('non-handshake record inside the ClientHello');
    if (buf[offset + 1] !== 0x03) return malformed('unsupported record version');
    const recordLength = buf.readUInt16BE(offset + 3);
    if (recordLength === 0) return malformed('empty handshake record');
    if (recordLength > MAX_RECORD_PAYLOAD) return malformed('record too long');
    if (buf.length < offset + 5 + recordLength) return MORE;
    const payload = buf.subarray(offset + 5, offset + 5 + recordLength);
    offset += 5 + recordLength;
    if (message === null && fragments === null) {
      message = payload; // the common case: the whole hello in one record, no copy
    } else {
      fragments ??= [message!];
      fragments.push(payload);
    }
    collected += recordLength;
    if (needed < 0 && collected >= 4) {
      const head = fragments ? Buffer.concat(fragments, collected) : message!;
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) return malformed('first handshake message is not a ClientHello');
      needed = 4 + head.readUIntBE(1, 3);
    }
  }
  const body = (fragments ? Buffer.concat(fragments, collected) : message!).subarray(4, needed);
  return parseHelloBody(body, offset);
}

/** Parses the ClientHello body (after the 4-byte handshake header). */
function parseHelloBody(body: Buffer, length: number): ClientHelloResult {
  let p = 2 + 32; // legacy_version, random
  if (body.length < p + 1) return malformed('truncated ClientHello');
  const sessionIdLength = body[p]!;
  if (sessionIdLength > 32) return malformed('session id too long');
  p += 1 + sessionIdLength;

  if (body.length < p + 2) return malformed('truncated cipher suites');
  const suitesLength = body.readUInt16BE(p);
  if (suitesLength < 2 || suitesLength % 2 !== 0) return malformed('bad cipher suites length');
  p += 2 + suitesLength;

  if (body.length < p + 1) return malformed('truncated compression methods');
  const compressionLength = body[p]!;
  if (compressionLength < 1) return malformed('no compression method');
  p += 1 + compressionLength;
  if (body.length < p) return malformed('truncated compression methods');

  const hello: ClientHello = { serverName: null, alpn: [], length };
  if (body.length === p) return { status: 'ok', hello }; // no extensions (pre-TLS 1.2 clients)
  if (body.length < p + 2) return malformed('truncated extensions');
  const extensionsEnd = p + 2 + body.readUInt16BE(p);
  if (extensionsEnd !== body.length) return malformed('extensions length does not match the message');
  p += 2;

  let seenSni = false;
  let seenAlpn = false;
  while (p < extensionsEnd) {
    if (extensionsEnd < p + 4) return malformed('truncated extension header');
    const type = body.readUInt16BE(p);
    const extEnd = p + 4 + body.readUInt16BE(p + 2);
    if (extEnd > extensionsEnd) return malformed('extension overruns the message');
    const data = body.subarray(p + 4, extEnd);
    if (type === EXT_SERVER_NAME) {
      if (seenSni) return malformed('duplicate server_name extension');
      seenSni = true;
      const name = parseServerName(data);
      if (typeof name !== 'string' && name !== null) return name;
      hello.serverName = name;
    } else if (type === EXT_ALPN) {
      if (seenAlpn) return malformed('duplicate ALPN extension');
      seenAlpn = true;
      const protocols = parseAlpn(data);
      if (!Array.isArray(protocols)) return protocols;
      hello.alpn = protocols;
    }
    p = extEnd;
  }
  return { status: 'ok', hello };
}

/** RFC 6066 §3: ServerNameList; returns the host_name (or null when the list is empty). */
function parseServerName(data: Buffer): string | null | ClientHelloResult {
  if (data.length === 0) return null; // the server's empty acknowledgement form
  if (data.length < 2 || data.readUInt16BE(0) !== data.length - 2) return malformed('bad server_name list length');
  let p = 2;
  let host: string | null = null;
  while (p < data.length) {
    if (data.length < p + 3) return malformed('truncated server_name entry');
    const nameType = data[p]!;
    const end = p + 3 + data.readUInt16BE(p + 1);
    if (end > data.length) return malformed('server_name entry overruns the extension');
    if (nameType === SNI_HOST_NAME) {
      if (host !== null) return malformed('more than one host_name');
      host = normalizeHostName(data.subarray(p + 3, end));
      if (host === null) return malformed('server_name is not a valid hostname');
    }
    p = end;
  }
  return host;
}

/** RFC 7301 §3.1: ProtocolNameList, each name 1..255 bytes. */
function parseAlpn(data: Buffer): string[] | ClientHelloResult {
  if (data.length < 2 || data.readUInt16BE(0) !== data.length - 2) return malformed('bad ALPN list length');
  const protocols: string[] = [];
  let p = 2;
  while (p < data.length) {
    const end = p + 1 + data[p]!;
    if (end === p + 1) return malformed('empty ALPN protocol name');
    if (end > data.length) return malformed('ALPN protocol name overruns the extension');
    protocols.push(data.toString('latin1', p + 1, end));
    p = end;
  }
  if (protocols.length === 0) return malformed('empty ALPN list');
  return protocols;
}

/** A DNS hostname in ASCII (IDNs arrive as punycode); lower-cased, trailing dot removed. */
function normalizeHostName(raw: Buffer): string | null {
  if (raw.length === 0 || raw.length > 254) return null;
  let name = raw.toString('latin1').toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.length === 0 || name.length > 253) return null;
  for (const label of name.split('.')) {
    if (!HOST_LABEL.test(label)) return null;
  }
  return name;
}
