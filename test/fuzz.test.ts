import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Agent } from '../src/generated/prisma/client.js';
import {
  emptyRefs,
  gid,
  mutationInputs,
  queryVariables,
  type Refs,
  resolve,
  subscriptionVariables,
  type TokenKind,
  tokenKind,
} from './fuzz-arbitraries.js';
import type { TestDatabase } from './harness/database.js';
import { createAgent, unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';

/**
 * Property-based fuzzing of the whole API over real HTTP: generated variables for every
 * mutation and query argument, sent with agent, admin, service and bad tokens. Properties:
 * never a 5xx, never a masked INTERNAL_SERVER_ERROR, no SQL or stack text in any error,
 * every error with a known `extensions.code`; afterwards the database invariants hold.
 *
 * FUZZ_SEED and FUZZ_RUNS override the fixed seed and the runs per property; a failure
 * prints the seed and fast-check's replay path next to the shrunk counterexample.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_124);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 80);
const WALK_RUNS = Math.max(10, Math.round(RUNS * 0.8));

const KNOWN_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'PAGE_SIZE_EXCEEDED',
  'FORBIDDEN',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'QUERY_TOO_COSTLY',
  'QUERY_TOO_DEEP',
  'TOO_MANY_ALIASES',
  'TOO_MANY_DIRECTIVES',
  'TOO_MANY_TOKENS',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_ONLY',
  'RATE_LIMITED',
  'BAD_REQUEST',
  'REQUEST_ENTITY_TOO_LARGE',
  'OPERATION_RESOLUTION_FAILURE',
]);
const DOMAIN_CODES = new Set(['NOT_FOUND', 'FORBIDDEN', 'VALIDATION_FAILED', 'INVALID_TRANSITION', 'STALE_VERSION']);
const LEAKS: Array<[string, RegExp]> = [
  [
    'SQL error text',
    /invalid input syntax|violates [\w ]*constraint|duplicate key value|syntax error at or near|out of range for type|value too long for type|unsupported Unicode escape|invalid byte sequence|field value out of range|SQLSTATE/i,
  ],
  ['PostgreSQL error', /\bERROR:\s|\b(22P02|22021|22P05|22008|23505|23503|23514|42601|42703)\b/],
  ['SQL statement', /\b(SELECT\s[\s\S]{1,200}?\sFROM|INSERT\s+INTO|UPDATE\s+"?\w+"?\s+SET|DELETE\s+FROM)\b/i],
  [
    'table or column name',
    /\b(chat_sessions|session_events|iso_agents|request_legs|proposal_number_seq|iso_agent_id|conversation_id|last_activity_at)\b/,
  ],
  [
    'Prisma internals',
    /Prisma\w*Error|Invalid `[^`]*` invocation|prisma\.\w+\.\w+\(|\bP[12]\d{3}\b|DriverAdapterError|@prisma\//,
  ],
  ['stack trace', /\n\s+at\s|\bat (async )?[\w$.<>]+ \(|file:\/\/|\/work\/|node_modules|\.[cm]?[jt]s:\d+:\d+/],
];

// ---------------------------------------------------------------- documents

const SESSION_FRAGMENT = `
  fragment S on ChatSession {
    id status currentStep version messageCount quotesReceivedCount quotesExpectedCount operatorsContactedCount
    avinodeTripId avinodeRfpId avinodeRfqId startedAt endedAt lastActivityAt updatedAt metadata workflowState
    agent { id email } conversation { id subject lastMessageAt }
    request { id passengers budget currency tripType aircraftCategory specialRequirements client { id companyName }
      legs { id sequence departureAirport arrivalAirport departureAt } }
    primaryQuote { id totalPrice status } proposal { id number status subtotal marginPercent total title sentTo sentAt }
  }`;
const ERROR_FRAGMENT = `
  fragment E on Error {
    __typename code message
    ... on ValidationError { fields { field message } }
    ... on NotFoundError { entity id }
    ... on StaleVersionError { expectedVersion currentVersion }
    ... on InvalidTransitionError { currentStatus currentStep attempted allowed }
  }`;
const mutation = (name: string, inputType: string, payload: string) =>
  `mutation Fuzz($input: ${inputType}!) { ${name}(input: $input) { __typename ...E ${payload} } } ${ERROR_FRAGMENT} ${payload.includes('...S') ? SESSION_FRAGMENT : ''}`;
const sessionPayload = (type: string) => `... on ${type} { session { ...S } }`;

const MUTATIONS: Record<string, string> = {
  startSession: mutation(
    'startSession',
    'StartSessionInput',
    '... on StartSessionPayload { created session { ...S } }',
  ),
  recordMessage: mutation(
    'recordMessage',
    'RecordMessageInput',
    '... on RecordMessagePayload { created recorded: message { id content senderName senderType externalId createdAt } session { ...S } }',
  ),
  captureTripRequest: mutation(
    'captureTripRequest',
    'CaptureTripRequestInput',
    '... on CaptureTripRequestPayload { request { id } session { ...S } }',
  ),
  linkAvinodeTrip: mutation(
    'linkAvinodeTrip',
    'LinkAvinodeTripInput',
    '... on LinkAvinodeTripPayload { changed session { ...S } }',
  ),
  recordRfqsSent: mutation('recordRfqsSent', 'RecordRfqsSentInput', sessionPayload('RecordRfqsSentPayload')),
  receiveQuote: mutation(
    'receiveQuote',
    'ReceiveQuoteInput',
    '... on ReceiveQuotePayload { outcome quote { id avinodeQuoteId aircraftType tailNumber seats totalPrice currency status validUntil declineReason operator { id name avinodeCompanyId } } sessions { ...S } }',
  ),
  selectPrimaryQuote: mutation(
    'selectPrimaryQuote',
    'SelectPrimaryQuoteInput',
    sessionPayload('SelectPrimaryQuotePayload'),
  ),
  generateProposal: mutation(
    'generateProposal',
    'GenerateProposalInput',
    '... on GenerateProposalPayload { proposal { id number total } session { ...S } }',
  ),
  sendProposal: mutation(
    'sendProposal',
    'SendProposalInput',
    '... on SendProposalPayload { proposal { id status sentTo sentAt } session { ...S } }',
  ),
  pauseSession: mutation('pauseSession', 'SessionChangeInput', sessionPayload('PauseSessionPayload')),
  resumeSession: mutation('resumeSession', 'SessionChangeInput', sessionPayload('ResumeSessionPayload')),
  completeSession: mutation('completeSession', 'SessionChangeInput', sessionPayload('CompleteSessionPayload')),
  archiveSession: mutation('archiveSession', 'SessionChangeInput', sessionPayload('ArchiveSessionPayload')),
  archiveStaleSessions: mutation(
    'archiveStaleSessions',
    'ArchiveStaleSessionsInput',
    '... on ArchiveStaleSessionsPayload { archivedCount cutoff }',
  ),
};

const NODE_FIELDS = `__typename id
  ... on ChatSession { status messageCount } ... on Quote { totalPrice validUntil } ... on Message { content externalId createdAt }
  ... on Agent { email } ... on Client { email } ... on Proposal { number total } ... on SessionEvent { type cursor data }
  ... on TripLeg { departureAt } ... on TripRequest { budget } ... on Operator { name } ... on Conversation { subject }`;
const PAGE = 'totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const QUERIES: Record<keyof typeof queryVariables, string> = {
  session: `query Fuzz($id: ID!, $ef: Int, $ea: String, $el: Int, $eb: String, $qf: Int, $qa: String, $ql: Int, $qb: String,
      $mf: Int, $ma: String, $ml: Int, $mb: String) {
    session(id: $id) {
      ...S
      events(first: $ef, after: $ea, last: $el, before: $eb) { ${PAGE} edges { cursor node { id type data actorId cursor createdAt } } }
      quotes(first: $qf, after: $qa, last: $ql, before: $qb) { ${PAGE} edges { cursor node { id totalPrice } } }
      conversation { messages(first: $mf, after: $ma, last: $ml, before: $mb) { ${PAGE} edges { cursor node { id content createdAt } } } }
    }
  } ${SESSION_FRAGMENT}`,
  node: `query Fuzz($id: ID!) { node(id: $id) { ${NODE_FIELDS} } }`,
  nodes: `query Fuzz($ids: [ID!]!) { nodes(ids: $ids) { ${NODE_FIELDS} } }`,
  sessions: `query Fuzz($filter: SessionFilter, $orderBy: SessionOrder, $first: Int, $after: String, $last: Int, $before: String) {
    sessions(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) { ${PAGE} edges { cursor node { ...S } } }
  } ${SESSION_FRAGMENT}`,
  sessionStats: `query Fuzz($filter: SessionFilter) {
    sessionStats(filter: $filter) { total messages quotesReceived quotesExpected byStatus { status count } byStep { step count } }
  }`,
};

// ---------------------------------------------------------------- harness

/** The agent the fuzz acts as, another agent (whose rows are foreign) and an admin. */
type Agents = { agent: Agent; other: Agent; admin: Agent };
/** Where requests go, and the token each kind of caller sends. */
type Api = { url: string; tokens: Record<TokenKind, string | undefined> };

const SUBSCRIPTIONS: Record<keyof typeof subscriptionVariables, string> = {
  sessionEvents:
    'subscription ($sessionId: ID!, $after: String) { sessionEvents(sessionId: $sessionId, after: $after) { id cursor type session { id } } }',
  activityFeed:
    'subscription ($filter: ActivityFilter, $after: String) { activityFeed(filter: $filter, after: $after) { id cursor type } }',
  sessionUpdated: 'subscription ($id: ID!) { sessionUpdated(id: $id) { id version status } }',
};

/** Errors without a known `extensions.code`, one example per message shape. */
const codeProblems = new Map<string, { count: number; example: string }>();
/** Why the server masked an error: its own log line, found by the response's request id. */
const serverErrors = new Map<string, string>();
const writeStderr = process.stderr.write.bind(process.stderr);

type Outcome = {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: unknown[] } | undefined;
  text: string;
};

