import { GraphQLError } from 'graphql';
import { isBigintId, UUID } from './global-ids.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

type ConnectionArgs = { first?: number | null; last?: number | null; after?: string | null; before?: string | null };

/**
 * Checks a connection's arguments before any SQL (Pothos calls it while planning
 * every paginated field), and answers its maximum page size.
 *
 * An oversized page is refused, not clamped: a client asking for 500 rows and getting
 * 100 would think it had everything. A cursor must be one this server handed out
 * (Pothos' `GPC:` prefix around a UUID or an integer); anything else is bad input
 * rather than a malformed value in SQL.
 */
export function maxPageSize(args: ConnectionArgs): number {
  for (const name of ['first', 'last'] as const) {
    const size = args[name];
    if (size != null && size > MAX_PAGE_SIZE) throw pageSizeError(name, size);
  }
  for (const name of ['after', 'before'] as const) {
    const cursor = args[name];
    if (cursor != null && !isOwnCursor(cursor)) throw notACursorError(name);
  }
  return MAX_PAGE_SIZE;
}

export function pageSizeError(argument: string, size: number): GraphQLError {
  return new GraphQLError(
    `\`${argument}\` may be at most ${MAX_PAGE_SIZE}; got ${size}. Page with \`after\`/\`before\`.`,
    { extensions: { code: 'PAGE_SIZE_EXCEEDED', argument, maximum: MAX_PAGE_SIZE } },
  );
}

/** The longest cursor this server hands out is well under this. */
export const MAX_CURSOR_LENGTH = 200;

function isOwnCursor(cursor: string): boolean {
  return cursorRowId(cursor) !== undefined;
}

/**
 * The row id inside a cursor this server handed out (Pothos' `GPC:` prefix around a
 * UUID or an integer), or undefined for anything else.
 */
export function cursorRowId(cursor: string): string | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH) return undefined;
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  const string = /^GPC:S:(.*)$/s.exec(decoded)?.[1];
  if (string !== undefined) return UUID.test(string) ? string : undefined;
  const number = /^GPC:[NI]:(\d{1,19})$/.exec(decoded)?.[1];
  return number !== undefined && isBigintId(number) ? number : undefined;
}

export function notACursorError(argument: 'after' | 'before'): GraphQLError {
  return new GraphQLError(`\`${argument}\` is not a cursor from this connection.`, {
    extensions: { code: 'BAD_USER_INPUT', argument },
  });
}
