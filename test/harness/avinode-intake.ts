import type { PrismaClient } from '../../src/generated/prisma/client.js';
import type { AvinodeNotificationStatus } from '../../src/generated/prisma/enums.js';
import { graphql } from '../generated/index.js';
import { unique } from './factories.js';
import { expectData } from './graphql.js';
import type { TestServer } from './server.js';
import { as, LinkAvinodeTrip, sessionAt } from './workflow.js';

/** Helpers for the Avinode intake tests: credentials, a linked session, waiting on the queue. */

export const credentials = { clientId: 'avinode-login', clientSecret: 'a-long-webhook-secret-for-tests' };

/** A session linked to a fresh trip, RFQ and display code (given or not). */
export async function linkedSession(
  server: TestServer,
  token: string,
  options: { withTripCode?: boolean; withRfq?: boolean } = {},
) {
  const session = await sessionAt(server, token, 'SEARCHING_AIRCRAFT');
  const ids = {
    avinodeTripId: `atrip-${digits()}`,
    avinodeRfqId: `arfq-${digits()}`,
    tripCode: tripCode(),
  };
  await link(server, token, session.id, {
    avinodeTripId: ids.avinodeTripId,
    ...(options.withRfq === false ? {} : { avinodeRfqId: ids.avinodeRfqId }),
    ...(options.withTripCode ? { avinodeTripCode: ids.tripCode } : {}),
  });
  return { ...session, ...ids };
}

export async function link(
  server: TestServer,
  token: string,
  sessionId: string,
  input: { avinodeTripId: string; avinodeRfqId?: string; avinodeTripCode?: string },
) {
  const linked = await expectData(server.url, LinkAvinodeTrip, { input: { sessionId, ...input } }, token);
  return as(linked.linkAvinodeTrip, 'LinkAvinodeTripPayload');
}

export function digits(): string {
  return String(Number.parseInt(unique(), 16) % 1_000_000_000).padStart(9, '1');
}

export function tripCode(): string {
  return unique()
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, 'X')
    .slice(0, 6)
    .padEnd(6, 'Q');
}

/** Polls the table until every notification matching `where` has one of `statuses`. */
export async function waitForStatus(
  prisma: PrismaClient,
  ids: string[],
  statuses: AvinodeNotificationStatus[],
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await prisma.avinodeNotification.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    if (rows.length === ids.length && rows.every((row) => statuses.includes(row.status))) return rows;
    if (Date.now() > deadline) {
      throw new Error(`notifications did not reach ${statuses.join('/')}: ${JSON.stringify(rows, null, 2)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const AvinodeInbox = graphql(`
  query AvinodeInbox($status: [AvinodeNotificationStatus!], $first: Int) {
    avinodeNotifications(status: $status, first: $first) {
      totalCount
      edges { node { id resourceId resourceType status attempts lastError event tripCode sessions { id } } }
    }
  }
`);

export const RetryAvinodeNotification = graphql(`
  mutation RetryAvinodeNotification($input: RetryAvinodeNotificationInput!) {
    retryAvinodeNotification(input: $input) {
      __typename
      ... on RetryAvinodeNotificationPayload { retriedCount notifications { id status } }
      ... on Error { code message }
    }
  }
`);

export const SessionQuotes = graphql(`
  query IntakeSessionQuotes($id: ID!) {
    session(id: $id) {
      id quotesReceivedCount messageCount currentStep avinodeTripCode
      quotes(first: 20) { edges { node { avinodeQuoteId status totalPrice currency aircraftType tailNumber seats validUntil declineReason operator { avinodeCompanyId name } } } }
      conversation { messages(first: 20) { edges { node { content senderType senderName } } } }
    }
  }
`);

export const IntakeSessionEvents = graphql(`
  subscription IntakeSessionEvents($sessionId: ID!) {
    sessionEvents(sessionId: $sessionId) { type data }
  }
`);

/** Stored ids of what the receiver answered. */
export function storedId(answer: { status: number; body: Record<string, unknown> }): string {
  if (answer.status !== 200) throw new Error(`delivery refused: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body['id'] as string;
}
