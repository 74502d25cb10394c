import { GraphQLError } from 'graphql';
import type { Viewer } from '../../auth/viewer.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { builder } from '../../graphql/builder.js';
import { ARGUMENT_LIMITS } from '../../graphql/plugins/argument-bounds.js';
import { AgentNode } from '../agent/agent.type.js';
import { ClientNode } from '../client/client.type.js';
import { ownedBy } from '../visibility.js';
import { SessionStatusEnum, WorkflowStepEnum } from './session.enums.js';

export const SessionFilterInput = builder.inputType('SessionFilter', {
  description: 'All given conditions must hold.',
  fields: (t) => ({
    status: t.field({ type: [SessionStatusEnum], required: false, description: 'Any of these statuses.' }),
    step: t.field({ type: [WorkflowStepEnum], required: false, description: 'Any of these steps.' }),
    avinodeTripId: t.string({ required: false, description: 'Linked to this Avinode trip.' }),
    avinodeRfqId: t.string({ required: false, description: 'Linked to this Avinode RFQ.' }),
    clientId: t.globalID({ required: false, for: ClientNode, description: 'Whose trip request is for this client.' }),
    lastActivityAfter: t.field({
      type: 'DateTime',
      required: false,
      description: 'Last activity at or after this instant.',
    }),
    lastActivityBefore: t.field({
      type: 'DateTime',
      required: false,
      description: 'Last activity before this instant (exclusive).',
    }),
    search: t.string({
      required: false,
      description: `Case-insensitive substring of the conversation subject or the client company; up to ${ARGUMENT_LIMITS.maxStringLengthOf['SessionFilter.search']} characters.`,
    }),
    agentId: t.globalID({
      required: false,
      for: AgentNode,
      description: 'This agent’s sessions. Admins and integrations only: an agent gets FORBIDDEN.',
    }),
  }),
});

export type SessionFilter = typeof SessionFilterInput.$inferInput;

export const SessionOrderField = builder.enumType('SessionOrderField', {
  description: 'What sessions can be sorted by.',
  values: {
    LAST_ACTIVITY_AT: { description: 'By `lastActivityAt`.' },
    STARTED_AT: { description: 'By `startedAt`.' },
    UPDATED_AT: { description: 'By `updatedAt`.' },
  } as const,
});

export const OrderDirection = builder.enumType('OrderDirection', {
  description: 'Which way to sort.',
  values: {
    ASC: { description: 'Oldest (smallest) first.' },
    DESC: { description: 'Newest (largest) first.' },
  } as const,
});

export const SessionOrderInput = builder.inputType('SessionOrder', {
  description: 'How to sort sessions; ties are broken by id.',
  fields: (t) => ({
    field: t.field({ type: SessionOrderField, required: true, description: 'The time to sort by.' }),
    direction: t.field({
      type: OrderDirection,
      required: false,
      defaultValue: 'DESC',
      description: 'Newest first unless ASC.',
    }),
  }),
});

export type SessionOrder = typeof SessionOrderInput.$inferInput;

const orderColumns = {
  LAST_ACTIVITY_AT: 'lastActivityAt',
  STARTED_AT: 'startedAt',
  UPDATED_AT: 'updatedAt',
} as const;

/** Newest activity first unless asked otherwise; the id breaks ties so cursors are stable. */
export function sessionOrderBy(order: SessionOrder | null | undefined): Prisma.ChatSessionOrderByWithRelationInput[] {
  const direction = order?.direction === 'ASC' ? 'asc' : 'desc';
  return [{ [orderColumns[order?.field ?? 'LAST_ACTIVITY_AT']]: direction }, { id: direction }];
}

/** The viewer's visibility plus the filter, as one Prisma `where`. */
export function sessionWhere(viewer: Viewer, filter: SessionFilter | null | undefined): Prisma.ChatSessionWhereInput {
  const conditions: Prisma.ChatSessionWhereInput[] = [ownedBy(viewer)];
  if (!filter) return { AND: conditions };
  if (filter.agentId) {
    if (viewer.kind === 'agent' && !viewer.isAdmin) {
      throw new GraphQLError('Only admins may filter sessions by agent.', {
        extensions: { code: 'FORBIDDEN', argument: 'filter.agentId' },
      });
    }
    conditions.push({ agentId: filter.agentId.id });
  }
  if (filter.status?.length) conditions.push({ status: { in: filter.status } });
  if (filter.step?.length) conditions.push({ currentStep: { in: filter.step } });
  if (filter.avinodeTripId) conditions.push({ avinodeTripId: filter.avinodeTripId });
  if (filter.avinodeRfqId) conditions.push({ avinodeRfqId: filter.avinodeRfqId });
  if (filter.clientId) conditions.push({ request: { clientId: filter.clientId.id } });
  if (filter.lastActivityAfter) conditions.push({ lastActivityAt: { gte: filter.lastActivityAfter } });
  if (filter.lastActivityBefore) conditions.push({ lastActivityAt: { lt: filter.lastActivityBefore } });
  // Prisma's `contains` is an ILIKE: a searched % or _ must match itself, not anything.
  const search = filter.search?.trim().replace(/[\\%_]/g, (character) => `\\${character}`);
  if (search) {
    conditions.push({
      OR: [
        { conversation: { subject: { contains: search, mode: 'insensitive' } } },
        { request: { client: { companyName: { contains: search, mode: 'insensitive' } } } },
      ],
    });
  }
  return { AND: conditions };
}
