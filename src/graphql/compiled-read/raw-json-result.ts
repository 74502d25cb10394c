import type { ExecutionResult } from 'graphql';

/**
 * A result whose data is JSON text from the database, sent on as it came. Yoga writes an
 * HTTP response with the result's `stringify`, so the text is never parsed and
 * re-serialised; anything that reads `data` (a WebSocket transport, a test) gets it parsed,
 * once, on first read. Copy such a result with `withExtensions`, which keeps `data` unread.
 */
export type RawJsonResult = ExecutionResult & { stringify(result: ExecutionResult): string };

export function rawJsonResult(dataText: string): RawJsonResult {
  let parsed: ExecutionResult['data'];
  return {
    get data() {
      parsed ??= JSON.parse(dataText) as ExecutionResult['data'];
      return parsed;
    },
    // Yoga passes the result it is about to send, which plugins may have extended since.
    stringify(result) {
      let text = `{"data":${dataText}`;
      for (const [key, value] of Object.entries(Object.getOwnPropertyDescriptors(result))) {
        if (key === 'data' || key === 'stringify' || !('value' in value) || value.value === undefined) continue;
        text += `,${JSON.stringify(key)}:${JSON.stringify(value.value)}`;
      }
      return `${text}}`;
    },
  };
}

/** The result with these extensions added, its properties copied as they are (a lazy `data` stays unread). */
export function withExtensions<T extends ExecutionResult>(result: T, extensions: Record<string, unknown>): T {
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(result)) as T;
  copy.extensions = { ...result.extensions, ...extensions };
  return copy;
}