/**
 * POSTs a body on a fresh connection (no keep-alive reuse, so one request's transport
 * trouble cannot surface as another's) and returns the status, raw text and parsed JSON.
 */
function post(url: string, body: unknown, token: string | undefined): Promise<Outcome> {
  const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve_, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          'content-length': payload.length,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Outcome['body'];
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve_({ status: response.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/**
 * Opens a subscription over SSE and reads its first message: a refusal arrives at once;
 * a valid subscription sends nothing until something happens, so after `quietMs` of
 * silence the stream is closed and counts as accepted (body undefined, HTTP 200).
 */
function subscribeOnce(
  url: string,
  body: unknown,
  token: string | undefined,
  quietMs = 150,
): Promise<Outcome & { accepted: boolean }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve_, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'content-length': payload.length,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (response) => {
        let text = '';
        const status = response.statusCode ?? 0;
        const finish = (accepted: boolean) => {
          clearTimeout(quiet);
          request.destroy();
          const data = /^data: (.*)$/m.exec(text)?.[1];
          let parsed: Outcome['body'];
          try {
            parsed = JSON.parse(data ?? text);
          } catch {
            parsed = undefined;
          }
          resolve_({ status, body: parsed, text, accepted });
        };
        const quiet = setTimeout(() => finish(text.replace(/^:.*\n/gm, '').trim() === ''), quietMs);
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
          // Keep-alive comments (":") are not messages.
          if (/^(data|event): /m.test(text) && text.includes('\n\n')) finish(false);
        });
        response.on('end', () => finish(false));
        response.on('error', () => finish(false));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** Every string the client sent, and what base64 ones decode to: an error may echo them, which is no leak. */
function sentStrings(value: unknown): string[] {
  const found = new Set<string>();
  const collect = (inner: unknown) => {
    if (typeof inner === 'string') {
      const decoded = Buffer.from(inner, 'base64').toString('utf8');
      // Messages may quote a long value cut short.
      found
        .add(inner)
        .add(inner.slice(0, 100))
        .add(decoded)
        .add(decoded.slice(decoded.indexOf(':') + 1));
    } else if (Array.isArray(inner)) inner.forEach(collect);
    else if (inner && typeof inner === 'object') Object.values(inner).forEach(collect);
  };
  collect(value);
  return [...found].filter((text) => text.length >= 3).sort((a, b) => b.length - a.length);
}

/**
 * A response object walked by field name: the operations are strings built at run time, so
 * there is no generated type to give it.
 */
// biome-ignore lint/suspicious/noExplicitAny: untyped JSON from operations written as strings
type JsonObject = Record<string, any>;

/** Error objects: the GraphQL errors, and typed domain errors inside data. */
function errorObjects(body: NonNullable<Outcome['body']>): {
  graphql: Array<JsonObject>;
  domain: Array<JsonObject>;
} {
  const domain: Array<JsonObject> = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const typename = (value as { __typename?: unknown }).__typename;
      if (typeof typename === 'string' && typename.endsWith('Error')) domain.push(value as JsonObject);
      else Object.values(value).forEach(walk);
    }
  };
  walk(body.data);
  return { graphql: (Array.isArray(body.errors) ? body.errors : []) as Array<JsonObject>, domain };
}

