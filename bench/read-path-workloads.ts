/**
 * The read-path benchmark's three workloads, each twice: the GraphQL document this server
 * answers, and the one hand-written SQL statement (the raw limit) that builds the same JSON
 * response text in PostgreSQL. Statement parameters: $1 is the viewer's agent id; the session
 * workload's $2 is the session's uuid.
 */

const SESSION_FIELDS = `
  id status currentStep lastActivityAt avinodeTripId
  messageCount quotesReceivedCount quotesExpectedCount operatorsContactedCount
  conversation { subject messages(first: 3) { edges { node { senderType senderName content createdAt } } } }
  request {
    tripType passengers
    client { companyName }
    legs { sequence departureAirport arrivalAirport departureAt }
  }
  quotes(first: 5) { edges { node { id aircraftType totalPrice currency status operator { name } } } }
  primaryQuote { id aircraftType totalPrice currency }
  proposal { number title total currency status sentAt }
`;

export type WorkloadName = 'dashboard page' | 'one session' | 'README Dashboard';

export type Workload = {
  name: WorkloadName;
  operationName: string;
  document: string;
  /** The raw limit's statement; its one column is the response body. */
  sql: string;
  /** Whether the request names one session (its global id in `variables.id`). */
  bySession: boolean;
};

// DateTime and Decimal exactly as the GraphQL scalars print them.
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const globalId = (type: string, column: string) =>
  `replace(encode(convert_to('${type}:' || ${column}, 'UTF8'), 'base64'), E'\\n', '')`;
const cursor = (column: string) => `replace(encode(convert_to('GPC:S:' || ${column}, 'UTF8'), 'base64'), E'\\n', '')`;

/** The nested object of one session `s`, as a json expression (the SESSION_FIELDS selection). */
const sessionNode = `json_build_object(
  'id', ${globalId('ChatSession', 's.id')},
  'status', s.status,
  'currentStep', s.current_step,
  'lastActivityAt', ${iso('s.last_activity_at')},
  'avinodeTripId', s.avinode_trip_id,
  'messageCount', s.message_count,
  'quotesReceivedCount', s.quotes_received_count,
  'quotesExpectedCount', s.quotes_expected_count,
  'operatorsContactedCount', s.operators_contacted_count,
  'conversation', (
    SELECT json_build_object('subject', c.subject, 'messages', json_build_object('edges', COALESCE((
      SELECT json_agg(json_build_object('node', json_build_object(
        'senderType', m.sender_type, 'senderName', m.sender_name, 'content', m.content,
        'createdAt', ${iso('m.created_at')})) ORDER BY m.created_at DESC, m.id DESC)
      FROM (SELECT * FROM messages WHERE conversation_id = c.id ORDER BY created_at DESC, id DESC LIMIT 3) m
    ), '[]'::json)))
    FROM conversations c WHERE c.id = s.conversation_id
  ),
  'request', (
    SELECT json_build_object(
      'tripType', r.trip_type, 'passengers', r.passengers,
      'client', (SELECT json_build_object('companyName', cl.company_name) FROM clients cl WHERE cl.id = r.client_id),
      'legs', COALESCE((
        SELECT json_agg(json_build_object('sequence', l.sequence, 'departureAirport', l.departure_airport,
          'arrivalAirport', l.arrival_airport, 'departureAt', ${iso('l.departure_at')}) ORDER BY l.sequence)
        FROM request_legs l WHERE l.request_id = r.id
      ), '[]'::json))
    FROM requests r WHERE r.id = s.request_id
  ),
  'quotes', json_build_object('edges', COALESCE((
    SELECT json_agg(json_build_object('node', json_build_object(
      'id', ${globalId('Quote', 'q.id')}, 'aircraftType', q.aircraft_type, 'totalPrice', q.total_price::text,
      'currency', q.currency, 'status', q.status, 'operator', json_build_object('name', o.name))) ORDER BY q.id)
    FROM (SELECT * FROM quotes WHERE request_id = s.request_id ORDER BY id LIMIT 5) q
    JOIN operators o ON o.id = q.operator_id
  ), '[]'::json)),
  'primaryQuote', (
    SELECT json_build_object('id', ${globalId('Quote', 'q.id')}, 'aircraftType', q.aircraft_type,
      'totalPrice', q.total_price::text, 'currency', q.currency)
    FROM quotes q WHERE q.id = s.primary_quote_id
  ),
  'proposal', (
    SELECT json_build_object('number', p.number, 'title', p.title, 'total', p.total::text, 'currency', p.currency,
      'status', p.status, 'sentAt', ${iso('p.sent_at')})
    FROM proposals p WHERE p.id = s.proposal_id
  )
)`;

