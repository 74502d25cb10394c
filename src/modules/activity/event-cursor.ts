import { GraphQLError } from 'graphql';
import { isBigintId } from '../../graphql/global-ids.js';
import { MAX_CURSOR_LENGTH } from '../../graphql/pagination.js';

/**
 * Event cursors are opaque to clients so the stream's position can change shape
 * (e.g. carry a transaction id) without breaking them.
 */
const PREFIX = 'evt:';

export function encodeEventCursor(id: bigint): string {
  return Buffer.from(`${PREFIX}${id}`).toString('base64url');
}

export function decodeEventCursor(cursor: string): bigint {
  const decoded = cursor.length <= MAX_CURSOR_LENGTH ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const digits = decoded.startsWith(PREFIX) ? decoded.slice(PREFIX.length) : '';
  if (!isBigintId(digits)) {
    throw new GraphQLError('Invalid event cursor.', { extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
  }
  return BigInt(digits);
}
