/**
 * The raw limit of the read-path benchmark, run as its own process: bare `node:http` and
 * `pg`, the same pool size and the same JWT verification as the server, one agent look-up
 * and one hand-written statement (bench/read-path-workloads.ts) that builds the response
 * JSON in PostgreSQL, written out as it comes.
 *
 *   DATABASE_URL=... JWT_SECRET=... POOL_SIZE=10 PORT=0 tsx bench/read-path-raw.ts
 *
 * Prints `listening <port>` once it accepts requests; GET /stats answers how many SQL
 * statements it has sent and how many requests it has answered.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { rememberVerifiedTokens } from '../src/auth/token-cache.js';
import { createTokenVerifier, InvalidTokenError } from '../src/auth/tokens.js';
import { bearerToken } from '../src/auth/viewer.js';
import { loadConfig } from '../src/config.js';
import { workloadByOperation } from './read-path-workloads.js';

const pool = new pg.Pool({
  connectionString: process.env['DATABASE_URL'],
  max: Number(process.env['POOL_SIZE'] ?? 10),
});
// The server's own production auth settings and token memory, so verification is the same work on both sides.
const verify = rememberVerifiedTokens(
  createTokenVerifier(
    loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: process.env['JWT_SECRET'],
      DATABASE_URL: process.env['DATABASE_URL'],
    }).auth,
  ),
);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let statements = 0;
let requests = 0;

async function query<Row extends pg.QueryResultRow>(text: string, values: unknown[]) {
  statements++;
  return pool.query<Row>(text, values);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: string) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(body);
}

async function handle(request: IncomingMessage, response: ServerResponse) {
  if (request.method === 'GET' && request.url === '/stats') {
    return send(response, 200, JSON.stringify({ statements, requests }));
  }
  const token = bearerToken(request.headers.authorization);
  if (!token) return send(response, 401, '{"errors":[{"message":"no token"}]}');
  const body = JSON.parse(await readBody(request)) as { operationName?: string; variables?: { id?: string } };
  let subject: string;
  try {
    subject = (await verify(token)).subject;
  } catch (error) {
    if (error instanceof InvalidTokenError) return send(response, 401, '{"errors":[{"message":"bad token"}]}');
    throw error;
  }
  const agents = await query<{ id: string; is_active: boolean; role: string }>(
    'SELECT * FROM iso_agents WHERE auth_subject = $1 LIMIT 1',
    [subject],
  );
  const agent = agents.rows[0];
  if (!agent?.is_active) return send(response, 401, '{"errors":[{"message":"no active agent"}]}');
  // The benchmark signs in as agents only; an admin's unscoped view is not modelled here.
  if (agent.role !== 'AGENT') return send(response, 400, '{"errors":[{"message":"agents only"}]}');
  const workload = workloadByOperation(body.operationName);
  if (!workload) return send(response, 400, '{"errors":[{"message":"unknown operation"}]}');
  const values: unknown[] = [agent.id];
  if (workload.bySession) {
    const [typename, id] = Buffer.from(body.variables?.id ?? '', 'base64')
      .toString('utf8')
      .split(':');
    if (typename !== 'ChatSession' || !id || !UUID.test(id)) {
      return send(response, 400, '{"errors":[{"message":"bad id"}]}');
    }
    values.push(id);
  }
  const result = await query<{ body: string }>(workload.sql, values);
  requests++;
  send(response, 200, result.rows[0]?.body ?? '{"data":null}');
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) => {
    process.stderr.write(`raw: ${(error as Error).stack ?? String(error)}\n`);
    if (!response.headersSent) send(response, 500, '{"errors":[{"message":"internal"}]}');
  });
});
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end().then(() => process.exit(0));
});
