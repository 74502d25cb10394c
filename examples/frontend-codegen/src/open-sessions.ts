import type { OpenSessionsQuery } from './gql/graphql.js';
import { graphql } from './gql/index.js';

/**
 * What a frontend writes: the document, in place. `npm run example:frontend-codegen` turns it into
 * `OpenSessionsDocument`, a TypedDocumentNode whose result and variables types any GraphQL client
 * (urql, Apollo, graphql-request, a plain fetch) understands.
 */
export const OpenSessions = graphql(`
  query OpenSessions($first: Int!, $after: String) {
    sessions(first: $first, after: $after, filter: { status: [ACTIVE, PAUSED] }) {
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
          conversation {
            subject
          }
          quotes(first: 5) {
            edges {
              node {
                aircraftType
                totalPrice
                currency
              }
            }
          }
        }
      }
    }
  }
`);

/** Typed end to end: `status` is a union of the schema's values, `totalPrice` a decimal string. */
export function cheapestQuote(data: OpenSessionsQuery): string | undefined {
  const prices = data.sessions.edges.flatMap((edge) => edge.node.quotes.edges.map((quote) => quote.node.totalPrice));
  return prices.sort((a, b) => Number(a) - Number(b))[0];
}