function problemsOf(outcome: Outcome, request: unknown): string[] {
  const problems: string[] = [];
  if (outcome.status >= 500) problems.push(`HTTP ${outcome.status}`);
  const body = outcome.body;
  if (!body || typeof body !== 'object')
    return [...problems, `the response is not a JSON object (HTTP ${outcome.status})`];
  const { graphql, domain } = errorObjects(body);
  if (body.data === undefined && graphql.length === 0) problems.push('neither data nor errors');
  for (const error of graphql) {
    const code = error?.['extensions']?.code;
    if (code === 'INTERNAL_SERVER_ERROR' || error?.['message'] === 'Unexpected error.') {
      problems.push(`masked internal error (${code}) at ${JSON.stringify(error['path'])}`);
    } else if (typeof code !== 'string' || !KNOWN_CODES.has(code)) {
      const shape = `${code ?? 'no code'}: ${String(error?.['message'])
        .replace(/ got invalid value[\s\S]*/, ' got invalid value …')
        .replace(/"(?:[^"\\]|\\.)*"|\d+/g, '…')
        .slice(0, 120)}`;
      const seen = codeProblems.get(shape);
      const example = `${describeRequest(request)}\n    → HTTP ${outcome.status} ${abbreviate(error)}`;
      codeProblems.set(shape, {
        count: (seen?.count ?? 0) + 1,
        example: seen && seen.example.length <= example.length ? seen.example : example,
      });
    }
    for (const key of ['stacktrace', 'exception', 'stack']) {
      if (error?.['extensions'] && key in error['extensions']) problems.push(`error extensions carry \`${key}\``);
    }
  }
  for (const error of domain) {
    if (!DOMAIN_CODES.has(error['code']))
      problems.push(`domain error ${error['__typename']} with unknown code ${error['code']}`);
  }
  const echoes = sentStrings(request);
  for (const error of [...graphql, ...domain]) {
    let text = JSON.stringify(error);
    for (const echo of echoes) text = text.replaceAll(JSON.stringify(echo).slice(1, -1), '').replaceAll(echo, '');
    for (const [name, pattern] of LEAKS)
      if (pattern.test(text)) problems.push(`${name} in an error: ${abbreviate(error)}`);
  }
  return problems;
}

/** JSON with long strings shortened, so a counterexample with a 100k string stays readable. */
function abbreviate(value: unknown, max = 2000): string {
  const text = JSON.stringify(value, (_key, inner) =>
    typeof inner === 'string' && inner.length > 60
      ? `${inner.slice(0, 24)}…(${inner.length} chars)…${inner.slice(-8)}`
      : inner,
  );
  return text === undefined ? String(value) : text.length > max ? `${text.slice(0, max)}…` : text;
}
const describeRequest = (request: unknown) => `request ${abbreviate(request)}`;

/** Sends one operation and fails (with the whole exchange) on any problem. */
async function check(
  api: Api,
  label: string,
  token: TokenKind,
  request: { query: string; variables?: unknown; operationName?: string } | string,
) {
  const outcome = await post(api.url, request, api.tokens[token]);
  const problems = problemsOf(outcome, request);
  if (problems.length) {
    const variables = typeof request === 'string' ? request : request.variables;
    const requestId = (outcome.body as { extensions?: { requestId?: string } } | undefined)?.extensions?.requestId;
    const cause = requestId && serverErrors.get(requestId);
    throw new Error(
      `${label} as ${token} [seed ${SEED}]\n  problems: ${problems.join('; ')}\n  variables: ${abbreviate(variables)}\n  response: HTTP ${outcome.status} ${abbreviate(outcome.body ?? outcome.text)}${cause ? `\n  server log: ${cause}` : ''}`,
    );
  }
  return outcome;
}

/** A valid call, for building the starting data; throws unless the payload comes back. */
async function must(api: Api, name: string, input: unknown, token: TokenKind = 'agent'): Promise<JsonObject> {
  const outcome = await post(api.url, { query: MUTATIONS[name], variables: { input } }, api.tokens[token]);
  const result = outcome.body?.data?.[name] as JsonObject | undefined;
  if (!result?.['__typename']?.endsWith('Payload')) throw new Error(`${name} failed: ${abbreviate(outcome.body)}`);
  return result;
}

/** Points `refs` at the newest rows (what the tests so far wrote); the cursors stay as they are. */
async function refreshRefs(database: TestDatabase, { agent, other, admin }: Agents, refs: Refs) {
  const prisma = database.prisma;
  const ids = async (rows: Promise<Array<{ id: string | bigint }>>, type: string) =>
    (await rows).map((row) => gid(type, String(row.id)));
  const mine = { agentId: agent.id };
  const theirs = { agentId: other.id };
  const recent = { orderBy: { id: 'desc' as const }, take: 40, select: { id: true } };
  const sessions = await prisma.chatSession.findMany({ where: mine, orderBy: { id: 'desc' }, take: 40 });
  const foreignSessions = await prisma.chatSession.findMany({ where: theirs, orderBy: { id: 'desc' }, take: 10 });
  const quotes = await prisma.quote.findMany({
    orderBy: { id: 'desc' },
    take: 60,
    include: { request: true, operator: true },
  });
  const messages = await prisma.message.findMany({
    orderBy: { id: 'desc' },
    take: 40,
    include: { conversation: true },
  });
  Object.assign(refs, {
    session: sessions.map((session) => gid('ChatSession', session.id)),
    foreignSession: foreignSessions.map((session) => gid('ChatSession', session.id)),
    quote: quotes.filter((quote) => quote.request.agentId === agent.id).map((quote) => gid('Quote', quote.id)),
    foreignQuote: quotes.filter((quote) => quote.request.agentId !== agent.id).map((quote) => gid('Quote', quote.id)),
    client: await ids(prisma.client.findMany({ where: mine, ...recent }), 'Client'),
    foreignClient: await ids(prisma.client.findMany({ where: theirs, ...recent }), 'Client'),
    conversation: await ids(prisma.conversation.findMany({ where: mine, ...recent }), 'Conversation'),
    foreignConversation: await ids(prisma.conversation.findMany({ where: theirs, ...recent }), 'Conversation'),
    agent: [gid('Agent', agent.id)],
    otherAgent: [gid('Agent', other.id)],
    adminAgent: [gid('Agent', admin.id)],
    proposal: await ids(prisma.proposal.findMany(recent), 'Proposal'),
    message: messages.map((message) => gid('Message', message.id)),
    request: await ids(prisma.tripRequest.findMany(recent), 'TripRequest'),
    leg: await ids(prisma.tripLeg.findMany(recent), 'TripLeg'),
    operator: await ids(prisma.operator.findMany(recent), 'Operator'),
    event: await ids(prisma.sessionEvent.findMany(recent), 'SessionEvent'),
    tripId: [...new Set(sessions.flatMap((session) => (session.avinodeTripId ? [session.avinodeTripId] : [])))],
    foreignTripId: [
      ...new Set(foreignSessions.flatMap((session) => (session.avinodeTripId ? [session.avinodeTripId] : []))),
    ],
    quoteKey: quotes.flatMap((quote) => (quote.avinodeQuoteId ? [quote.avinodeQuoteId] : [])),
    messageKey: messages.flatMap((message) => (message.externalId ? [message.externalId] : [])),
    companyId: [...new Set(quotes.map((quote) => quote.operator.avinodeCompanyId))],
  });
}

