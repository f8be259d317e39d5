/**
 * The process logger (pino). Secrets never reach a log line: known secret-bearing fields are
 * redacted by path, and nothing in YORI logs header blocks or bodies wholesale.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'headers["x-api-key"]',
  'password', '*.password', 'password_hash', '*.password_hash', 'token', '*.token', 'key', '*.key', 'cookie', '*.cookie',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const opts = {
    level,
    base: { name: 'yori' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(opts, destination) : pino(opts);
}
