import type { ExecutionResult } from 'graphql';

/**
 * One serialisation per result, however many subscribers it goes to. Subscribers that
 * share an execution (shared-execution.ts) get the same result object; graphql-ws would
 * stringify it, and ws encode it to UTF-8, once per subscriber. Here its JSON is made
 * once, as bytes, and each subscriber's `next` message is its own id around those bytes.
 *
 * graphql-ws builds every message itself, so `onNext` hands it a stand-in payload that
 * serialises to a token, and the socket's `send` swaps the token for the bytes.
 */
const serialised = new WeakMap<object, Buffer>();
const waiting = new Map<number, Buffer>();
let nextToken = 0;

const TOKEN_PREFIX = 'shared-payload:';
/** How a message whose payload is a stand-in ends: `,"payload":"shared-payload:<n>"}`. */
const STAND_IN = `,"payload":"${TOKEN_PREFIX}`;

/** The stand-in payload for graphql-ws: the result's bytes wait for `messageBytes`. */
export function standInPayload(result: ExecutionResult): Record<string, unknown> {
  let bytes = serialised.get(result);
  if (!bytes) {
    // A shared result brings its own, memoised `stringify` (shared-execution.ts), which SSE uses too.
    const { stringify } = result as { stringify?: (value: ExecutionResult) => string };
    bytes = Buffer.from(stringify ? stringify(result) : JSON.stringify(result));
    serialised.set(result, bytes);
  }
  const token = nextToken++;
  waiting.set(token, bytes);
  return { toJSON: () => `${TOKEN_PREFIX}${token}` };
}

/** The message to write: a stand-in's bytes in place of its token, or the message as it is. */
export function messageBytes(message: string): string | Buffer {
  // Only a stand-in makes a message end in a string payload; every other one is left
  // without a scan (a query's answer over the socket can be large).
  if (!message.endsWith('"}')) return message;
  const at = message.lastIndexOf(STAND_IN);
  if (at < 0) return message;
  const token = Number(message.slice(at + STAND_IN.length, -2));
  const bytes = waiting.get(token);
  if (!bytes) return message;
  waiting.delete(token);
  return Buffer.concat([Buffer.from(message.slice(0, at + ',"payload":'.length)), bytes, CLOSING_BRACE]);
}

const CLOSING_BRACE = Buffer.from('}');