const captureFor = (sessionId: string, clientId?: string) => ({
  sessionId,
  ...(clientId ? { clientId } : {}),
  tripType: 'ROUND_TRIP',
  passengers: 6,
  legs: [
    { departureAirport: 'KTEB', arrivalAirport: 'LFPB', departureAt: '2026-12-10T14:00:00Z' },
    { departureAirport: 'LFPB', arrivalAirport: 'KTEB', departureAt: '2026-12-17T10:00:00Z' },
  ],
});
const quoteFor = (target: object, key = unique('aquote-')) => ({
  ...target,
  avinodeQuoteId: key,
  operator: { avinodeCompanyId: 'acomp-pool', name: 'Pool Jets' },
  aircraftType: 'Falcon 7X',
  totalPrice: '98500.00',
});

type Stage =
  | 'UNDERSTANDING_REQUEST'
  | 'SEARCHING_AIRCRAFT'
  | 'REQUESTING_QUOTES'
  | 'ANALYZING_QUOTES'
  | 'PROPOSAL_READY'
  | 'PROPOSAL_SENT';
const STAGES: Stage[] = [
  'UNDERSTANDING_REQUEST',
  'SEARCHING_AIRCRAFT',
  'REQUESTING_QUOTES',
  'ANALYZING_QUOTES',
  'PROPOSAL_READY',
  'PROPOSAL_SENT',
];

/** A session driven through the API to `stage`, so every counter and event is what the API wrote. */
async function sessionAt(
  api: Api,
  stage: Stage,
  token: 'agent' | 'other',
  options: { clientId: string; tripId?: string; conversationId?: string },
) {
  const reached = (target: Stage) => STAGES.indexOf(stage) >= STAGES.indexOf(target);
  const started = await must(
    api,
    'startSession',
    options.conversationId ? { conversationId: options.conversationId } : { subject: unique('Pool trip ') },
    token,
  );
  const sessionId = started['session'].id as string;
  await must(
    api,
    'recordMessage',
    { sessionId, senderType: 'AGENT', content: 'Six of us to Paris.', externalId: unique('amsg-pool-') },
    token,
  );
  await must(api, 'recordMessage', { sessionId, senderType: 'ASSISTANT', content: 'On it.' }, token);
  if (reached('SEARCHING_AIRCRAFT'))
    await must(api, 'captureTripRequest', captureFor(sessionId, options.clientId), token);
  if (reached('REQUESTING_QUOTES')) {
    await must(
      api,
      'linkAvinodeTrip',
      { sessionId, avinodeTripId: options.tripId ?? unique('atrip-pool-'), avinodeRfqId: unique('arfq-') },
      token,
    );
    await must(api, 'recordRfqsSent', { sessionId, operatorsContacted: 5, quotesExpected: 3 }, token);
  }
  if (reached('ANALYZING_QUOTES')) {
    const first = await must(api, 'receiveQuote', quoteFor({ sessionId }), token);
    await must(api, 'receiveQuote', { ...quoteFor({ sessionId }), totalPrice: '91000.50' }, token);
    await must(api, 'selectPrimaryQuote', { sessionId, quoteId: first['quote'].id }, token);
  }
  if (reached('PROPOSAL_READY')) await must(api, 'generateProposal', { sessionId, marginPercent: '8.50' }, token);
  if (reached('PROPOSAL_SENT')) await must(api, 'sendProposal', { sessionId }, token);
  return { sessionId, conversationId: started['session'].conversation.id as string };
}

// Masked errors are logged with their cause; keep those lines to explain a failure. A hook, not a
// fixture: it must catch the server's first line, and it swaps a process-wide stream back afterwards.
beforeAll(() => {
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = String(chunk);
    if (!text.includes('"unexpected error"')) return writeStderr(chunk, ...rest);
    for (const line of text.split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as {
        requestId?: string;
        path?: string;
        error?: { name?: string; message?: string };
      };
      serverErrors.set(
        String(entry.requestId),
        `${entry.error?.name}: ${String(entry.error?.message).trim().split('\n').slice(-3).join(' ⏎ ').slice(0, 400)}`,
      );
    }
    return true;
  }) as typeof process.stderr.write;
});

afterAll(() => {
  process.stderr.write = writeStderr;
});

