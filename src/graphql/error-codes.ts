import { MAX_PAGE_SIZE } from './pagination.js';

/**
 * Every code the server answers with, in one list: `Error.code` of the typed errors in
 * mutation results, and `extensions.code` of GraphQL errors (from resolvers, from our
 * plugins, and from graphql-yoga itself). The schema's `ErrorCode` enum, the README table
 * (`npm run schema:print` rewrites it) and test/error-codes.test.ts all read this list.
 *
 * Adding a code: one entry here, before anything emits it. `http` is the status the
 * server sets when the error ends an HTTP request; without it the response follows
 * GraphQL over HTTP (200 with `errors`, or 400 for `application/graphql-response+json`
 * when there is no data).
 */
export const ERROR_CODES = {
  // Typed errors: members of a mutation's result union, with `__typename` and fields of their own.
  NOT_FOUND: {
    description:
      'The object does not exist or is not yours: another agent’s session is "not found", never "forbidden". In a mutation result it is a `NotFoundError` naming the entity and id; a subscription to an unknown session fails with it as a GraphQL error.',
  },
  FORBIDDEN: {
    description:
      'Not allowed for this viewer: an agent who is not an admin starting a session for another agent, or anyone but an admin archiving stale sessions or using the Avinode inbox (`ForbiddenError`); a non-admin filtering `sessions` or `sessionStats` by `agentId`, or `activityFeed` by another agent (GraphQL errors).',
  },
  VALIDATION_FAILED: {
    description:
      'The input breaks a rule (`ValidationError`); `fields` names each problem by its path in the input, e.g. `legs.1.arrivalAirport`. Nothing was written.',
  },
  INVALID_TRANSITION: {
    description:
      'The session’s status or step does not allow the action (`InvalidTransitionError`): it names the current status and step, the attempted action and the actions allowed now. Nothing was written.',
  },
  STALE_VERSION: {
    description:
      'The session is no longer at `expectedVersion`: someone changed it meanwhile (`StaleVersionError`, with both versions). Nothing was written; reload and decide again.',
  },

  // Refusals before execution: nothing ran.
  UNAUTHENTICATED: {
    http: 401,
    description:
      'No bearer token, an invalid or expired one, or one whose agent is unknown or deactivated. Sent with `WWW-Authenticate: Bearer`; a WebSocket is closed with 4403 instead. Also ends an open subscription when its token expires or its agent is deactivated.',
  },
  BAD_REQUEST: {
    http: 400,
    description:
      'Not a GraphQL request the server can read: the body is not a JSON object, has unexpected parameters, or is a batch while batching is off (or over `MAX_BATCH_SIZE`, then 413).',
  },
  METHOD_NOT_ALLOWED: {
    http: 405,
    description: 'The REST route `/api/chat-sessions` only answers GET and HEAD (the `Allow` header says so).',
  },
  REQUEST_ENTITY_TOO_LARGE: { http: 413, description: 'The request body is larger than `MAX_BODY_BYTES`.' },
  GRAPHQL_PARSE_FAILED: { http: 400, description: 'The document is not valid GraphQL syntax.' },
  GRAPHQL_VALIDATION_FAILED: {
    http: 400,
    description:
      'The document does not fit the schema: an unknown field or argument, a wrong type, a missing required argument, or introspection where it is turned off.',
  },
  OPERATION_RESOLUTION_FAILURE: {
    http: 400,
    description: 'The document holds several operations and `operationName` does not name one of them.',
  },
  BAD_USER_INPUT: {
    description:
      'A malformed argument or variable: an id that is not one of this server’s global ids, a cursor this connection did not hand out, a DateTime or Decimal in the wrong format, a wrong variable type, text holding NUL or unpaired surrogates, or values nested deeper than 32 levels (the last two: 400). `extensions.argument` names the argument where known.',
  },
  PAGE_SIZE_EXCEEDED: {
    description: `\`first\` or \`last\` asks for more than ${MAX_PAGE_SIZE} rows (the maximum page size); \`extensions.argument\` and \`extensions.maximum\` say which and how many. Refused before execution (400), or by the connection itself. Page with \`after\`/\`before\`.`,
  },
  QUERY_TOO_DEEP: { http: 400, description: 'The operation nests fields deeper than `MAX_DEPTH`.' },
  TOO_MANY_ALIASES: { http: 400, description: 'The operation uses more aliases than `MAX_ALIASES`.' },
  TOO_MANY_DIRECTIVES: {
    http: 400,
    description: 'The operation uses more directives than `MAX_DIRECTIVES`.',
  },
  TOO_MANY_TOKENS: { http: 400, description: 'The document has more tokens than `MAX_TOKENS`.' },
  QUERY_TOO_COSTLY: {
    http: 400,
    description:
      'The operation could produce more objects than `MAX_COST`: every field costs 1 and what sits under a paginated field counts once per row of its page. `extensions.cost` and `extensions.maximum` give both figures; ask for smaller pages.',
  },
  PERSISTED_QUERY_ONLY: {
    http: 400,
    description:
      'With `TRUSTED_DOCUMENTS=on`: the request sent query text, or no document id. Send `documentId` (or `extensions.persistedQuery.sha256Hash`).',
  },
  PERSISTED_QUERY_NOT_FOUND: {
    http: 400,
    description: 'With `TRUSTED_DOCUMENTS=on`: the document id is not in the trusted documents manifest.',
  },
  RATE_LIMITED: {
    http: 429,
    description:
      'The agent (or integration token) ran more operations this minute than its limit (`RATE_LIMIT_PER_MINUTE`, `SERVICE_RATE_LIMIT_PER_MINUTE`). `Retry-After` and `extensions.retryAfterSeconds` say when to retry.',
  },
  TOO_MANY_SUBSCRIPTIONS: {
    description:
      'WebSocket only: the socket already runs `MAX_SUBSCRIPTIONS_PER_CONNECTION` operations (`extensions.maximum`); complete one or open another socket.',
  },
  SHUTTING_DOWN: {
    description: 'WebSocket only: the server is shutting down and takes no new operations; reconnect and retry.',
  },

  // Failures while running: see each for whether anything changed.
  REQUEST_TIMEOUT: {
    http: 504,
    description:
      'The request passed its deadline (`REQUEST_TIMEOUT_MS`) or an SQL statement passed `STATEMENT_TIMEOUT_MS`. Nothing was changed: a mutation still running is rolled back, so retrying is safe.',
  },
  DATABASE_UNAVAILABLE: {
    http: 503,
    description: 'The database cannot be reached right now; retry after the `Retry-After` seconds.',
  },
  DATABASE_BUSY: {
    http: 503,
    description:
      'The database answers, but every pooled connection, or this viewer’s share of them (`DATABASE_CONNECTIONS_PER_VIEWER`), stayed busy for `DATABASE_CONNECT_TIMEOUT_MS`. Nothing was changed; retry after the `Retry-After` seconds.',
  },
  COMMITTED_RESULT_UNAVAILABLE: {
    description:
      'The mutation committed, but reading its payload back failed (`extensions.committed: true`). Do not retry it; query the objects again.',
  },
  SUBSCRIBER_TOO_SLOW: {
    description:
      'The subscription fell more than 5,000 events behind (its client stopped reading) and was ended. Subscribe again with `after` set to `extensions.resumeAfter` (the last cursor received): nothing is lost.',
  },
  STREAM_INTERRUPTED: {
    description:
      'A subscription ended because an event could not be delivered whole: a field of it needed the database, which failed (`extensions.reason`). The event was not sent; subscribe again with `after` set to `extensions.resumeAfter` (the last cursor delivered) to receive it and all after it, once.',
  },
  INTERNAL_SERVER_ERROR: {
    description:
      'An unexpected failure, masked: the message says nothing more. The response’s `extensions.requestId` (and its `x-request-id` header) finds the log line with the real error.',
  },
} as const satisfies Record<string, { description: string; http?: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as ErrorCode[];
