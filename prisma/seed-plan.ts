import type { Prisma, SessionStatus, WorkflowStep } from '../src/generated/prisma/client.js';
import { STEP_ORDER } from '../src/modules/session/workflow.js';
import { DEMO_AGENTS, DEMO_BASE_DATE, DEMO_CLIENTS, demoAuthSubject } from './seed-data.js';
import { DEMO_OPERATORS, demoOperatorId, OPERATORS_CREATED_AT } from './seed-fleet.js';
import { demoUuid, type Rng, rngFor } from './seed-random.js';
import { type ConversationSpec, conversationStory, type SessionSpec } from './seed-session.js';
import type { DemoAction, HousekeepingAction } from './seed-story.js';

/**
 * The whole demo data set, computed without touching a database: the reference rows (brokers,
 * clients, operators) and the story of every conversation, whose it is, how far each got and when.
 * Pure and deterministic, so it can be compared across runs.
 */

export type DemoPlan = {
  agents: Prisma.AgentCreateManyInput[];
  clients: Prisma.ClientCreateManyInput[];
  operators: Prisma.OperatorCreateManyInput[];
  /** Every conversation's actions, merged in time order: the order the services are called in. */
  actions: (DemoAction | HousekeepingAction)[];
};

const DAY = 86_400_000;

/**
 * The admin ran archiveStaleSessions(90) twelve days before the base date. Sessions archived as stale
 * went quiet before its cutoff; every other session that is not archived by then was active after it,
 * so the run archives exactly the ones meant (and, now and then, an old finished deal of a returning
 * client). Sessions 90 to 101 days quiet are left stale for a demo of archiveStaleSessions.
 */
export const HOUSEKEEPING_AT = new Date(DEMO_BASE_DATE.getTime() - 12 * DAY + 3 * 3_600_000);
const STALE_AFTER_DAYS = 90;
/** Ages (in whole days) before which a session goes quiet, by what the housekeeping run must do with it. */
const LAST_KEPT_DAY = 101;
const FIRST_STALE_DAY = 103;
const STATUSES: readonly SessionStatus[] = ['ACTIVE', 'PAUSED', 'COMPLETED', 'ARCHIVED'];
const CHANNELS = ['web-chat', 'web-chat', 'mobile-app', 'slack', 'email-import'];

/** How far sessions usually get, by status: closed sessions mostly got to a sent proposal. */
const STEP_WEIGHTS: Record<SessionStatus, readonly number[]> = {
  ACTIVE: [2, 2, 3, 3, 2, 2],
  PAUSED: [1, 2, 3, 3, 2, 1],
  COMPLETED: [1, 0.5, 1, 1, 1, 8],
  ARCHIVED: [2, 1, 2, 2, 1, 5],
};

/** Extra conversations per agent, on top of the grid that covers every status × step. */
const EXTRA_CONVERSATIONS: Readonly<Record<string, number>> = { agent1: 14, agent2: 12, agent3: 10, admin: 5 };

/** Days since the last activity: open sessions are recent, closed ones spread over ~4 months. */
function ageDays(rng: Rng, s: SessionSpec): number {
  switch (s.status) {
    case 'ACTIVE':
      return rng.int(2, 240) / 24;
    case 'PAUSED':
      return rng.chance(0.1) ? rng.int(91, LAST_KEPT_DAY) : rng.int(36, 40 * 24) / 24;
    case 'COMPLETED':
      return rng.int(2, LAST_KEPT_DAY);
    case 'ARCHIVED':
      return s.archivedBy === 'stale' ? rng.int(FIRST_STALE_DAY, 119) : rng.int(10, LAST_KEPT_DAY);
  }
}

