import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './errors.js';
import '../modules/agent/agent.type.js';
import '../modules/agent/agent.queries.js';
import '../modules/client/client.type.js';
import '../modules/conversation/conversation.type.js';
import '../modules/trip-request/trip-request.type.js';
import '../modules/quote/quote.type.js';
import '../modules/proposal/proposal.type.js';
import '../modules/activity/session-event.type.js';
import '../modules/session/session.type.js';
import '../modules/session/session.queries.js';
import '../modules/session/session-stats.queries.js';
import '../modules/session/session.mutations.js';
import '../modules/conversation/message.mutations.js';
import '../modules/trip-request/trip-request.mutations.js';
import '../modules/quote/quote.mutations.js';
import '../modules/proposal/proposal.mutations.js';
import '../modules/activity/activity.subscriptions.js';
import '../modules/session/session.subscriptions.js';
import '../modules/avinode-intake/intake.graphql.js';

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

/** The executable schema, sorted so the printed contract diffs cleanly. */
export const schema = lexicographicSortSchema(builder.toSchema());
