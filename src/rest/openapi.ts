import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../graphql/pagination.js';

const uuid = { type: 'string', format: 'uuid' } as const;
const nullableUuid = { type: ['string', 'null'], format: 'uuid' } as const;
const timestamp = { type: 'string', format: 'date-time', description: 'UTC, ISO-8601 with milliseconds.' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const externalId = { type: ['string', 'null'], description: 'Avinode id; null until the session is linked.' } as const;

/** One row of `chat_sessions`, with the seed's column names; `test/rest-chat-sessions.test.ts` checks it matches. */
export const sessionRowSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: uuid,
    conversation_id: uuid,
    request_id: { ...nullableUuid, description: 'The trip request; null until one is captured.' },
    iso_agent_id: { ...uuid, description: 'The agent who owns the session.' },
    status: { type: 'string', enum: ['active', 'paused', 'completed', 'archived'] },
    current_step: {
      type: 'string',
      enum: [
        'understanding_request',
        'searching_aircraft',
        'requesting_quotes',
        'analyzing_quotes',
        'proposal_ready',
        'proposal_sent',
      ],
    },
    avinode_trip_id: externalId,
    avinode_rfp_id: externalId,
    avinode_rfq_id: externalId,
    primary_quote_id: nullableUuid,
    proposal_id: nullableUuid,
    session_started_at: timestamp,
    session_ended_at: { ...timestamp, type: ['string', 'null'] },
    last_activity_at: timestamp,
    workflow_state: { type: 'object', description: 'The workflow’s own bookkeeping (JSON).' },
    message_count: count,
    quotes_received_count: count,
    quotes_expected_count: count,
    operators_contacted_count: count,
    metadata: { type: 'object', description: 'Free-form data the integration attached at start (JSON).' },
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const;

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'The same codes as the GraphQL API’s `extensions.code`.' },
        message: { type: 'string' },
        parameter: { type: 'string', description: 'The query parameter at fault, for BAD_USER_INPUT.' },
      },
    },
  },
} as const;

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** Served at /api/openapi.json beside the route it describes. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Chat sessions (REST)',
    version: '1.0.0',
    description:
      'The REST route of the system this server replaces. New clients should use the GraphQL API at /graphql, ' +
      'which serves the same data with its nested graph.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: { ChatSessionRow: sessionRowSchema, Error: errorSchema },
  },
  security: [{ bearer: [] }],
  paths: {
    '/api/chat-sessions': {
      get: {
        operationId: 'listChatSessions',
        summary: 'The signed-in agent’s sessions, newest activity first',
        description:
          'Agents see their own sessions; admins and integration (service) tokens see every agent’s. ' +
          'Each call counts against the same per-minute rate limit as GraphQL operations.',
        parameters: [
          {
            name: 'trip_id',
            in: 'query',
            required: false,
            description: 'Only sessions linked to this Avinode trip id (`avinode_trip_id`).',
            schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$' },
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: `Rows per page, ${DEFAULT_PAGE_SIZE} by default.`,
            schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
          },
          {
            name: 'cursor',
            in: 'query',
            required: false,
            description: 'The `next_cursor` of the previous page.',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': {
            description: 'A page of sessions.',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['sessions', 'next_cursor'],
                  properties: {
                    sessions: { type: 'array', items: { $ref: '#/components/schemas/ChatSessionRow' } },
                    next_cursor: {
                      type: ['string', 'null'],
                      description: 'Pass as `cursor` for the next page; null on the last page.',
                    },
                  },
                },
              },
            },
          },
          '400': errorResponse('BAD_USER_INPUT: an unknown, repeated or invalid parameter.'),
          '401': errorResponse('UNAUTHENTICATED: no token, an invalid one, or no active agent for it.'),
          '405': errorResponse('METHOD_NOT_ALLOWED: only GET.'),
          '429': errorResponse('RATE_LIMITED: see the Retry-After header.'),
          '503': errorResponse('DATABASE_UNAVAILABLE: retry after the Retry-After header.'),
          '504': errorResponse('REQUEST_TIMEOUT.'),
        },
      },
    },
  },
} as const;