const dashboardPage: Workload = {
  name: 'dashboard page',
  operationName: 'BenchDashboardPage',
  document: `query BenchDashboardPage {
    sessions(first: 50) { totalCount edges { node { ${SESSION_FIELDS} } } }
  }`,
  bySession: false,
  sql: `SELECT json_build_object('data', json_build_object('sessions', json_build_object(
    'totalCount', (SELECT count(*) FROM chat_sessions WHERE iso_agent_id = $1),
    'edges', COALESCE((SELECT json_agg(json_build_object('node', page.node) ORDER BY page.last_activity_at DESC, page.id DESC)
      FROM (SELECT s.last_activity_at, s.id, ${sessionNode} AS node
            FROM chat_sessions s WHERE s.iso_agent_id = $1
            ORDER BY s.last_activity_at DESC, s.id DESC LIMIT 50) page), '[]'::json))))::text AS body`,
};

const oneSession: Workload = {
  name: 'one session',
  operationName: 'BenchOneSession',
  document: `query BenchOneSession($id: ID!) { session(id: $id) { ${SESSION_FIELDS} } }`,
  bySession: true,
  sql: `SELECT json_build_object('data', json_build_object('session',
    (SELECT ${sessionNode} FROM chat_sessions s WHERE s.id = $2 AND s.iso_agent_id = $1)))::text AS body`,
};

