import { encodeGlobalID } from '@pothos/plugin-relay';
import type { PrismaClient } from '../generated/prisma/client.js';

/**
 * The tabs GraphiQL opens with (until the browser has tabs of its own stored), chosen to return
 * data on the demo data: agent1's dashboard page, one session's whole graph, the live activity feed
 * and a mutation whose event that feed shows. The README's flagship query is `DASHBOARD_QUERY`
 * (test/readme-examples.test.ts holds the two together).
 */

export const DASHBOARD_QUERY = `query Dashboard {
  viewer {
    email
    fullName
    role
  }
  sessions(first: 20, filter: { status: [ACTIVE, PAUSED], search: "vega" }) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        status
        currentStep
        lastActivityAt
        avinodeTripId
        avinodeRfqId
        messageCount
        quotesReceivedCount
        quotesExpectedCount
        conversation {
          subject
          messages(first: 3) {
            edges {
              node {
                senderType
                content
                createdAt
              }
            }
          }
        }
        request {
          tripType
          passengers
          client {
            companyName
          }
          legs {
            departureAirport
            arrivalAirport
            departureAt
          }
        }
        quotes(first: 10) {
          totalCount
          edges {
            node {
              aircraftType
              totalPrice
              currency
              status
              operator {
                name
              }
            }
          }
        }
        primaryQuote {
          aircraftType
          totalPrice
        }
        proposal {
          number
          total
          status
        }
        events(first: 5) {
          edges {
            node {
              type
              fromStep
              toStep
              createdAt
            }
          }
        }
      }
    }
  }
}
`;

const SESSION_GRAPH_QUERY = `# One session and everything under it. $id is one of your open sessions.
query SessionGraph($id: ID!) {
  session(id: $id) {
    id
    status
    currentStep
    version
    startedAt
    lastActivityAt
    avinodeTripId
    avinodeRfqId
    messageCount
    operatorsContactedCount
    quotesExpectedCount
    quotesReceivedCount
    agent {
      email
    }
    conversation {
      subject
      messages(last: 5) {
        totalCount
        edges {
          node {
            senderType
            senderName
            content
            createdAt
          }
        }
      }
    }
    request {
      tripType
      passengers
      aircraftCategory
      budget
      currency
      client {
        companyName
        contactName
        email
      }
      legs {
        sequence
        departureAirport
        arrivalAirport
        departureAt
      }
    }
    quotes(first: 10) {
      totalCount
      edges {
        node {
          id
          aircraftType
          tailNumber
          seats
          totalPrice
          currency
          status
          validUntil
          operator {
            name
          }
        }
      }
    }
    primaryQuote {
      aircraftType
      totalPrice
      currency
    }
    proposal {
      number
      title
      subtotal
      marginPercent
      total
      currency
      status
      sentAt
    }
    events(last: 10) {
      edges {
        node {
          cursor
          type
          fromStep
          toStep
          fromStatus
          toStatus
          createdAt
        }
      }
    }
  }
}
`;

const ACTIVITY_FEED_SUBSCRIPTION = `# Live events of every session you may see. Run it, then run the RecordMessage tab
# (or any mutation, from anywhere): each event appears here as it is committed.
subscription ActivityFeed {
  activityFeed {
    cursor
    type
    createdAt
    fromStep
    toStep
    fromStatus
    toStatus
    session {
      id
      status
      currentStep
      messageCount
      conversation {
        subject
      }
    }
  }
}
`;

const RECORD_MESSAGE_MUTATION = `# Records a chat message on one of your open sessions; the ActivityFeed tab shows its event.
mutation RecordMessage($sessionId: ID!) {
  recordMessage(
    input: { sessionId: $sessionId, senderType: AGENT, content: "Checking availability for your dates now." }
  ) {
    ... on RecordMessagePayload {
      created
      recorded: message {
        id
        senderType
        content
        createdAt
      }
    }
    ... on Error {
      code
      message
    }
  }
}
`;

export type GraphiQLTab = { query: string; variables: string | null; headers: string | null };

/**
 * `sessionId` is the session the SessionGraph and RecordMessage tabs start on; without one
 * (no demo agent, or it has no open session) their variables say what to put there.
 */
export function exampleTabs(headers: string | null, sessionId: string | undefined): GraphiQLTab[] {
  const id = sessionId ?? 'a ChatSession id from the Dashboard tab';
  return [
    { query: DASHBOARD_QUERY, variables: null, headers },
    { query: SESSION_GRAPH_QUERY, variables: JSON.stringify({ id }, null, 2), headers },
    { query: ACTIVITY_FEED_SUBSCRIPTION, variables: null, headers },
    { query: RECORD_MESSAGE_MUTATION, variables: JSON.stringify({ sessionId: id }, null, 2), headers },
  ];
}

/**
 * The agent's open session with the most quotes (the richest graph), active rather than paused,
 * as a global id: open, so that recording a message on it is allowed.
 */
export async function exampleSessionId(
  prisma: Pick<PrismaClient, 'chatSession'>,
  authSubject: string,
): Promise<string | undefined> {
  const session = await prisma.chatSession.findFirst({
    where: { agent: { authSubject }, status: { in: ['ACTIVE', 'PAUSED'] } },
    orderBy: [{ status: 'asc' }, { quotesReceivedCount: 'desc' }, { lastActivityAt: 'desc' }, { id: 'asc' }],
    select: { id: true },
  });
  return session ? encodeGlobalID('ChatSession', session.id) : undefined;
}