/** The starting data, made through the API, and the references into it the generators draw on. */
async function startingData(database: TestDatabase, api: Api, agents: Agents): Promise<Refs> {
  const { agent, other } = agents;
  const client = await database.prisma.client.create({
    data: {
      agentId: agent.id,
      companyName: 'Acme Holdings',
      contactName: 'Dana Client',
      email: `dana-${unique()}@acme.test`,
    },
  });
  const theirClient = await database.prisma.client.create({
    data: {
      agentId: other.id,
      companyName: 'Globex',
      contactName: 'Hank Client',
      email: `hank-${unique()}@globex.test`,
    },
  });
  const clientId = gid('Client', client.id);
  // One session at every step, paused, completed and archived ones, a conversation with
  // two sessions, and another agent's session on a trip of its own (a trip belongs to one agent).
  for (const stage of STAGES)
    await sessionAt(api, stage, 'agent', {
      clientId,
      ...(stage === 'ANALYZING_QUOTES' ? { tripId: 'atrip-shared' } : {}),
    });
  const paused = await sessionAt(api, 'REQUESTING_QUOTES', 'agent', { clientId });
  await must(api, 'pauseSession', { sessionId: paused.sessionId, reason: 'lunch' });
  const completed = await sessionAt(api, 'PROPOSAL_SENT', 'agent', { clientId });
  await must(api, 'completeSession', { sessionId: completed.sessionId });
  await sessionAt(api, 'SEARCHING_AIRCRAFT', 'agent', { clientId, conversationId: completed.conversationId });
  const archived = await sessionAt(api, 'ANALYZING_QUOTES', 'agent', { clientId });
  await must(api, 'archiveSession', { sessionId: archived.sessionId });
  const theirs = await sessionAt(api, 'ANALYZING_QUOTES', 'other', {
    clientId: gid('Client', theirClient.id),
    tripId: 'atrip-theirs',
  });
  await must(api, 'receiveQuote', quoteFor({ avinodeTripId: 'atrip-shared' }), 'service');
  const refs = emptyRefs();
  await refreshRefs(database, agents, refs);

  // Real cursors of every connection, for the cursor arguments.
  const page = await post(api.url, { query: QUERIES.sessions, variables: { first: 5 } }, api.tokens.agent);
  const sessionsPage = page.body?.data?.['sessions'] as { edges: Array<{ cursor: string }> } | undefined;
  if (!sessionsPage) throw new Error(`sessions failed: ${abbreviate(page.body)}`);
  const edges = sessionsPage.edges;
  const one = await post(
    api.url,
    { query: QUERIES.session, variables: { id: theirs.sessionId, ef: 5, qf: 5, mf: 5 } },
    api.tokens.admin,
  );
  const session = one.body?.data?.['session'] as Record<string, { edges: Array<{ cursor: string }> }> & {
    conversation: { messages: { edges: Array<{ cursor: string }> } };
  };
  refs.sessionCursor = edges.map((edge) => edge.cursor);
  refs.eventCursor = (session.events?.edges ?? []).map((edge) => edge.cursor);
  refs.quoteCursor = (session.quotes?.edges ?? []).map((edge) => edge.cursor);
  refs.messageCursor = session.conversation.messages.edges.map((edge) => edge.cursor);
  for (const kind of [
    'session',
    'foreignSession',
    'quote',
    'foreignQuote',
    'proposal',
    'tripId',
    'sessionCursor',
    'eventCursor',
    'quoteCursor',
    'messageCursor',
  ] as const) {
    expect(refs[kind].length, `starting data has ${kind}s`).toBeGreaterThan(0);
  }
  return refs;
}

const it = base
  // Only errors are logged, to stderr: the hook above reads the masked ones' causes.
  .extend('serverOptions', { scope: 'file' }, { environment: { LOG_LEVEL: 'error' } })
  .extend('agents', { scope: 'file' }, async ({ database, agent }): Promise<Agents> => {
    const other = await createAgent(database.prisma);
    const admin = await createAgent(database.prisma, 'ADMIN');
    return { agent, other, admin };
  })
  .extend('api', { scope: 'file' }, async ({ server, agents }): Promise<Api> => {
    const { agent, other, admin } = agents;
    return {
      url: server.url,
      tokens: {
        agent: await server.tokenFor(agent.authSubject),
        other: await server.tokenFor(other.authSubject),
        admin: await server.tokenFor(admin.authSubject),
        service: await server.serviceToken(),
        none: undefined,
        garbage: 'not.a.jwt',
      },
    };
  })
  // Made before the first test, whichever it is: every property draws on it and the invariants check it.
  .extend('refs', { scope: 'file', auto: true }, async ({ database, api, agents }) =>
    startingData(database, api, agents),
  );

function settings<T>(offset: number, numRuns = RUNS): fc.Parameters<T> {
  return { seed: SEED + offset, numRuns };
}

/**
 * fc.assert, with shrinking bounded in time (a walk replays dozens of requests per
 * attempt): past the budget the best counterexample so far is reported. Running out of
 * time before the runs are done is a failure too, never a quiet pass on fewer runs.
 */
async function holds<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncPropertyWithHooks<Ts>,
  parameters: fc.Parameters<Ts>,
  budgetMs = 30_000,
) {
  const details = await fc.check(property, {
    ...parameters,
    interruptAfterTimeLimit: budgetMs,
    markInterruptAsFailure: false,
  });
  if (details.failed) throw new Error(fc.defaultReportMessage(details), { cause: details.errorInstance });
  if (details.interrupted)
    throw new Error(
      `Only ${details.numRuns} of ${parameters.numRuns} runs finished within ${budgetMs} ms (seed ${details.seed}).`,
    );
}
// ---------------------------------------------------------------- properties