function conversationSpecs(agentIds: ReadonlyMap<string, string>, clientIds: readonly string[]): ConversationSpec[] {
  const rng = rngFor('plan');
  const specs: ConversationSpec[] = [];
  const add = (agentKey: string, sessions: SessionSpec[], age?: number) => {
    const agent = DEMO_AGENTS.find((a) => a.key === agentKey);
    const clients = DEMO_CLIENTS.map((c, i) => ({ ...c, id: clientIds[i] as string })).filter(
      (c) => c.agentKey === agentKey,
    );
    if (!agent || clients.length === 0) throw new Error(`No demo agent or clients for ${agentKey}`);
    const last = sessions[sessions.length - 1] as SessionSpec;
    specs.push({
      key: `c${specs.length + 1}`,
      index: specs.length,
      agent: { id: agentIds.get(agentKey) as string, fullName: agent.fullName },
      client: rng.pick(clients),
      sessions,
      // Plus a random time of day, so that activity does not all land on the hour.
      ageDays: (age ?? ageDays(rng, last)) + rng.int(0, 86_399) / 86_400,
      channel: rng.pick(CHANNELS),
    });
  };

  // Every status at every step, checkerboarded between the two main agents so that each of them has
  // every status and every step. Some paused and completed ones are over 90 days old, so that
  // archiveStaleSessions has something to do.
  STATUSES.forEach((status, statusIndex) => {
    STEP_ORDER.forEach((step, stepIndex) => {
      const s: SessionSpec = {
        status,
        step,
        ...(status === 'ARCHIVED' ? { archivedBy: stepIndex % 2 ? 'agent' : 'stale' } : {}),
      };
      const old = (status === 'PAUSED' || status === 'COMPLETED') && stepIndex % 3 === 0;
      add((statusIndex + stepIndex) % 2 === 0 ? 'agent1' : 'agent2', [s], old ? rng.int(92, LAST_KEPT_DAY) : undefined);
    });
  });

  for (const [agentKey, count] of Object.entries(EXTRA_CONVERSATIONS)) {
    for (let i = 0; i < count; i++) {
      const status = rng.weighted<SessionStatus>([
        ['ACTIVE', 35],
        ['PAUSED', 15],
        ['COMPLETED', 32],
        ['ARCHIVED', 18],
      ]);
      const step = rng.weighted<WorkflowStep>(STEP_ORDER.map((st, n) => [st, STEP_WEIGHTS[status][n] as number]));
      const last: SessionSpec = {
        status,
        step,
        ...(status === 'ARCHIVED' ? { archivedBy: rng.pick(['agent', 'stale'] as const) } : {}),
      };
      // A returning client: the old deal closed, a new one is under way in the same conversation.
      const followUp = (status === 'ACTIVE' || status === 'PAUSED') && rng.chance(0.35);
      const earlier: SessionSpec = { status: 'COMPLETED', step: 'PROPOSAL_SENT' };
      add(agentKey, followUp ? [earlier, last] : [last]);
    }
  }
  return specs;
}

/** The demo data: the same on every run and every machine. */
export function buildDemoPlan(): DemoPlan {
  const agentsCreatedAt = new Date(DEMO_BASE_DATE.getTime() - 365 * DAY);
  const agents = DEMO_AGENTS.map((a) => ({
    id: demoUuid(`agent:${a.email}`, agentsCreatedAt),
    authSubject: demoAuthSubject(a.email),
    email: a.email,
    fullName: a.fullName,
    role: a.role,
    isActive: true,
    createdAt: agentsCreatedAt,
    updatedAt: agentsCreatedAt,
  }));
  const agentIds = new Map(DEMO_AGENTS.map((a, i) => [a.key, agents[i]?.id as string]));
  const clientsCreatedAt = new Date(DEMO_BASE_DATE.getTime() - 300 * DAY);
  const clients = DEMO_CLIENTS.map((c) => ({
    id: demoUuid(`client:${c.agentKey}:${c.email}`, clientsCreatedAt),
    agentId: agentIds.get(c.agentKey) as string,
    companyName: c.companyName,
    contactName: c.contactName,
    email: c.email,
    phone: c.phone,
    createdAt: clientsCreatedAt,
    updatedAt: clientsCreatedAt,
  }));
  const operators = DEMO_OPERATORS.map((o) => ({
    id: demoOperatorId(o),
    avinodeCompanyId: o.avinodeCompanyId,
    name: o.name,
    createdAt: OPERATORS_CREATED_AT,
  }));

  const actions: (DemoAction | HousekeepingAction)[] = [];
  for (const spec of conversationSpecs(
    agentIds,
    clients.map((c) => c.id),
  )) {
    // Told once from time zero to learn how long the conversation runs, then again placed so that its
    // last activity lands `ageDays` before the base date. Same random stream, so the same conversation.
    const duration = conversationStory(spec, 0).lastActivity;
    const lastActivityMs = Math.round(DEMO_BASE_DATE.getTime() - spec.ageDays * DAY);
    actions.push(...conversationStory(spec, lastActivityMs - duration).actions);
  }
  const admin = agents.find((a) => a.role === 'ADMIN') as (typeof agents)[number];
  actions.push({ at: HOUSEKEEPING_AT, kind: 'archive-stale', agentId: admin.id, olderThanDays: STALE_AFTER_DAYS });
  // Stable: actions at the same moment keep their conversation's order.
  actions.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { agents, clients, operators, actions };
}
