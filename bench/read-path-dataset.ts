/**
 * The read-path benchmark's dataset, generated on PostgreSQL with set-based SQL (a few
 * INSERT ... SELECT statements, seconds rather than minutes) into a named database that
 * later runs reuse: generation is skipped when the database exists and says it is complete.
 *
 * Ids are md5-derived UUIDs of each row's number, so every table can reach its parents by
 * arithmetic instead of look-ups. Sizes follow issue 10: 50 agents, 200 operators, 20 clients
 * an agent, one conversation, trip request and session per number; 5-30 messages, 1-3 legs,
 * 3-8 quotes each; a primary quote on half the sessions, a proposal on 30 %; the workflow's
 * events. About one session in ten mentions Aspen (subject or client), which the README's
 * Dashboard query searches for.
 */
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';

export const AGENTS = 50;
const OPERATORS = 200;
const CLIENTS_PER_AGENT = 20;
/** Bump when the generator changes, so a stale cached database is rebuilt. */
const DATASET_VERSION = 1;

export type Dataset = { url: string; sessions: number; generated: boolean; seconds: number };

/** The agent's token subject; the bench signs tokens for these. */
export const agentSubject = (agent: number) => `bench|agent${agent}`;

export async function ensureDataset(serverUrl: string, sessions: number): Promise<Dataset> {
  const name = `bench_read_path_${sessions}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    if (await isComplete(url.toString())) return { url: url.toString(), sessions, generated: false, seconds: 0 };
    const started = performance.now();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    const database = openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 2 });
    try {
      await applyMigrations(database.adapterFactory);
    } finally {
      await database.close();
    }
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query('BEGIN');
      for (const statement of generation(sessions)) await client.query(statement);
      await client.query(
        `CREATE TABLE bench_dataset (version int NOT NULL, sessions int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
      );
      await client.query('INSERT INTO bench_dataset (version, sessions) VALUES ($1, $2)', [DATASET_VERSION, sessions]);
      await client.query('COMMIT');
      await client.query('ANALYZE');
    } finally {
      await client.end();
    }
    return { url: url.toString(), sessions, generated: true, seconds: (performance.now() - started) / 1000 };
  } finally {
    await admin.end();
  }
}

async function isComplete(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch {
    return false; // no such database yet
  }
  try {
    const result = await client.query<{ version: number }>(
      `SELECT version FROM bench_dataset WHERE to_regclass('bench_dataset') IS NOT NULL`,
    );
    return result.rows[0]?.version === DATASET_VERSION;
  } catch {
    return false; // an interrupted generation left no marker table
  } finally {
    await client.end();
  }
}

/** uuid of a row number within a table: stable, so children compute their parents' ids. */
const id = (prefix: string, expression: string) => `md5('${prefix}' || ${expression})::uuid`;