describe('generated input never breaks the server', () => {
  const inputs = mutationInputs(1);
  const names = Object.keys(MUTATIONS);

  it.for(names)('mutation %s', { timeout: 180_000 }, async (name, { database, agents, api, refs }) => {
    await refreshRefs(database, agents, refs);
    const arbitrary = inputs[name] as fc.Arbitrary<unknown>;
    await holds(
      fc.asyncProperty(tokenKind, arbitrary, async (token, raw) => {
        await check(api, name, token, { query: MUTATIONS[name] as string, variables: { input: resolve(raw, refs) } });
      }),
      settings(names.indexOf(name)),
    );
  });

  it.for(Object.keys(QUERIES) as Array<keyof typeof QUERIES>)(
    'query %s',
    { timeout: 180_000 },
    async (name, { database, agents, api, refs }) => {
      await refreshRefs(database, agents, refs);
      await holds(
        fc.asyncProperty(
          tokenKind,
          queryVariables[name] as fc.Arbitrary<Record<string, unknown>>,
          async (token, raw) => {
            const variables = Object.fromEntries(
              Object.entries(resolve(raw, refs) as object).filter(([, value]) => value !== undefined),
            );
            await check(api, name, token, { query: QUERIES[name], variables });
          },
        ),
        settings(100 + Object.keys(QUERIES).indexOf(name)),
      );
    },
  );

  it.for(Object.keys(SUBSCRIPTIONS) as Array<keyof typeof SUBSCRIPTIONS>)(
    'subscription %s (over SSE)',
    { timeout: 180_000 },
    async (name, { database, agents, api, refs }) => {
      await refreshRefs(database, agents, refs);
      await holds(
        fc.asyncProperty(
          tokenKind,
          subscriptionVariables[name] as fc.Arbitrary<Record<string, unknown>>,
          async (token, raw) => {
            const variables = Object.fromEntries(
              Object.entries(resolve(raw, refs) as object).filter(([, value]) => value !== undefined),
            );
            const request = { query: SUBSCRIPTIONS[name], variables };
            const outcome = await subscribeOnce(api.url, request, api.tokens[token]);
            // Accepted and waiting for events: nothing to judge but the status.
            const problems = outcome.accepted
              ? outcome.status >= 500
                ? [`HTTP ${outcome.status}`]
                : []
              : problemsOf(outcome, request);
            if (problems.length) {
              throw new Error(
                `${name} as ${token} [seed ${SEED}]\n  problems: ${problems.join('; ')}\n  variables: ${abbreviate(variables)}\n  response: HTTP ${outcome.status} ${abbreviate(outcome.text)}`,
              );
            }
          },
        ),
        settings(200 + Object.keys(SUBSCRIPTIONS).indexOf(name), Math.max(10, Math.round(RUNS / 2))),
      );
    },
  );

  it('malformed request bodies and variables', async ({ api }) => {
    const documents = [...Object.values(MUTATIONS), ...Object.values(QUERIES)];
    const body = fc.oneof(
      fc.record({
        query: fc.constantFrom(...documents),
        variables: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom<unknown>('{}', [], 1, null)),
      }),
      fc.record({
        query: fc.constantFrom(...documents),
        variables: fc.constant({}),
        operationName: fc.constantFrom<unknown>('Nope', '', 1, null),
      }),
      fc.record({
        query: fc.constantFrom<unknown>(
          '',
          '{',
          'mutation { startSession }',
          'query { session(id: 1) { id } }',
          'subscription { sessionUpdated(id: "x") { id } }',
          `query { ${'viewer { id } '.repeat(3000)} }`,
          `query { ${'session(id: "x") { '.repeat(40)}${'}'.repeat(40)} }`,
          1,
          null,
          ['{ viewer { id } }'],
          '{ __typename }',
        ),
      }),
      fc.string({ maxLength: 50 }),
      fc.constantFrom(
        '',
        'null',
        '[]',
        '{"query": "{ viewer { id } }", "variables": "{"}',
        '{"query": "{ viewer { id } }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}',
      ),
    );
    await holds(
      fc.asyncProperty(tokenKind, body, async (token, request) => {
        await check(api, 'raw request', token, typeof request === 'string' ? request : JSON.stringify(request));
      }),
      settings(200),
    );
  }, 180_000);

  it('random walks through the workflow', async ({ database, agents, api, refs }) => {
    await refreshRefs(database, agents, refs);
    const walkInputs = mutationInputs(30);
    const token = fc.oneof(
      { weight: 12, arbitrary: fc.constant<TokenKind>('agent') },
      { weight: 2, arbitrary: fc.constantFrom<TokenKind>('admin', 'service') },
      { weight: 1, arbitrary: fc.constant<TokenKind>('other') },
    );
    const stepFor = (op: string) =>
      fc.record({ op: fc.constant(op), token, input: walkInputs[op] as fc.Arbitrary<unknown> });
    const anyStep = fc.constantFrom(...names).chain(stepFor);
    // The happy path in order, each step sometimes skipped and sometimes followed by a random one.
    const PATH = [
      'recordMessage',
      'captureTripRequest',
      'linkAvinodeTrip',
      'recordRfqsSent',
      'receiveQuote',
      'receiveQuote',
      'recordMessage',
      'selectPrimaryQuote',
      'generateProposal',
      'sendProposal',
      'pauseSession',
      'recordMessage',
      'completeSession',
      'startSession',
      'recordMessage',
      'archiveSession',
    ];
    const walk = fc
      .tuple(
        ...PATH.map((op) =>
          fc.tuple(
            fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
            stepFor(op),
            fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: anyStep }),
          ),
        ),
      )
      .map((slots) => slots.flatMap(([keep, step, extra]) => [...(keep ? [step] : []), ...(extra ? [extra] : [])]));
    const reached = new Map<string, number>();
    await holds(
      fc.asyncProperty(
        fc.oneof(
          fc.constant('atrip-shared'),
          fc.uuid().map((uuid) => `atrip-walk-${uuid}`),
        ),
        walk,
        async (tripId, steps) => {
          const started = await must(api, 'startSession', { subject: unique('Walk ') });
          const walked = started['session'];
          const context: Refs = {
            ...refs,
            session: [walked.id],
            conversation: [walked.conversation.id],
            tripId: [tripId],
            quote: [],
            version: [walked.version],
          };
          for (const [index, step] of steps.entries()) {
            const outcome = await check(api, `walk step ${index} ${step.op}`, step.token, {
              query: MUTATIONS[step.op] as string,
              variables: { input: resolve(step.input, context) },
            });
            const result = outcome.body?.data?.[step.op] as JsonObject | undefined;
            const sessions = [result?.['session'], ...(result?.['sessions'] ?? [])].filter(Boolean);
            for (const session of sessions) {
              if (!context.session.includes(session.id)) context.session.push(session.id);
              if (session.id === context.session[context.session.length - 1]) context.version = [session.version];
              reached.set(session.currentStep, (reached.get(session.currentStep) ?? 0) + 1);
            }
            if (result?.['quote']?.id) context.quote.push(result['quote'].id);
            if (result?.['quote']?.avinodeQuoteId)
              context.quoteKey = [...context.quoteKey, result['quote'].avinodeQuoteId];
            if (result?.['recorded']?.externalId)
              context.messageKey = [...context.messageKey, result['recorded'].externalId];
          }
        },
      ),
      settings(300, WALK_RUNS),
      // A walk replays dozens of requests: on a shared 2-core machine 64 walks took over 45 s,
      // so the budget (which bounds shrinking, and fails unfinished runs) leaves the test's own timeout room.
      240_000,
    );
    // Not vacuous: walks got deep into the workflow.
    console.info(`fuzz: walk payloads by step ${JSON.stringify(Object.fromEntries(reached))}`);
    expect(
      (reached.get('PROPOSAL_READY') ?? 0) + (reached.get('PROPOSAL_SENT') ?? 0),
      'walks that reached a proposal',
    ).toBeGreaterThan(0);
  }, 300_000);
});

