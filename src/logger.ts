/**
 * Structured JSON-lines logging. Callers pass fields, never tokens or message contents.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type Logger = Record<Level, (message: string, fields?: Record<string, unknown>) => void>;

export function createLogger(level: Level | 'silent'): Logger {
  const write =
    (entryLevel: Level) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (order[entryLevel] < order[level]) return;
      const line = JSON.stringify({ time: new Date().toISOString(), level: entryLevel, message, ...fields }, jsonSafe);
      (entryLevel === 'error' || entryLevel === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
