import { GraphQLError } from 'graphql';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/**
 * Pothos would silently clamp an oversized page; a client asking for 500 rows
 * and getting 100 would think it had everything, so it is refused instead.
 */
export function maxPageSize(args: { first?: number | null; last?: number | null }): number {
  for (const name of ['first', 'last'] as const) {
    const size = args[name];
    if (size != null && size > MAX_PAGE_SIZE) {
      throw new GraphQLError(`\`${name}\` may be at most ${MAX_PAGE_SIZE}; got ${size}. Page with \`after\`/\`before\`.`, {
        extensions: { code: 'PAGE_SIZE_EXCEEDED', argument: name, maximum: MAX_PAGE_SIZE },
      });
    }
  }
  return MAX_PAGE_SIZE;
}
