import { type AuditFail, type AuditResult, serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './harness/database.js';
import { createAgent } from './harness/factories.js';
import { startTestServer, type TestServer } from './harness/server.js';

/**
 * The GraphQL-over-HTTP audits from graphql-http, run against the real server as a
 * signed-in agent, in the default configuration and in production's.
 */
const configurations: Array<[string, NodeJS.ProcessEnv, Record<string, string>]> = [
  ['default', {}, {}],
  // Production refuses GET without the CSRF header; a real client sends it. The audits of
  // the variables parameter query `__type(name: $name)`, so they need introspection, which
  // production turns off by design (production.test.ts checks that).
  [
    'production',
    { NODE_ENV: 'production', JWT_SECRET: 'conformance-test-secret-0123456789abcdef', INTROSPECTION: 'on' },
    { 'x-graphql-csrf': '1' },
  ],
];

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

describe.each(configurations)(
  'GraphQL over HTTP conformance (%s configuration)',
  (_name, environment, extraHeaders) => {
    let server: TestServer;
    let token: string;

    beforeAll(async () => {
      server = await startTestServer(database, environment);
      token = await server.tokenFor((await createAgent(database.prisma)).authSubject);
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('passes every graphql-http server audit', async () => {
      const fetchFn: typeof fetch = (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', `Bearer ${token}`);
        for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
        return fetch(input, { ...init, headers });
      };
      const audits = serverAudits({ url: server.url, fetchFn });
      const results: AuditResult[] = [];
      for (const audit of audits) results.push(await audit.fn());

      const failures = await Promise.all(
        results
          .filter((result): result is AuditFail => result.status !== 'ok')
          .map(async (result) => {
            const body = await result.response.text().catch(() => '(body already read)');
            return `[${result.status}] ${result.id} ${result.name}\n    reason: ${result.reason}\n    response: HTTP ${result.response.status} ${body.slice(0, 300)}`;
          }),
      );
      if (failures.length)
        console.error(`${failures.length} of ${results.length} audits failed:\n${failures.join('\n')}`);
      expect(failures, failures.join('\n')).toEqual([]);
      expect(results.length).toBeGreaterThan(30);
    });
  },
);
