import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, type GraphQLFormattedError, print } from 'graphql';
import { type Client, createClient, type SubscribePayload } from 'graphql-ws';
import { describe, expect } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './generated/index.js';
import { it as base } from './harness/fixtures.js';
import type { TestServer } from './harness/server.js';

const TrustedViewer = graphql(`query TrustedViewer { viewer { id email } }`);
const TrustedStartSession = graphql(`
  mutation TrustedStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ... on StartSessionPayload { session { id conversation { subject } } } }
  }
`);
const TrustedActivityFeed = graphql(`subscription TrustedActivityFeed { activityFeed { type session { id } } }`);

/** The manifest key codegen gave the document: `sha256:<hex>`. */
function documentIdOf(document: TypedDocumentNode<unknown, never>): string {
  return (document as unknown as { __meta__: { hash: string } }).__meta__.hash;
}

const it = base
  .extend(
    'serverOptions',
    { scope: 'file' },
    {
      environment: { TRUSTED_DOCUMENTS: 'on', EVENT_POLL_INTERVAL_MS: '3600000' },
    },
  )
  /** POSTs a raw GraphQL-over-HTTP body: these tests are about which bodies are accepted. */
  .extend('send', { scope: 'file' }, async ({ server, token }) => async (body: Record<string, unknown>) => {
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
  })
  .extend(
    'sessionCount',
    { scope: 'file' },
    async ({ database, agent }) =>
      () =>
        database.prisma.chatSession.count({ where: { agentId: agent.id } }),
  );

describe('with TRUSTED_DOCUMENTS=on', () => {
  it('runs a manifest operation by documentId', async ({ agent, send }) => {
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

  it('runs a manifest operation by extensions.persistedQuery.sha256Hash', async ({ agent, send }) => {
    const sha256Hash = documentIdOf(TrustedViewer).replace(/^sha256:/, '');
    const result = await send({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(result.errors, result.text).toBeUndefined();
    expect(result.data).toMatchObject({ viewer: { email: agent.email } });
  });

  it('refuses any query text with PERSISTED_QUERY_ONLY, even the text of a trusted document, before touching the database', async ({
    database,
    send,
    sessionCount,
  }) => {
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

  it('refuses an unknown id with PERSISTED_QUERY_NOT_FOUND', async ({ send }) => {
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

  it('refuses query text smuggled beside a trusted id', async ({ send, sessionCount }) => {
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

/** One graphql-ws operation with any payload: what came as `next`, what came as `error`, and how it ended. */
function overSocket(client: Client, payload: SubscribePayload & Record<string, unknown>) {
  const outcome = {
    results: [] as ExecutionResult[],
    errors: undefined as readonly GraphQLFormattedError[] | undefined,
    ended: undefined as 'complete' | 'error' | undefined,
  };
  let stop: () => void = () => {};
  const done = new Promise<typeof outcome>((resolve) => {
    stop = client.subscribe(payload, {
      next: (result) => outcome.results.push(result as ExecutionResult),
      error: (error) => {
        outcome.errors = Array.isArray(error) ? error : [{ message: String(error) }];
        outcome.ended = 'error';
        resolve(outcome);
      },
      complete: () => {
        outcome.ended = 'complete';
        resolve(outcome);
      },
    });
  });
  return { outcome, done, stop: () => stop() };
}

function openSocket(server: TestServer, token: string): Client {
  return createClient({
    url: server.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    connectionParams: { authorization: `Bearer ${token}` },
  });
}

const codes = (errors: readonly GraphQLFormattedError[] | undefined) =>
  errors?.map((error) => error.extensions?.['code']);

describe('with TRUSTED_DOCUMENTS=on, over WebSocket', () => {
  it('runs manifest operations by documentId and by extensions.persistedQuery.sha256Hash', async ({
    server,
    agent,
    token,
    send,
  }) => {
    const client = openSocket(server, token);
    try {
      // graphql-ws requires a `query` string in every subscribe message: send it empty.
      const byId = await overSocket(client, { query: '', documentId: documentIdOf(TrustedViewer) }).done;
      expect(byId, JSON.stringify(byId)).toMatchObject({
        ended: 'complete',
        results: [{ data: { viewer: { email: agent.email } } }],
      });
      const sha256Hash = documentIdOf(TrustedViewer).replace(/^sha256:/, '');
      const byHash = await overSocket(client, {
        query: '',
        extensions: { persistedQuery: { version: 1, sha256Hash } },
      }).done;
      expect(byHash, JSON.stringify(byHash)).toMatchObject({
        ended: 'complete',
        results: [{ data: { viewer: { email: agent.email } } }],
      });

      const feed = overSocket(client, { query: '', documentId: documentIdOf(TrustedActivityFeed) });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = await send({
        documentId: documentIdOf(TrustedStartSession),
        variables: { input: { subject: 'Trusted live trip' } },
      });
      const sessionId = (started.data as { startSession: { session: { id: string } } }).startSession.session.id;
      for (let waited = 0; feed.outcome.results.length === 0 && waited < 10_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(feed.outcome.results, JSON.stringify(feed.outcome)).toEqual([
        { data: { activityFeed: { type: 'SESSION_STARTED', session: { id: sessionId } } } },
      ]);
      feed.stop();
    } finally {
      await client.dispose();
    }
  });

  it('refuses query text, unknown ids and text smuggled beside an id with the codes HTTP uses, before touching the database', async ({
    server,
    database,
    token,
    sessionCount,
  }) => {
    const client = openSocket(server, token);
    try {
      // Connecting looks the viewer up; what follows must not reach the database at all.
      await overSocket(client, { query: '', documentId: documentIdOf(TrustedViewer) }).done;
      const before = await sessionCount();
      database.statements.length = 0;
      const refusals: Array<[SubscribePayload & Record<string, unknown>, string]> = [
        [{ query: '{ viewer { id } }' }, 'PERSISTED_QUERY_ONLY'],
        [{ query: print(TrustedActivityFeed) }, 'PERSISTED_QUERY_ONLY'],
        [
          { query: 'mutation { startSession(input: { subject: "untrusted" }) { __typename } }' },
          'PERSISTED_QUERY_ONLY',
        ],
        [{ query: '' }, 'PERSISTED_QUERY_ONLY'],
        [{ query: '', documentId: `sha256:${'0'.repeat(64)}` }, 'PERSISTED_QUERY_NOT_FOUND'],
        [
          { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } },
          'PERSISTED_QUERY_NOT_FOUND',
        ],
        [
          {
            query: 'mutation { startSession(input: { subject: "smuggled" }) { __typename } }',
            documentId: documentIdOf(TrustedViewer),
          },
          'PERSISTED_QUERY_ONLY',
        ],
      ];
      for (const [payload, code] of refusals) {
        const refused = await overSocket(client, payload).done;
        expect(refused.ended, JSON.stringify(payload)).toBe('error');
        expect(codes(refused.errors), JSON.stringify(refused)).toEqual([code]);
        expect(refused.results).toEqual([]);
      }
      expect(database.statements).toEqual([]);
      expect(await sessionCount()).toBe(before);
    } finally {
      await client.dispose();
    }
  });
});
