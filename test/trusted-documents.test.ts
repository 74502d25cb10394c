import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../src/generated/prisma/client.js';
import { graphql } from './generated/index.js';
import { createTestDatabase, type TestDatabase } from './harness/database.js';
import { createAgent } from './harness/factories.js';
import { startTestServer, type TestServer } from './harness/server.js';

const TrustedViewer = graphql(`query TrustedViewer { viewer { id email } }`);
const TrustedStartSession = graphql(`
  mutation TrustedStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ... on StartSessionPayload { session { id conversation { subject } } } }
  }
`);

/** The manifest key codegen gave the document: `sha256:<hex>`. */
function documentIdOf(document: TypedDocumentNode<unknown, never>): string {
  return (document as unknown as { __meta__: { hash: string } }).__meta__.hash;
}

let database: TestDatabase;
let server: TestServer;
let agent: Agent;
let token: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database, { TRUSTED_DOCUMENTS: 'on', EVENT_POLL_INTERVAL_MS: '3600000' });
  agent = await createAgent(database.prisma);
  token = await server.tokenFor(agent.authSubject);
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

/** POSTs a raw GraphQL-over-HTTP body: these tests are about which bodies are accepted. */
async function send(body: Record<string, unknown>) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, ...(JSON.parse(text) as ExecutionResult<Record<string, unknown>>) };
}

const sessionCount = () => database.prisma.chatSession.count({ where: { agentId: agent.id } });

describe('with TRUSTED_DOCUMENTS=on', () => {
  it('runs a manifest operation by documentId', async () => {
    const result = await send({ documentId: documentIdOf(TrustedViewer) });
    expect(result.errors, result.text).toBeUndefined();
    expect(result.data).toMatchObject({ viewer: { email: agent.email } });

    const started = await send({
      documentId: documentIdOf(TrustedStartSession),
      variables: { input: { subject: 'Trusted trip' } },
    });
    expect(started.data, started.text).toMatchObject({
      startSession: { __typename: 'StartSessionPayload', session: { conversation: { subject: 'Trusted trip' } } },
    });
  });

  it('runs a manifest operation by extensions.persistedQuery.sha256Hash', async () => {
    const sha256Hash = documentIdOf(TrustedViewer).replace(/^sha256:/, '');
    const result = await send({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(result.errors, result.text).toBeUndefined();
    expect(result.data).toMatchObject({ viewer: { email: agent.email } });
  });

  it('refuses any query text with PERSISTED_QUERY_ONLY, even the text of a trusted document, before touching the database', async () => {
    const before = await sessionCount();
    for (const query of [
      '{ viewer { id } }',
      print(TrustedViewer),
      'mutation { startSession(input: { subject: "untrusted" }) { __typename } }',
    ]) {
      database.statements.length = 0;
      const result = await send({ query });
      expect(result.status, result.text).toBe(400);
      expect(
        result.errors?.map((error) => error.extensions?.['code']),
        result.text,
      ).toEqual(['PERSISTED_QUERY_ONLY']);
      expect(result.data ?? null).toBeNull();
      expect(database.statements).toEqual([]);
    }
    expect(await sessionCount()).toBe(before);
  });

  it('refuses an unknown id with PERSISTED_QUERY_NOT_FOUND', async () => {
    const unknown = `sha256:${'0'.repeat(64)}`;
    for (const body of [
      { documentId: unknown },
      { extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } },
    ]) {
      const result = await send(body);
      expect(result.status, result.text).toBe(400);
      expect(
        result.errors?.map((error) => error.extensions?.['code']),
        result.text,
      ).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    }
  });

  it('refuses query text smuggled beside a trusted id', async () => {
    const before = await sessionCount();
    const result = await send({
      documentId: documentIdOf(TrustedViewer),
      query: 'mutation { startSession(input: { subject: "smuggled" }) { __typename } }',
    });
    expect(
      result.errors?.map((error) => error.extensions?.['code']),
      result.text,
    ).toEqual(['PERSISTED_QUERY_ONLY']);
    expect(result.data ?? null).toBeNull();
    expect(await sessionCount()).toBe(before);
  });
});
