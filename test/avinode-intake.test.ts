import { describe, expect } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import {
  AvinodeInbox,
  credentials,
  digits,
  IntakeSessionEvents,
  link,
  linkedSession,
  RetryAvinodeNotification,
  SessionQuotes,
  storedId,
  tripCode,
  waitForStatus,
} from './harness/avinode-intake.js';
import { deliver, intakeEnvironment, startAvinodeSimulator } from './harness/avinode-simulator.js';
import { createAgent } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { expectData } from './harness/graphql.js';
import { startTestServer, type TestServer } from './harness/server.js';
import { connectWs, subscribeWs } from './harness/subscriptions.js';
import { globalId, sessionAt, uuidOf } from './harness/workflow.js';

const it = base
  // biome-ignore lint/correctness/noEmptyPattern: the simulator needs no other fixture; vitest reads this pattern
  .extend('simulator', { scope: 'file' }, async ({}, { onCleanup }) => {
    const simulator = await startAvinodeSimulator();
    onCleanup(() => simulator.close());
    return simulator;
  })
  // The file's server takes webhooks with the test credentials and fetches from the simulator.
  .extend('serverOptions', { scope: 'file' }, async ({ simulator }) => ({
    environment: intakeEnvironment(simulator, credentials),
  }))
  .extend('adminToken', { scope: 'file' }, async ({ database, server }) =>
    server.tokenFor((await createAgent(database.prisma, 'ADMIN')).authSubject),
  );

// Each test starts with the simulator answering, at once: some tests switch it to a bad day.
it.beforeEach(({ simulator }) => {
  simulator.mode = 'ok';
  simulator.delayMs = 0;
});

const quotesOf = async (server: TestServer, token: string, sessionId: string) =>
  (await expectData(server.url, SessionQuotes, { id: sessionId }, token)).session;

describe('Avinode settings', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-at-least-32-characters' } as const;

  it('refuses weak webhook secrets in production, and half-configured credentials anywhere', () => {
    for (const secret of ['ks7U5twP', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'short-but-not-24-chars']) {
      expect(() =>
        loadConfig({ ...production, AVINODE_WEBHOOK_CLIENT_ID: 'login', AVINODE_WEBHOOK_CLIENT_SECRET: secret }),
      ).toThrow(/weak AVINODE_WEBHOOK_CLIENT_SECRET/);
    }
    const strong = { AVINODE_WEBHOOK_CLIENT_ID: 'login', AVINODE_WEBHOOK_CLIENT_SECRET: 'Zq8#mW2!rT6$vY1&kP4@nB7x' };
    expect(loadConfig({ ...production, ...strong }).avinode.webhook).toMatchObject({ clientId: 'login' });
    expect(() => loadConfig({ AVINODE_WEBHOOK_CLIENT_ID: 'login' })).toThrow(ConfigError);
    expect(() => loadConfig({ AVINODE_API_URL: 'https://sandbox.avinode.com/api' })).toThrow(ConfigError);
  });
});

