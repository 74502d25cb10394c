import pino, { type DestinationStream } from 'pino';

/**
 * Structured JSON-lines logging through pino: `level` (pino's numbers: 20 debug, 30 info,
 * 40 warn, 50 error), `time` (epoch ms), `msg`, then the caller's fields. Callers pass
 * fields, never tokens or message contents; what slips through anyway (a credential in a
 * field named for one, a connection string or bearer token inside an error message) is
 * censored before the line is written.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';

export type Logger = Record<Level, (message: string, fields?: Record<string, unknown>) => void>;

const CENSORED = '[Redacted]';

/** Fields that hold secrets, wherever a caller puts them (top level, or one level down). */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'token',
  'accessToken',
  'refreshToken',
  'password',
  'secret',
  'jwtSecret',
  'connectionString',
  'databaseUrl',
  'redisUrl',
];
const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'connectionParams.authorization',
  'connectionParams.Authorization',
  'connectionParams.headers.authorization',
];

/** `scheme://user:password@host` keeps the user and loses the password. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;
const BEARER = /\bBearer\s+[\w.~+/=-]+/gi;
/** A JWT anywhere in a string (three base64url parts, the first a JSON header). */
const JWT = /\beyJ[\w-]+\.[\w-]+\.[\w-]+/g;

/**
 * @param destination where lines go; by default info and below to stdout, warn and
 *   error to stderr (as before pino). Tests pass a stream of their own.
 */
export function createLogger(level: Level | 'silent', destination?: DestinationStream): Logger {
  const stream =
    destination ??
    pino.multistream(
      [
        { level: 'trace', stream: process.stdout },
        { level: 'warn', stream: process.stderr },
      ],
      // Each line goes to the one stream with the highest level it reaches.
      { dedupe: true },
    );
  const logger = pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: CENSORED },
      formatters: { log: (fields) => jsonSafe(fields) as Record<string, unknown> },
    },
    stream,
  );
  const write =
    (entryLevel: Level) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      logger[entryLevel](fields, scrub(message));
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** Errors become their name, message, code and stack; bigints strings; strings lose embedded credentials. */
function jsonSafe(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) {
    const { code } = value as Error & { code?: unknown };
    return jsonSafe({ name: value.name, message: value.message, code, stack: value.stack }, depth + 1);
  }
  if (Array.isArray(value)) return value.map((item) => jsonSafe(item, depth + 1));
  if (value instanceof Date) return value;
  const safe: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) safe[key] = jsonSafe(item, depth + 1);
  return safe;
}

function scrub(text: string): string {
  if (!text.includes('://') && !text.includes('Bearer') && !text.includes('eyJ')) return text;
  return text.replace(URL_CREDENTIALS, `$1${CENSORED}@`).replace(BEARER, `Bearer ${CENSORED}`).replace(JWT, CENSORED);
}