describe('after the runs', () => {
  it('every error carried a known extensions.code', () => {
    const report = [...codeProblems.entries()]
      .map(([shape, { count, example }]) => `• ${count}× ${shape}\n    e.g. ${example}`)
      .join('\n');
    expect(codeProblems.size, `errors without a known extensions.code:\n${report}`).toBe(0);
  });

  it('nothing polluted Object.prototype', () => {
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });

  it('the database invariants hold', async ({ database }) => {
    const violations: string[] = [];
    for (const [name, sql] of Object.entries(INVARIANTS)) {
      const rows = await database.prisma.$queryRawUnsafe<unknown[]>(sql);
      if (rows.length)
        violations.push(
          `${name}: ${abbreviate(rows.slice(0, 5), 1500)}${rows.length > 5 ? ` (+${rows.length - 5} more)` : ''}`,
        );
    }
    const [totals] = await database.prisma.$queryRawUnsafe<Array<Record<string, number>>>(
      `SELECT (SELECT count(*)::int FROM chat_sessions) AS sessions, (SELECT count(*)::int FROM messages) AS messages,
              (SELECT count(*)::int FROM quotes) AS quotes, (SELECT count(*)::int FROM proposals) AS proposals,
              (SELECT count(*)::int FROM session_events) AS events`,
    );
    console.info(`fuzz: seed ${SEED}, ${RUNS} runs per property; database holds ${JSON.stringify(totals)}`);
    expect(violations, violations.join('\n')).toEqual([]);
  });
});

