import { decodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Session events are numbered (the stream cursor); everything else has a UUID. */
const NUMBERED = new Set(['SessionEvent']);
/** The Node types of the schema; any other type name in an id is bad input, not a server error. */
const NODE_TYPES = new Set([
  'Agent',
  'AvinodeNotification',
  'ChatSession',
  'Client',
  'Conversation',
  'Message',
  'Operator',
  'Proposal',
  'Quote',
  'SessionEvent',
  'TripLeg',
  'TripRequest',
]);
const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** A positive PostgreSQL bigint, as digits. */
export function isBigintId(value: string): boolean {
  return /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_BIGINT;
}

/**
 * Global ids come from clients, so a well-formed wrapper around a malformed id must
 * be refused here, as bad input, rather than reach PostgreSQL as an invalid uuid.
 */
export function decodeCheckedGlobalID(globalID: string): { typename: string; id: string } {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalID);
  } catch {
    throw invalid(globalID);
  }
  const valid = NUMBERED.has(decoded.typename) ? isBigintId(decoded.id) : UUID.test(decoded.id);
  if (!NODE_TYPES.has(decoded.typename) || !valid) throw invalid(globalID);
  return decoded;
}

function invalid(globalID: string): GraphQLError {
  return new GraphQLError(`"${globalID.slice(0, 100)}" is not a valid id.`, { extensions: { code: 'BAD_USER_INPUT' } });
}