function generation(sessions: number): string[] {
  // Per session number s: its agent, message count, leg count and quote count.
  const agentOf = (s: string) => `((${s} - 1) % ${AGENTS} + 1)`;
  const messagesOf = (s: string) => `(5 + (${s} * 7) % 26)`;
  const legsOf = (s: string) => `(1 + (${s} * 5) % 3)`;
  const quotesOf = (s: string) => `(3 + (${s} * 11) % 6)`;
  const hasPrimary = (s: string) => `(${s} % 2 = 0)`;
  const hasProposal = (s: string) => `(${s} % 10 IN (0, 2, 4))`;
  // Last activity: spread over about 70 days, newest first in number order.
  const activityOf = (s: string) => `(timestamptz '2026-11-30 12:00:00+00' - ${s} * interval '10 minutes')`;
  const airports = `(ARRAY['KTEB','LFPB','KVNY','KASE','EGGW','LSGG','KMIA','KPBI','LIRA','OMDB','KHPN','LFMN'])`;
  return [
    `INSERT INTO iso_agents (id, auth_subject, email, full_name, role, is_active, created_at, updated_at)
     SELECT ${id('a', 'a')}, 'bench|agent' || a, 'agent' || a || '@bench.example', 'Bench Agent ' || a,
            'AGENT', true, now(), now()
     FROM generate_series(1, ${AGENTS}) a`,
    `INSERT INTO operators (id, avinode_company_id, name, created_at)
     SELECT ${id('o', 'o')}, 'bench-op-' || o,
            (ARRAY['Executive Jet','NetJets','VistaJet','Flexjet','Wheels Up','Jet Edge','Luxaviation','GlobeAir'])[1 + o % 8]
              || ' ' || o, now()
     FROM generate_series(1, ${OPERATORS}) o`,
    `INSERT INTO clients (id, iso_agent_id, company_name, contact_name, email, phone, created_at, updated_at)
     SELECT ${id('c', 'c')}, ${id('a', agentOf('c'))},
            CASE WHEN c % 25 = 0 THEN 'Aspen Capital ' || c ELSE 'Holdings ' || c || ' LLC' END,
            'Contact ' || c, 'client' || c || '@bench.example', '+1 555 ' || lpad(c::text, 4, '0'), now(), now()
     FROM generate_series(1, ${AGENTS * CLIENTS_PER_AGENT}) c`,
    `INSERT INTO conversations (id, iso_agent_id, subject, last_message_at, created_at, updated_at)
     SELECT ${id('v', 's')}, ${id('a', agentOf('s'))},
            CASE WHEN s % 13 = 0 THEN 'Aspen ski week, party of ' || (2 + s % 9) ELSE 'Charter request #' || s END,
            ${activityOf('s')}, ${activityOf('s')} - interval '3 days', ${activityOf('s')}
     FROM generate_series(1, ${sessions}) s`,
    `INSERT INTO messages (id, conversation_id, sender_type, sender_name, content, created_at)
     SELECT ${id('m', "s || '-' || k")}, ${id('v', 's')},
            (ARRAY['AGENT','ASSISTANT','OPERATOR','SYSTEM']::"SenderType"[])[1 + k % 4],
            CASE WHEN k % 4 = 2 THEN 'Operator ' || k ELSE NULL END,
            'Message ' || k || ' of conversation ' || s || ': passengers, dates and aircraft preferences discussed.',
            ${activityOf('s')} - (${messagesOf('s')} - k) * interval '7 minutes'
     FROM generate_series(1, ${sessions}) s, generate_series(1, 30) k
     WHERE k <= ${messagesOf('s')}`,
    `INSERT INTO requests (id, iso_agent_id, client_id, trip_type, passengers, aircraft_category, budget, currency,
                           special_requirements, created_at, updated_at)
     SELECT ${id('r', 's')}, ${id('a', agentOf('s'))},
            ${id('c', `(((s - 1) / ${AGENTS}) % ${CLIENTS_PER_AGENT}) * ${AGENTS} + ${agentOf('s')}`)},
            (ARRAY['ONE_WAY','ROUND_TRIP','MULTI_CITY']::"TripType"[])[${legsOf('s')}],
            1 + s % 14, (ARRAY['LIGHT','MIDSIZE','HEAVY'])[1 + s % 3], 20000 + (s % 50) * 1000, 'USD',
            CASE WHEN s % 5 = 0 THEN 'Pets on board' ELSE NULL END,
            ${activityOf('s')} - interval '3 days', ${activityOf('s')}
     FROM generate_series(1, ${sessions}) s`,
    `INSERT INTO request_legs (id, request_id, sequence, departure_airport, arrival_airport, departure_at)
     SELECT ${id('l', "s || '-' || k")}, ${id('r', 's')}, k,
            ${airports}[1 + (s + k - 1) % 12], ${airports}[1 + (s + k) % 12],
            ${activityOf('s')} + interval '14 days' + k * interval '2 days'
     FROM generate_series(1, ${sessions}) s, generate_series(1, 3) k
     WHERE k <= ${legsOf('s')}`,
    `INSERT INTO quotes (id, request_id, operator_id, avinode_quote_id, aircraft_type, tail_number, seats, total_price,
                         currency, valid_until, status, received_at, created_at, updated_at)
     SELECT ${id('q', "s || '-' || k")}, ${id('r', 's')}, ${id('o', `(1 + (s * 7 + k * 13) % ${OPERATORS})`)},
            'aquote-' || s || '-' || k,
            (ARRAY['Citation XLS','Challenger 350','Gulfstream G450','Global 6000','Phenom 300','Falcon 2000'])[1 + (s + k) % 6],
            'N' || (100 + (s * 3 + k) % 900) || 'BJ', 6 + (s + k) % 10, 18000 + ((s * 37 + k * 101) % 90000) + 0.50,
            'USD', ${activityOf('s')} + interval '5 days',
            (ARRAY['RECEIVED','SHORTLISTED','DECLINED','RECEIVED']::"QuoteStatus"[])[1 + k % 4],
            ${activityOf('s')} - (10 - k) * interval '1 hour', ${activityOf('s')}, ${activityOf('s')}
     FROM generate_series(1, ${sessions}) s, generate_series(1, 8) k
     WHERE k <= ${quotesOf('s')}`,
    `INSERT INTO proposals (id, number, request_id, quote_id, iso_agent_id, client_id, title, subtotal, margin_percent,
                            total, currency, status, sent_at, sent_to, created_at, updated_at)
     SELECT ${id('p', 's')}, 'PROP-2026-' || lpad(s::text, 6, '0'), r.id, q.id, r.iso_agent_id, r.client_id,
            'Charter proposal ' || s, q.total_price, 12.50, round(q.total_price * 1.125, 2), 'USD',
            CASE WHEN s % 20 = 0 THEN 'SENT'::"ProposalStatus" ELSE 'READY'::"ProposalStatus" END,
            CASE WHEN s % 20 = 0 THEN ${activityOf('s')} ELSE NULL END,
            CASE WHEN s % 20 = 0 THEN 'client@bench.example' ELSE NULL END,
            ${activityOf('s')}, ${activityOf('s')}
     FROM generate_series(1, ${sessions}) s
     JOIN requests r ON r.id = ${id('r', 's')}
     JOIN quotes q ON q.id = ${id('q', "s || '-1'")}
     WHERE ${hasProposal('s')}`,
    `SELECT setval('proposal_number_seq', ${sessions + 1})`,
    `INSERT INTO chat_sessions (id, conversation_id, request_id, iso_agent_id, status, current_step, avinode_trip_id,
                                avinode_rfp_id, avinode_rfq_id, primary_quote_id, proposal_id, session_started_at,
                                session_ended_at, last_activity_at, workflow_state, metadata, message_count,
                                quotes_received_count, quotes_expected_count, operators_contacted_count, version,
                                created_at, updated_at)
     SELECT ${id('s', 's')}, ${id('v', 's')}, ${id('r', 's')}, ${id('a', agentOf('s'))},
            (ARRAY['ACTIVE','ACTIVE','ACTIVE','PAUSED','COMPLETED','ACTIVE','PAUSED','COMPLETED','ACTIVE','ARCHIVED',
                   'ACTIVE','ACTIVE','COMPLETED','ACTIVE','PAUSED','ACTIVE','ACTIVE','COMPLETED','ACTIVE','ACTIVE']
              ::"SessionStatus"[])[1 + (s / 3) % 20],
            CASE WHEN s % 20 = 0 THEN 'PROPOSAL_SENT'::"WorkflowStep"
                 WHEN ${hasProposal('s')} THEN 'PROPOSAL_READY'::"WorkflowStep"
                 ELSE 'ANALYZING_QUOTES'::"WorkflowStep" END,
            'atrip-' || (64000000 + s), 'arfp-' || (70000000 + s), 'arfq-' || (113000000 + s),
            CASE WHEN ${hasPrimary('s')} THEN ${id('q', "s || '-1'")} ELSE NULL END,
            CASE WHEN ${hasProposal('s')} THEN ${id('p', 's')} ELSE NULL END,
            ${activityOf('s')} - interval '3 days',
            CASE WHEN (s / 3) % 20 IN (4, 7, 9, 12, 17) THEN ${activityOf('s')} ELSE NULL END,
            ${activityOf('s')}, '{"stage": "quotes"}', jsonb_build_object('source', 'bench', 'n', s),
            ${messagesOf('s')}, ${quotesOf('s')}, ${quotesOf('s')} + 2, ${quotesOf('s')} + 4, 8 + ${quotesOf('s')},
            ${activityOf('s')} - interval '3 days', ${activityOf('s')}
     FROM generate_series(1, ${sessions}) s`,
    // The workflow's events, in the order they happened, with the session's state stamped on
    // (so the fill-in trigger has nothing to look up).
    `INSERT INTO session_events (session_id, iso_agent_id, type, from_step, to_step, from_status, to_status, data,
                                 actor_id, created_at, session_status, session_step, session_version)
     SELECT s.id, s.iso_agent_id, e.type::"SessionEventType", e.from_step::"WorkflowStep", e.to_step::"WorkflowStep",
            NULL, NULL, e.data, 'bench', s.session_started_at + e.n * interval '1 minute', s.status, s.current_step,
            s.version
     FROM (SELECT cs.*, row_number() OVER (ORDER BY cs.last_activity_at, cs.id) AS s_number
           FROM chat_sessions cs) s
     CROSS JOIN LATERAL (
       VALUES (1, 'SESSION_STARTED', NULL, 'UNDERSTANDING_REQUEST', '{}'::jsonb),
              (2, 'TRIP_REQUEST_CAPTURED', 'UNDERSTANDING_REQUEST', 'SEARCHING_AIRCRAFT', '{}'::jsonb),
              (3, 'AVINODE_TRIP_LINKED', 'SEARCHING_AIRCRAFT', 'REQUESTING_QUOTES',
                  jsonb_build_object('avinodeTripId', s.avinode_trip_id)),
              (4, 'RFQS_SENT', NULL, NULL, jsonb_build_object('operatorsContacted', s.operators_contacted_count))
       UNION ALL
       SELECT 4 + k, 'QUOTE_RECEIVED', CASE WHEN k = 1 THEN 'REQUESTING_QUOTES' END,
              CASE WHEN k = 1 THEN 'ANALYZING_QUOTES' END, jsonb_build_object('quote', k)
       FROM generate_series(1, s.quotes_received_count) k
       UNION ALL
       SELECT 20, 'PRIMARY_QUOTE_SELECTED', NULL, NULL, '{}'::jsonb WHERE s.primary_quote_id IS NOT NULL
       UNION ALL
       SELECT 21, 'PROPOSAL_GENERATED', 'ANALYZING_QUOTES', 'PROPOSAL_READY', '{}'::jsonb WHERE s.proposal_id IS NOT NULL
       UNION ALL
       SELECT 22, 'PROPOSAL_SENT', 'PROPOSAL_READY', 'PROPOSAL_SENT', '{}'::jsonb WHERE s.current_step = 'PROPOSAL_SENT'
     ) AS e(n, type, from_step, to_step, data)
     ORDER BY s.s_number, e.n`,
  ];
}