/** README.md's "query Dashboard", word for word. */
const readmeDashboard: Workload = {
  name: 'README Dashboard',
  operationName: 'Dashboard',
  document: `query Dashboard {
  viewer { email fullName role }
  sessions(first: 20, filter: { status: [ACTIVE, PAUSED], search: "aspen" }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id status currentStep lastActivityAt avinodeTripId avinodeRfqId
        messageCount quotesReceivedCount quotesExpectedCount
        conversation { subject messages(first: 3) { edges { node { senderType content createdAt } } } }
        request {
          tripType passengers
          client { companyName }
          legs { departureAirport arrivalAirport departureAt }
        }
        quotes(first: 10) {
          totalCount
          edges { node { aircraftType totalPrice currency status operator { name } } }
        }
        primaryQuote { aircraftType totalPrice }
        proposal { number total status }
        events(first: 5) { edges { node { type fromStep toStep createdAt } } }
      }
    }
  }
}`,
  bySession: false,
  sql: `WITH matching AS (
      SELECT s.* FROM chat_sessions s
      WHERE s.iso_agent_id = $1 AND s.status IN ('ACTIVE', 'PAUSED')
        AND (EXISTS (SELECT 1 FROM conversations c WHERE c.id = s.conversation_id AND c.subject ILIKE '%aspen%')
          OR EXISTS (SELECT 1 FROM requests r JOIN clients cl ON cl.id = r.client_id
                     WHERE r.id = s.request_id AND cl.company_name ILIKE '%aspen%'))
    ),
    page AS (SELECT * FROM matching ORDER BY last_activity_at DESC, id DESC LIMIT 21),
    shown AS (SELECT * FROM page ORDER BY last_activity_at DESC, id DESC LIMIT 20),
    nodes AS (
      SELECT s.last_activity_at, s.id, json_build_object(
        'id', ${globalId('ChatSession', 's.id')},
        'status', s.status, 'currentStep', s.current_step, 'lastActivityAt', ${iso('s.last_activity_at')},
        'avinodeTripId', s.avinode_trip_id, 'avinodeRfqId', s.avinode_rfq_id,
        'messageCount', s.message_count, 'quotesReceivedCount', s.quotes_received_count,
        'quotesExpectedCount', s.quotes_expected_count,
        'conversation', (
          SELECT json_build_object('subject', c.subject, 'messages', json_build_object('edges', COALESCE((
            SELECT json_agg(json_build_object('node', json_build_object(
              'senderType', m.sender_type, 'content', m.content, 'createdAt', ${iso('m.created_at')}))
              ORDER BY m.created_at DESC, m.id DESC)
            FROM (SELECT * FROM messages WHERE conversation_id = c.id ORDER BY created_at DESC, id DESC LIMIT 3) m
          ), '[]'::json)))
          FROM conversations c WHERE c.id = s.conversation_id
        ),
        'request', (
          SELECT json_build_object(
            'tripType', r.trip_type, 'passengers', r.passengers,
            'client', (SELECT json_build_object('companyName', cl.company_name) FROM clients cl WHERE cl.id = r.client_id),
            'legs', COALESCE((
              SELECT json_agg(json_build_object('departureAirport', l.departure_airport,
                'arrivalAirport', l.arrival_airport, 'departureAt', ${iso('l.departure_at')}) ORDER BY l.sequence)
              FROM request_legs l WHERE l.request_id = r.id
            ), '[]'::json))
          FROM requests r WHERE r.id = s.request_id
        ),
        'quotes', json_build_object(
          'totalCount', (SELECT count(*) FROM quotes WHERE request_id = s.request_id),
          'edges', COALESCE((
            SELECT json_agg(json_build_object('node', json_build_object(
              'aircraftType', q.aircraft_type, 'totalPrice', q.total_price::text, 'currency', q.currency,
              'status', q.status, 'operator', json_build_object('name', o.name))) ORDER BY q.id)
            FROM (SELECT * FROM quotes WHERE request_id = s.request_id ORDER BY id LIMIT 10) q
            JOIN operators o ON o.id = q.operator_id
          ), '[]'::json)),
        'primaryQuote', (
          SELECT json_build_object('aircraftType', q.aircraft_type, 'totalPrice', q.total_price::text)
          FROM quotes q WHERE q.id = s.primary_quote_id
        ),
        'proposal', (
          SELECT json_build_object('number', p.number, 'total', p.total::text, 'status', p.status)
          FROM proposals p WHERE p.id = s.proposal_id
        ),
        'events', json_build_object('edges', COALESCE((
          SELECT json_agg(json_build_object('node', json_build_object(
            'type', e.type, 'fromStep', e.from_step, 'toStep', e.to_step, 'createdAt', ${iso('e.created_at')}))
            ORDER BY e.id)
          FROM (SELECT * FROM session_events WHERE session_id = s.id ORDER BY id LIMIT 5) e
        ), '[]'::json))
      ) AS node
      FROM shown s
    )
    SELECT json_build_object('data', json_build_object(
      'viewer', (SELECT json_build_object('email', a.email, 'fullName', a.full_name, 'role', a.role)
                 FROM iso_agents a WHERE a.id = $1),
      'sessions', json_build_object(
        'totalCount', (SELECT count(*) FROM matching),
        'pageInfo', json_build_object(
          'hasNextPage', (SELECT count(*) FROM page) > 20,
          'endCursor', (SELECT ${cursor('id')} FROM shown ORDER BY last_activity_at ASC, id ASC LIMIT 1)),
        'edges', COALESCE((SELECT json_agg(json_build_object('node', node) ORDER BY last_activity_at DESC, id DESC)
                           FROM nodes), '[]'::json))))::text AS body`,
};

export const WORKLOADS: Workload[] = [dashboardPage, oneSession, readmeDashboard];

export function workloadByOperation(operationName: string | undefined): Workload | undefined {
  return WORKLOADS.find((workload) => workload.operationName === operationName);
}
