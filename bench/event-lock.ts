/**
 * What the event-stream lock costs. Every workflow transaction appends its events
 * under one transaction-level advisory lock so that event ids are in commit order
 * (DESIGN §4: resumable subscriptions without gaps). This measures the write path
 * that lock serialises — update a session, append an event, commit — from C
 * concurrent connections on many sessions, with and without the lock, in
 * alternating rounds so machine noise hits both alike.
 *
 *   npx tsx bench/event-lock.ts [--clients 16] [--seconds 5] [--rounds 3] [--sessions 200]
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';
import { createThrowawayDatabase } from './throwaway-database.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    sessions: { type: 'string', default: '200' },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const sessionCount = Number(values.sessions);
const EVENT_STREAM_LOCK = '7402117001';

async function main() {
  const throwaway = await createThrowawayDatabase();
  const pool = new pg.Pool({ connectionString: throwaway.url, max: clients });
  // DROP ... WITH (FORCE) below ends whatever is still connected; that is expected.
  pool.on('error', () => {});
  try {
    const database = openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 2 });
    await applyMigrations(database.adapterFactory);
    await database.close();
    const sessions = await createSessions(pool);
    console.log(
      `event append path · ${clients} connections · ${sessionCount} sessions · ${rounds} × ${seconds} s per mode`,
    );
    console.log('mode          transactions/s  p50 ms  p99 ms');
    const results: Record<string, number[]> = { 'with lock': [], 'without lock': [] };
    for (let round = 0; round < rounds; round++) {
      for (const withLock of [true, false]) {
        const { perSecond, p50, p99 } = await measure(pool, sessions, withLock);
        const mode = withLock ? 'with lock' : 'without lock';
        results[mode]?.push(perSecond);
        console.log(
          `${mode.padEnd(13)} ${perSecond.toFixed(0).padStart(14)} ${p50.toFixed(1).padStart(7)} ${p99.toFixed(1).padStart(7)}`,
        );
      }
    }
    const mean = (list: number[] = []) => list.reduce((sum, value) => sum + value, 0) / Math.max(1, list.length);
    const withLock = mean(results['with lock']);
    const without = mean(results['without lock']);
    console.log(
      `mean: with lock ${withLock.toFixed(0)}/s, without ${without.toFixed(0)}/s: the lock costs ${(100 * (1 - withLock / without)).toFixed(1)} % of write throughput`,
    );
  } finally {
    await pool.end();
    await throwaway.drop();
  }
}

async function createSessions(pool: pg.Pool): Promise<Array<{ id: string; agentId: string }>> {
  const agentId = randomUUID();
  await pool.query(
    `INSERT INTO iso_agents (id, auth_subject, email, full_name, updated_at) VALUES ($1, $2, $3, 'Bench', now())`,
    [agentId, `bench|${agentId}`, `${agentId}@bench.test`],
  );
  const sessions = [];
  for (let index = 0; index < sessionCount; index++) {
    const conversationId = randomUUID();
    const id = randomUUID();
    await pool.query(`INSERT INTO conversations (id, iso_agent_id, updated_at) VALUES ($1, $2, now())`, [
      conversationId,
      agentId,
    ]);
    await pool.query(
      `INSERT INTO chat_sessions (id, conversation_id, iso_agent_id, updated_at) VALUES ($1, $2, $3, now())`,
      [id, conversationId, agentId],
    );
    sessions.push({ id, agentId });
  }
  return sessions;
}

/** One workflow-shaped transaction: lock the session row, bump it, append an event, commit. */
async function transaction(client: pg.PoolClient, session: { id: string; agentId: string }, withLock: boolean) {
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM chat_sessions WHERE id = $1 FOR UPDATE', [session.id]);
  await client.query(
    'UPDATE chat_sessions SET message_count = message_count + 1, version = version + 1, last_activity_at = now() WHERE id = $1',
    [session.id],
  );
  if (withLock) await client.query(`SELECT pg_advisory_xact_lock(${EVENT_STREAM_LOCK})`);
  await client.query(
    `INSERT INTO session_events (session_id, iso_agent_id, type, data) VALUES ($1, $2, 'MESSAGE_RECORDED', '{}')`,
    [session.id, session.agentId],
  );
  await client.query('COMMIT');
}

async function measure(pool: pg.Pool, sessions: Array<{ id: string; agentId: string }>, withLock: boolean) {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = await pool.connect();
      try {
        while (performance.now() < deadline) {
          const session = sessions[next++ % sessions.length] as { id: string; agentId: string };
          const started = performance.now();
          await transaction(client, session, withLock);
          latencies.push(performance.now() - started);
        }
      } finally {
        client.release();
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (quantile: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(quantile * latencies.length))] ?? 0;
  return { perSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

await main();
