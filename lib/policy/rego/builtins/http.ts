// HTTP request built-ins: http.send (request validation only — policies run on
// the data path and never make network calls) and providers.aws.sign_req
// (AWS Signature Version 4, as OPA computes it).

import { createHash, createHmac } from 'node:crypto';
import { RegoObject, RegoSet, formatValue, isInteger, stringifyJSON, type Value } from '../value.js';
import { EvalError, builtin, num, obj, operandErr, typeErr, type BuiltinDef } from './support.js';
import { escapedPath, parseURL } from './encoding.js';
import { UTC, formatTime } from './time.js';

const HTTP_KEYS = new Set([
  'method',
  'url',
  'body',
  'enable_redirect',
  'force_json_decode',
  'force_yaml_decode',
  'headers',
  'raw_body',
  'tls_use_system_certs',
  'tls_ca_cert',
  'tls_ca_cert_file',
  'tls_ca_cert_env_variable',
  'tls_client_cert',
  'tls_client_cert_file',
  'tls_client_cert_env_variable',
  'tls_client_key',
  'tls_client_key_file',
  'tls_client_key_env_variable',
  'tls_insecure_skip_verify',
  'tls_server_name',
  'timeout',
  'cache',
  'force_cache',
  'force_cache_duration_seconds',
  'raise_error',
  'caching_mode',
  'max_retry_attempts',
  'cache_ignored_headers',
]);

/** OPA's validateHTTPRequestOperand: missing required keys first, then unknown keys. */
function validateRequest(req: RegoObject, pos: number): void {
  const missing = ['method', 'url'].filter((k) => !req.has(k));
  if (missing.length) throw operandErr(pos, `missing required request parameters(s): ${formatValue(new RegoSet(missing))}`);
  const invalid = req.keys().filter((k) => typeof k !== 'string' || !HTTP_KEYS.has(k));
  if (invalid.length) throw operandErr(pos, `invalid request parameters(s): ${formatValue(new RegoSet(invalid))}`);
}

// ---------------------------------------------------------------------------
// AWS SigV4

const AWS_REQUIRED = ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'];
const IGNORED_HEADERS = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

function hmac(key: Buffer | string, msg: string): Buffer {
  return createHmac('sha256', key).update(msg, 'utf8').digest();
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function asString(v: Value | undefined): string {
  return typeof v === 'string' ? v : '';
}

function signRequest(reqV: Value, cfgV: Value, tsV: Value): Value {
  const req = obj(reqV, 1);
  const cfg = obj(cfgV, 1);
  const missing = AWS_REQUIRED.filter((k) => !cfg.has(k));
  if (missing.length) throw operandErr(2, `missing required AWS config parameters(s): ${formatValue(new RegoSet(missing))}`);
  const badCfg = AWS_REQUIRED.filter((k) => typeof cfg.get(k) !== 'string');
  if (badCfg.length) throw operandErr(2, `invalid values for required AWS config parameters(s): ${formatValue(new RegoSet(badCfg))}`);
  const ts = num(tsV, 1);
  if (!isInteger(ts)) throw operandErr(3, 'could not convert time_ns value into a unix timestamp');
  validateRequest(req, 1);
  const headersV = req.get('headers') ?? new RegoObject();
  if (!(headersV instanceof RegoObject)) throw typeErr(0, headersV, 'object');
  const badReq = ['method', 'url'].filter((k) => typeof req.get(k) !== 'string');
  if (badReq.length) throw operandErr(1, `invalid values for required request parameters(s): ${formatValue(new RegoSet(badReq))}`);
  const url = parseURL(req.get('url') as string);
  const method = req.get('method') as string;
  const rawBody = req.get('raw_body');
  const bodyV = req.get('body');
  const body = rawBody !== undefined ? asString(rawBody) : bodyV !== undefined ? stringifyJSON(bodyV) : '';
  const disable = cfg.get('disable_payload_signing');
  if (disable !== undefined && typeof disable !== 'boolean') throw operandErr(2, "invalid value for 'disable_payload_signing' in AWS config");

  const service = cfg.get('aws_service') as string;
  const region = cfg.get('aws_region') as string;
  const session = asString(cfg.get('aws_session_token'));
  const bodyHash = disable ? 'UNSIGNED-PAYLOAD' : sha256Hex(Buffer.from(body, 'utf8'));
  const tsNs = typeof ts === 'bigint' ? ts : BigInt(ts);
  const date = formatTime(tsNs, UTC, '20060102');
  const stamp = formatTime(tsNs, UTC, '20060102T150405Z');

  const awsHeaders: Record<string, string> = { host: url.host, 'x-amz-date': stamp };
  if (service === 's3' || service === 'glacier') awsHeaders['x-amz-content-sha256'] = bodyHash;
  if (session !== '') awsHeaders['x-amz-security-token'] = session;
  const toSign = new Map(Object.entries(awsHeaders));
  const original: [string, string][] = headersV.entries().map(([k, v]) => [asString(k), asString(v)]);
  for (const [k, v] of original) if (!IGNORED_HEADERS.has(k.toLowerCase())) toSign.set(k.toLowerCase(), v);
  const names = [...toSign.keys()].sort();
  const canonical =
    `${method}\n${escapedPath(url)}\n${url.rawQuery}\n` + names.map((k) => `${k}:${toSign.get(k)}\n`).join('') + `\n${names.join(';')}\n${bodyHash}`;
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${sha256Hex(canonical)}`;
  let key = hmac('AWS4' + (cfg.get('aws_secret_access_key') as string), date);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, 'aws4_request');
  const signature = hmac(key, stringToSign).toString('hex');
  const auth = `AWS4-HMAC-SHA256 Credential=${cfg.get('aws_access_key') as string}/${scope},SignedHeaders=${names.join(';')},Signature=${signature}`;

  const headers = new RegoObject(original);
  headers.set('Authorization', auth);
  for (const [k, v] of Object.entries(awsHeaders)) headers.set(k, v);
  return req.clone().set('headers', headers);
}

export const httpBuiltins: BuiltinDef[] = [
  builtin('http.send', 1, ([r]) => {
    validateRequest(obj(r!, 1), 1);
    throw new EvalError('network access is not available to policies');
  }),
  builtin('providers.aws.sign_req', 3, ([r, c, t]) => signRequest(r!, c!, t!)),
];
