import { type AuditFail, type AuditResult, serverAudits } from 'graphql-http';
import { describe, expect } from 'vitest';
import { createAgent } from './harness/factories.js';
import { it as base, serverWith } from './harness/fixtures.js';
import type { TestServer } from './harness/server.js';

/**
 * The GraphQL-over-HTTP audits from graphql-http, run against the real server as a
 * signed-in agent, in the default configuration and in production's.
 */
const it = base
  // The audits of the variables parameter query `__type(name: $name)`, so they need
  // introspection, which production turns off by design (production.test.ts checks that).
  .extend(
    'production',
    { scope: 'file' },
    serverWith({ NODE_ENV: 'production', JWT_SECRET: 'conformance-test-secret-0123456789abcdef', INTROSPECTION: 'on' }),
  )
  // An agent of its own, as each configuration had.
  .extend('productionToken', { scope: 'file' }, async ({ database, production }) =>
    production.tokenFor((await createAgent(database.prisma)).authSubject),
  );

async function expectEveryAuditPasses(server: TestServer, token: string, extraHeaders: Record<string, string>) {
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
  if (failures.length) console.error(`${failures.length} of ${results.length} audits failed:\n${failures.join('\n')}`);
  expect(failures, failures.join('\n')).toEqual([]);
  expect(results.length).toBeGreaterThan(30);
}

describe('GraphQL over HTTP conformance (default configuration)', () => {
  it('passes every graphql-http server audit', async ({ server, token }) => {
    await expectEveryAuditPasses(server, token, {});
  });
});

describe('GraphQL over HTTP conformance (production configuration)', () => {
  it('passes every graphql-http server audit', async ({ production, productionToken }) => {
    // Production refuses GET without the CSRF header; a real client sends it.
    await expectEveryAuditPasses(production, productionToken, { 'x-graphql-csrf': '1' });
  });
});