describe('POST /webhooks/avinode', () => {
  it('answers 401 with WWW-Authenticate: Basic for missing or wrong credentials, and stores nothing', async ({
    database,
    simulator,
    server,
  }) => {
    const before = await database.prisma.avinodeNotification.count();
    const body = { id: 'arfq-1', href: simulator.href('rfqs/arfq-1'), type: 'rfqs' };
    const missing = await deliver(server.origin, body, undefined);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Basic/);
    for (const wrong of [
      { clientId: credentials.clientId, clientSecret: 'wrong-secret' },
      { clientId: 'someone-else', clientSecret: credentials.clientSecret },
      { clientId: `${credentials.clientId}:${credentials.clientSecret}`, clientSecret: '' },
    ]) {
      expect((await deliver(server.origin, body, wrong)).status).toBe(401);
    }
    expect(await database.prisma.avinodeNotification.count()).toBe(before);
  });

  it('refuses bodies that are not the documented shape with 400, or too large with 413, storing nothing', async ({
    database,
    simulator,
    server,
  }) => {
    const before = await database.prisma.avinodeNotification.count();
    const href = simulator.href('rfqs/arfq-2');
    for (const rawBody of [
      'not json',
      '[]',
      '"a string"',
      JSON.stringify({ id: 'arfq-2', type: 'rfqs' }),
      JSON.stringify({ id: 42, href, type: 'rfqs' }),
      JSON.stringify({ envelope: { id: 'arfq-2', href, type: 'rfqs' } }),
    ]) {
      const answer = await deliver(server.origin, undefined, credentials, { rawBody });
      expect(answer.status, rawBody).toBe(400);
    }
    const huge = JSON.stringify({ id: 'arfq-2', href, type: 'rfqs', padding: 'x'.repeat(20_000) });
    expect((await deliver(server.origin, undefined, credentials, { rawBody: huge })).status).toBe(413);
    const badEvent = await deliver(server.origin, { id: 'arfq-2', href, type: 'rfqs' }, credentials, { event: '<x>' });
    expect(badEvent.status).toBe(400);
    expect(await database.prisma.avinodeNotification.count()).toBe(before);
  });

  it('stores the raw notification with its event tag and answers 200 at once, even while the API is down', async ({
    database,
    simulator,
    server,
  }) => {
    simulator.mode = 'down';
    const body = { id: 'arfq-3', href: simulator.href('rfqs/arfq-3'), type: 'rfqs', tripId: 'A1B2C3', extra: { x: 1 } };
    const started = performance.now();
    const answer = await deliver(server.origin, body, credentials, { event: 'TripRequestSellerResponse' });
    const elapsed = performance.now() - started;
    expect(answer.status).toBe(200);
    // Generous for a loaded machine; the point is that nothing waits on Avinode.
    expect(elapsed).toBeLessThan(1_000);
    const stored = await database.prisma.avinodeNotification.findUniqueOrThrow({ where: { id: storedId(answer) } });
    expect(stored).toMatchObject({
      resourceId: 'arfq-3',
      resourceType: 'rfqs',
      tripCode: 'A1B2C3',
      event: 'TripRequestSellerResponse',
      body,
    });
  });

  it('is off (404) on a server without both credentials', async ({ database }) => {
    const plain = await startTestServer(database);
    try {
      const answer = await deliver(plain.origin, { id: 'a-1', href: 'x', type: 'rfqs' }, credentials);
      expect(answer.status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});

describe('the worker', () => {
  it('turns a seller response into a quote on the linked session, live on a subscriber', async ({
    database,
    simulator,
    server,
    token,
  }) => {
    const session = await linkedSession(server, token);
    const ws = connectWs(server.url, token);
    const events = subscribeWs(ws, IntakeSessionEvents, { sessionId: session.id });
    // Let the subscription attach before the quote lands.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const quoteId = `aquote-${digits()}`;
    const body = simulator.sellerQuote({
      messageId: `asellermsg-${digits()}`,
      quoteId,
      rfqId: session.avinodeRfqId,
      price: 147_350,
      tail: 'SBX-9003',
      maxPax: 14,
      validUntil: '2026-03-05T15:04:11Z',
    });
    const id = storedId(await deliver(server.origin, body, credentials, { event: 'TripRequestSellerResponse' }));
    const [row] = await waitForStatus(database.prisma, [id], ['APPLIED']);
    expect(row?.sessionIds).toEqual([session.uuid]);

    const received = await events.waitFor(1);
    expect(received[0]?.data?.sessionEvents).toMatchObject({
      type: 'QUOTE_RECEIVED',
      data: { avinodeQuoteId: quoteId },
    });
    await events.close();
    await ws.client.dispose();

    const read = await quotesOf(server, token, session.id);
    expect(read?.quotesReceivedCount).toBe(1);
    expect(read?.currentStep).toBe('ANALYZING_QUOTES');
    expect(read?.quotes.edges.map((edge) => edge.node)).toEqual([
      {
        avinodeQuoteId: quoteId,
        status: 'RECEIVED',
        totalPrice: '147350.00',
        currency: 'USD',
        aircraftType: 'Falcon 7X',
        tailNumber: 'SBX-9003',
        seats: 14,
        validUntil: '2026-03-05T15:04:11.000Z',
        declineReason: null,
        operator: { avinodeCompanyId: '14013', name: 'Sandbox Dev Operator' },
      },
    ]);
    // The calls carried what AVINODE.md §4 lists.
    const call = simulator.fetches().find((request) => request.path === `/api/tripmsgs/${body.id}`);
    expect(call?.headers).toMatchObject({
      authorization: `Bearer ${simulator.token}`,
      'x-avinode-apitoken': simulator.token,
      'x-avinode-product': expect.any(String),
      'x-avinode-apiversion': 'v1.0',
    });
    expect(Number.isNaN(Date.parse(String(call?.headers['x-avinode-senttimestamp'])))).toBe(false);
    expect(simulator.fetches().some((request) => request.path === `/api/quotes/${quoteId}`)).toBe(true);
  });

  it('records duplicate and parallel deliveries once; a later notification for the same id is applied again', async ({
    database,
    simulator,
    server,
    token,
  }) => {
    const session = await linkedSession(server, token);
    const quoteId = `aquote-${digits()}`;
    const messageId = `asellermsg-${digits()}`;
    const body = simulator.sellerQuote({ messageId, quoteId, rfqId: session.avinodeRfqId, price: 90_000 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => deliver(server.origin, body, credentials)));
    const ids = answers.map(storedId);
    await waitForStatus(database.prisma, ids, ['APPLIED']);
    const once = await quotesOf(server, token, session.id);
    expect(once?.quotesReceivedCount).toBe(1);
    expect(once?.quotes.edges).toHaveLength(1);

    // The operator changes the price: the same message id comes back, and is applied.
    simulator.sellerQuote({ messageId, quoteId, rfqId: session.avinodeRfqId, price: 85_500 });
    await waitForStatus(database.prisma, [storedId(await deliver(server.origin, body, credentials))], ['APPLIED']);
    const updated = await quotesOf(server, token, session.id);
    expect(updated?.quotesReceivedCount).toBe(1);
    expect(updated?.quotes.edges[0]?.node.totalPrice).toBe('85500.00');
    const types = await database.prisma.sessionEvent.findMany({
      where: { sessionId: session.uuid, type: { in: ['QUOTE_RECEIVED', 'QUOTE_UPDATED'] } },
      orderBy: { id: 'asc' },
    });
    expect(types.map((event) => event.type)).toEqual(['QUOTE_RECEIVED', 'QUOTE_UPDATED']);
  });

  it('records an operator chat message once (its Avinode id as externalId) and a decline as a declined quote', async ({
    database,
    simulator,
    server,
    token,
  }) => {
    const session = await linkedSession(server, token);
    const chat = simulator.sellerChat({
      messageId: `asellermsg-${digits()}`,
      rfqId: session.avinodeRfqId,
      text: 'Catering is confirmed for 14:00.',
    });
    const decline = simulator.sellerDecline({ messageId: `asellermsg-${digits()}`, rfqId: session.avinodeRfqId });
    const ids = [
      storedId(await deliver(server.origin, chat, credentials, { event: 'TripChatFromSeller' })),
      storedId(await deliver(server.origin, chat, credentials, { event: 'TripChatFromSeller' })),
      storedId(await deliver(server.origin, decline, credentials)),
    ];
    await waitForStatus(database.prisma, ids, ['APPLIED']);
    const read = await quotesOf(server, token, session.id);
    const messages = read?.conversation.messages.edges.map((edge) => edge.node) ?? [];
    expect(messages.filter((message) => message.senderType === 'OPERATOR')).toEqual([
      { content: 'Catering is confirmed for 14:00.', senderType: 'OPERATOR', senderName: 'Sandbox Dev Operator' },
    ]);
    expect(await database.prisma.message.count({ where: { externalId: chat.id } })).toBe(1);
    expect(read?.quotes.edges.map((edge) => edge.node)).toMatchObject([
      {
        avinodeQuoteId: `${session.avinodeRfqId}:declined`,
        status: 'DECLINED',
        declineReason: 'Unfortunately we cannot offer this trip.',
      },
    ]);
  });

  it('refuses an href on another origin (or outside the API path) without fetching it', async ({
    database,
    simulator,
    server,
  }) => {
    const foreign = storedId(
      await deliver(
        server.origin,
        { id: 'asellermsg-1', href: 'http://127.0.0.1:1/api/tripmsgs/asellermsg-1', type: 'tripmsgs' },
        credentials,
      ),
    );
    const sneaky = storedId(
      await deliver(
        server.origin,
        { id: 'asellermsg-2', href: `${simulator.origin}/admin/../other/tripmsgs/asellermsg-2`, type: 'tripmsgs' },
        credentials,
      ),
    );
    const [first, second] = await waitForStatus(database.prisma, [foreign, sneaky], ['REJECTED']);
    expect(first?.lastError).toMatch(/refused to fetch/);
    expect(second?.lastError).toMatch(/refused to fetch/);
    expect(simulator.requests.filter((request) => /asellermsg-[12]$/.test(request.path))).toEqual([]);
  });

  it('retries while the API is down and applies the quote once when it is back', async ({
    database,
    simulator,
    server,
    token,
  }) => {
    const session = await linkedSession(server, token);
    simulator.mode = 'down';
    const body = simulator.sellerQuote({
      messageId: `asellermsg-${digits()}`,
      quoteId: `aquote-${digits()}`,
      rfqId: session.avinodeRfqId,
    });
    const id = storedId(await deliver(server.origin, body, credentials));
    // A few failed attempts, with the reason kept.
    for (;;) {
      const row = await database.prisma.avinodeNotification.findUniqueOrThrow({ where: { id } });
      if (row.attempts >= 3) {
        expect(row.status).toMatch(/PENDING|PROCESSING/);
        expect(row.lastError).toMatch(/503/);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    simulator.mode = 'ok';
    const [applied] = await waitForStatus(database.prisma, [id], ['APPLIED']);
    expect(applied?.attempts).toBeGreaterThanOrEqual(3);
    expect((await quotesOf(server, token, session.id))?.quotesReceivedCount).toBe(1);
  });

  it('pauses on a refused token and says so on /readyz, then resumes', async ({
    database,
    simulator,
    server,
    token,
  }) => {
    const session = await linkedSession(server, token);
    simulator.mode = 'unauthorized';
    const body = simulator.sellerChat({ messageId: `asellermsg-${digits()}`, rfqId: session.avinodeRfqId, text: 'Hi' });
    const id = storedId(await deliver(server.origin, body, credentials));
    for (;;) {
      const ready = (await (await fetch(`${server.origin}/readyz`)).json()) as { avinode: { worker: string } };
      if (ready.avinode.worker === 'paused') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    let paused = await database.prisma.avinodeNotification.findUniqueOrThrow({ where: { id } });
    while (!paused.lastError) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      paused = await database.prisma.avinodeNotification.findUniqueOrThrow({ where: { id } });
    }
    expect(paused.status).toBe('PENDING');
    // Pausing does not use up the notification's attempts.
    expect(paused.attempts).toBe(0);
    expect(paused.lastError).toMatch(/401/);
    simulator.mode = 'ok';
    await waitForStatus(database.prisma, [id], ['APPLIED']);
    const ready = (await (await fetch(`${server.origin}/readyz`)).json()) as { avinode: { worker: string } };
    expect(ready.avinode.worker).toBe('running');
  });

  it('keeps malformed and unknown-shaped answers as UNPARSEABLE with the reason; an admin retries them', async ({
    database,
    simulator,
    server,
    token,
    adminToken,
  }) => {
    const session = await linkedSession(server, token);
    const bodies = ['malformed', 'unknown-shape'].map(() =>
      simulator.sellerQuote({
        messageId: `asellermsg-${digits()}`,
        quoteId: `aquote-${digits()}`,
        rfqId: session.avinodeRfqId,
      }),
    );
    simulator.mode = 'malformed';
    const malformed = storedId(await deliver(server.origin, bodies[0], credentials));
    const [first] = await waitForStatus(database.prisma, [malformed], ['UNPARSEABLE']);
    expect(first?.lastError).toMatch(/not JSON/);
    simulator.mode = 'unknown-shape';
    const unknown = storedId(await deliver(server.origin, bodies[1], credentials));
    const [second] = await waitForStatus(database.prisma, [unknown], ['UNPARSEABLE']);
    expect(second?.lastError).toMatch(/unexpected shape/);

    simulator.mode = 'ok';
    for (const id of [malformed, unknown]) {
      const retried = await expectData(
        server.url,
        RetryAvinodeNotification,
        { input: { id: globalId('AvinodeNotification', id) } },
        adminToken,
      );
      expect(retried.retryAvinodeNotification).toMatchObject({ retriedCount: 1 });
    }
    await waitForStatus(database.prisma, [malformed, unknown], ['APPLIED']);
    expect((await quotesOf(server, token, session.id))?.quotesReceivedCount).toBe(2);
  });
});

describe('routing', () => {
  it('keeps a quote for a trip nobody linked yet, and applies it when a session links the RFQ', async ({
    database,
    simulator,
    server,
    token,
  }) => {
    const session = await sessionAt(server, token, 'SEARCHING_AIRCRAFT');
    const rfqId = `arfq-${digits()}`;
    const body = simulator.sellerQuote({ messageId: `asellermsg-${digits()}`, quoteId: `aquote-${digits()}`, rfqId });
    const id = storedId(await deliver(server.origin, body, credentials));
    const [parked] = await waitForStatus(database.prisma, [id], ['UNMATCHED']);
    expect(parked?.rfqIds).toEqual([rfqId]);
    await link(server, token, session.id, { avinodeTripId: `atrip-${digits()}`, avinodeRfqId: rfqId });
    const [applied] = await waitForStatus(database.prisma, [id], ['APPLIED']);
    expect(applied?.sessionIds).toEqual([session.uuid]);
    expect((await quotesOf(server, token, session.id))?.quotesReceivedCount).toBe(1);
  });

  it("learns a trip's display code from GET /trips/{id} and routes by it, never to an unrelated session", async ({
    database,
    simulator,
    server,
    token,
  }) => {
    const bystander = await linkedSession(server, token);
    const session = await sessionAt(server, token, 'SEARCHING_AIRCRAFT');
    const avinodeTripId = `atrip-${digits()}`;
    const code = tripCode();
    simulator.trip(avinodeTripId, code);
    // Arrives first, naming the trip only by its display code.
    const body = simulator.sellerQuote({
      messageId: `asellermsg-${digits()}`,
      quoteId: `aquote-${digits()}`,
      rfqId: `arfq-${digits()}`,
      tripCode: code,
    });
    const id = storedId(await deliver(server.origin, body, credentials));
    await waitForStatus(database.prisma, [id], ['UNMATCHED']);
    await link(server, token, session.id, { avinodeTripId });
    const [applied] = await waitForStatus(database.prisma, [id], ['APPLIED']);
    expect(applied?.sessionIds).toEqual([session.uuid]);
    expect((await quotesOf(server, token, session.id))?.avinodeTripCode).toBe(code);
    expect((await quotesOf(server, token, bystander.id))?.quotesReceivedCount).toBe(0);
  });
});

describe('dead letters', () => {
  it('dead-letters after the retry window, keeps the row, and an admin retries all of them', async ({
    database,
    simulator,
    token,
    adminToken,
  }) => {
    const short = await startTestServer(
      database,
      intakeEnvironment(simulator, credentials, { AVINODE_RETRY_FOR_MS: '400' }),
    );
    try {
      const session = await linkedSession(short, token);
      simulator.mode = 'down';
      const body = simulator.sellerQuote({
        messageId: `asellermsg-${digits()}`,
        quoteId: `aquote-${digits()}`,
        rfqId: session.avinodeRfqId,
      });
      const id = storedId(await deliver(short.origin, body, credentials));
      const [dead] = await waitForStatus(database.prisma, [id], ['DEAD_LETTERED']);
      expect(dead?.lastError).toMatch(/gave up after \d+ attempts/);

      const inbox = await expectData(short.url, AvinodeInbox, { status: ['DEAD_LETTERED'], first: 50 }, adminToken);
      expect(inbox.avinodeNotifications.edges.map((edge) => uuidOf(edge.node.id))).toContain(id);
      // Agents do not see the inbox, nor retry.
      const refused = await fetch(short.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ avinodeNotifications { totalCount } }' }),
      });
      expect(((await refused.json()) as { errors?: unknown[] }).errors?.length).toBeGreaterThan(0);
      const agentRetry = await expectData(
        short.url,
        RetryAvinodeNotification,
        { input: { allDeadLettered: true } },
        token,
      );
      expect(agentRetry.retryAvinodeNotification).toMatchObject({ __typename: 'ForbiddenError' });

      simulator.mode = 'ok';
      const retried = await expectData(
        short.url,
        RetryAvinodeNotification,
        { input: { allDeadLettered: true } },
        adminToken,
      );
      expect(retried.retryAvinodeNotification).toMatchObject({ __typename: 'RetryAvinodeNotificationPayload' });
      await waitForStatus(database.prisma, [id], ['APPLIED']);
      const after = await expectData(short.url, AvinodeInbox, { status: ['APPLIED'], first: 100 }, adminToken);
      const node = after.avinodeNotifications.edges.find((edge) => uuidOf(edge.node.id) === id)?.node;
      expect(node?.sessions.map((reached) => reached.id)).toEqual([session.id]);
    } finally {
      await short.stop();
    }
  });
});