/** Each query returns the rows that break one invariant; all must come back empty. */
const OPEN = `('ACTIVE', 'PAUSED')`;
const INVARIANTS: Record<string, string> = {
  'at most one open session per conversation': `
    SELECT conversation_id::text, count(*)::int AS open FROM chat_sessions WHERE status IN ${OPEN} GROUP BY conversation_id HAVING count(*) > 1`,
  'counters and versions never negative': `
    SELECT id::text, message_count, quotes_received_count, quotes_expected_count, operators_contacted_count, version FROM chat_sessions
    WHERE message_count < 0 OR quotes_received_count < 0 OR quotes_expected_count < 0 OR operators_contacted_count < 0 OR version < 1`,
  'messageCount counts the messages recorded through the session': `
    SELECT s.id::text, s.message_count, r.recorded FROM chat_sessions s
    CROSS JOIN LATERAL (SELECT count(*)::int AS recorded FROM session_events e WHERE e.session_id = s.id AND e.type = 'MESSAGE_RECORDED') r
    WHERE s.message_count <> r.recorded`,
  "a conversation's sessions together count all its messages": `
    SELECT c.id::text, counted.n AS counted, stored.n AS stored FROM conversations c
    CROSS JOIN LATERAL (SELECT coalesce(sum(message_count), 0)::int AS n FROM chat_sessions s WHERE s.conversation_id = c.id) counted
    CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM messages m WHERE m.conversation_id = c.id) stored
    WHERE counted.n <> stored.n`,
  "a conversation's only session counts all its messages": `
    SELECT s.id::text, s.message_count, (SELECT count(*)::int FROM messages m WHERE m.conversation_id = s.conversation_id) AS messages
    FROM chat_sessions s
    WHERE (SELECT count(*) FROM chat_sessions o WHERE o.conversation_id = s.conversation_id) = 1
      AND s.message_count <> (SELECT count(*) FROM messages m WHERE m.conversation_id = s.conversation_id)`,
  'quotesReceivedCount counts QUOTE_RECEIVED events': `
    SELECT s.id::text, s.quotes_received_count, r.received FROM chat_sessions s
    CROSS JOIN LATERAL (SELECT count(*)::int AS received FROM session_events e WHERE e.session_id = s.id AND e.type = 'QUOTE_RECEIVED') r
    WHERE s.quotes_received_count <> r.received`,
  'quotesReceivedCount equals the quotes of an unshared request': `
    SELECT s.id::text, s.request_id::text, s.quotes_received_count, (SELECT count(*)::int FROM quotes q WHERE q.request_id = s.request_id) AS quotes
    FROM chat_sessions s
    WHERE (s.request_id IS NULL AND s.quotes_received_count <> 0)
       OR (s.request_id IS NOT NULL AND (SELECT count(*) FROM chat_sessions o WHERE o.request_id = s.request_id) = 1
           AND s.quotes_received_count <> (SELECT count(*) FROM quotes q WHERE q.request_id = s.request_id))`,
  'quotesExpected and operatorsContacted add up the RFQS_SENT events': `
    SELECT s.id::text, s.quotes_expected_count, s.operators_contacted_count, r.expected, r.contacted FROM chat_sessions s
    CROSS JOIN LATERAL (SELECT coalesce(sum((e.data->>'quotesExpected')::int), 0)::int AS expected, coalesce(sum((e.data->>'operatorsContacted')::int), 0)::int AS contacted
                        FROM session_events e WHERE e.session_id = s.id AND e.type = 'RFQS_SENT') r
    WHERE s.quotes_expected_count <> r.expected OR s.operators_contacted_count <> r.contacted`,
  'no orphan rows': `
    SELECT 'leg' AS kind, l.id::text FROM request_legs l LEFT JOIN requests r ON r.id = l.request_id WHERE r.id IS NULL
    UNION ALL SELECT 'quote without request', q.id::text FROM quotes q LEFT JOIN requests r ON r.id = q.request_id WHERE r.id IS NULL
    UNION ALL SELECT 'quote without operator', q.id::text FROM quotes q LEFT JOIN operators o ON o.id = q.operator_id WHERE o.id IS NULL
    UNION ALL SELECT 'event', e.id::text FROM session_events e LEFT JOIN chat_sessions s ON s.id = e.session_id WHERE s.id IS NULL
    UNION ALL SELECT 'message', m.id::text FROM messages m LEFT JOIN conversations c ON c.id = m.conversation_id WHERE c.id IS NULL
    UNION ALL SELECT 'proposal', p.id::text FROM proposals p LEFT JOIN requests r ON r.id = p.request_id LEFT JOIN quotes q ON q.id = p.quote_id WHERE r.id IS NULL OR q.id IS NULL
    UNION ALL SELECT 'session', s.id::text FROM chat_sessions s LEFT JOIN conversations c ON c.id = s.conversation_id WHERE c.id IS NULL
    UNION ALL SELECT 'request no session refers to, nor any AVINODE_TRIP_LINKED as previousRequestId', r.id::text FROM requests r
      WHERE NOT EXISTS (SELECT 1 FROM chat_sessions s WHERE s.request_id = r.id)
        AND NOT EXISTS (SELECT 1 FROM session_events e WHERE e.type = 'AVINODE_TRIP_LINKED' AND e.data->>'previousRequestId' = r.id::text)
    UNION ALL SELECT 'conversation without a session', c.id::text FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM chat_sessions s WHERE s.conversation_id = c.id)`,
  "sessions share a request only as one agent's sessions of one Avinode trip": `
    SELECT request_id::text, count(*)::int AS sessions, count(DISTINCT iso_agent_id)::int AS agents, count(DISTINCT avinode_trip_id)::int AS trips,
           count(*) FILTER (WHERE avinode_trip_id IS NULL)::int AS unlinked
    FROM chat_sessions WHERE request_id IS NOT NULL GROUP BY request_id
    HAVING count(*) > 1 AND (count(DISTINCT iso_agent_id) > 1 OR count(DISTINCT avinode_trip_id) > 1 OR count(*) FILTER (WHERE avinode_trip_id IS NULL) > 0)`,
  'money never negative, margins 0-100': `
    SELECT 'quote' AS kind, id::text, total_price::text AS amount FROM quotes WHERE total_price < 0
    UNION ALL SELECT 'budget', id::text, budget::text FROM requests WHERE budget < 0
    UNION ALL SELECT 'proposal', id::text, concat(subtotal, ' ', margin_percent, ' ', total) FROM proposals
      WHERE subtotal < 0 OR total < 0 OR margin_percent < 0 OR margin_percent > 100`,
  'proposal numbers unique and well-formed': `
    SELECT number, count(*)::int FROM proposals GROUP BY number HAVING count(*) > 1 OR number !~ '^PROP-[0-9]{4}-[0-9]{6,}$'`,
  'proposal total is subtotal plus margin, rounded half up': `
    SELECT id::text, subtotal::text, margin_percent::text, total::text FROM proposals WHERE total <> round(subtotal * (1 + margin_percent / 100), 2)`,
  'the step matches what the session holds': `
    SELECT s.id::text, s.current_step::text, s.status::text FROM chat_sessions s
    LEFT JOIN proposals p ON p.id = s.proposal_id LEFT JOIN quotes pq ON pq.id = s.primary_quote_id
    WHERE (s.current_step <> 'UNDERSTANDING_REQUEST' AND s.request_id IS NULL)
       OR (s.current_step NOT IN ('UNDERSTANDING_REQUEST', 'SEARCHING_AIRCRAFT') AND s.avinode_trip_id IS NULL)
       OR (s.current_step IN ('ANALYZING_QUOTES', 'PROPOSAL_READY', 'PROPOSAL_SENT') AND NOT EXISTS (SELECT 1 FROM quotes q WHERE q.request_id = s.request_id))
       OR ((s.current_step IN ('PROPOSAL_READY', 'PROPOSAL_SENT')) <> (s.proposal_id IS NOT NULL))
       OR (p.id IS NOT NULL AND (p.request_id IS DISTINCT FROM s.request_id OR p.iso_agent_id <> s.iso_agent_id))
       OR (s.current_step = 'PROPOSAL_SENT' AND (p.status <> 'SENT' OR p.sent_at IS NULL OR p.sent_to IS NULL))
       OR (pq.id IS NOT NULL AND pq.request_id IS DISTINCT FROM s.request_id)`,
  'endedAt is set exactly when the session has ended': `
    SELECT id::text, status::text, session_ended_at FROM chat_sessions WHERE (status IN ('COMPLETED', 'ARCHIVED')) <> (session_ended_at IS NOT NULL)`,
  'rows stay with one agent': `
    SELECT 'session/conversation' AS kind, s.id::text FROM chat_sessions s JOIN conversations c ON c.id = s.conversation_id WHERE c.iso_agent_id <> s.iso_agent_id
    UNION ALL SELECT 'session/request', s.id::text FROM chat_sessions s JOIN requests r ON r.id = s.request_id WHERE r.iso_agent_id <> s.iso_agent_id
    UNION ALL SELECT 'request/client', r.id::text FROM requests r JOIN clients c ON c.id = r.client_id WHERE c.iso_agent_id <> r.iso_agent_id
    UNION ALL SELECT 'event/session', e.id::text FROM session_events e JOIN chat_sessions s ON s.id = e.session_id WHERE e.iso_agent_id <> s.iso_agent_id`,
  "a conversation's lastMessageAt is its newest message": `
    SELECT c.id::text, c.last_message_at, (SELECT max(created_at) FROM messages m WHERE m.conversation_id = c.id) AS newest FROM conversations c
    WHERE c.last_message_at IS DISTINCT FROM (SELECT max(created_at) FROM messages m WHERE m.conversation_id = c.id)`,
  'legs are numbered 1..n, in time order, as many as the trip type allows': `
    SELECT r.id::text, r.trip_type::text, l.n, l.first, l.last FROM requests r
    CROSS JOIN LATERAL (SELECT count(*)::int AS n, min(sequence) AS first, max(sequence) AS last FROM request_legs WHERE request_id = r.id) l
    WHERE l.first IS DISTINCT FROM 1 OR l.last <> l.n
       OR (r.trip_type = 'ONE_WAY' AND l.n <> 1) OR (r.trip_type = 'ROUND_TRIP' AND l.n <> 2) OR (r.trip_type = 'MULTI_CITY' AND l.n NOT BETWEEN 2 AND 20)
       OR EXISTS (SELECT 1 FROM request_legs a JOIN request_legs b ON b.request_id = a.request_id AND b.sequence = a.sequence + 1
                  WHERE a.request_id = r.id AND b.departure_at <= a.departure_at)`,
  'every session starts with exactly one SESSION_STARTED': `
    SELECT s.id::text FROM chat_sessions s
    WHERE (SELECT count(*) FROM session_events e WHERE e.session_id = s.id AND e.type = 'SESSION_STARTED') <> 1
       OR (SELECT type::text FROM session_events e WHERE e.session_id = s.id ORDER BY id LIMIT 1) IS DISTINCT FROM 'SESSION_STARTED'`,
  'the event log replays to the current step and status': `
    SELECT s.id::text, s.current_step::text, s.status::text, st.to_step::text AS logged_step, ss.to_status::text AS logged_status FROM chat_sessions s
    LEFT JOIN LATERAL (SELECT to_step FROM session_events e WHERE e.session_id = s.id AND e.to_step IS NOT NULL ORDER BY id DESC LIMIT 1) st ON true
    LEFT JOIN LATERAL (SELECT to_status FROM session_events e WHERE e.session_id = s.id AND e.to_status IS NOT NULL ORDER BY id DESC LIMIT 1) ss ON true
    WHERE st.to_step IS DISTINCT FROM s.current_step OR ss.to_status IS DISTINCT FROM s.status`,
};
