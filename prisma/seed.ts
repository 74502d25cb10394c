import type { PrismaClient } from '../src/generated/prisma/client.js';
import { buildDemoPlan } from './seed-plan.js';
import { replayDemoStory } from './seed-replay.js';

/**
 * Loads the demo data set (prisma/seed-plan.ts) into an empty database: four brokers, their clients,
 * thirteen operators and some seventy chat sessions at every status and step. The brokers, clients
 * and operators are reference data and go in as rows; everything else is told to the workflow's
 * services, each step at the moment it happened in the story (prisma/seed-replay.ts), so the demo's
 * rows and events are the ones the live server writes. Deterministic: a fresh database gets the same
 * rows on every run, ids included (event ids and proposal numbers come from database sequences,
 * which start at 1 on a fresh database, and are taken in the story's order).
 */

export type SeedSummary = {
  agents: number;
  clients: number;
  operators: number;
  conversations: number;
  messages: number;
  tripRequests: number;
  tripLegs: number;
  quotes: number;
  proposals: number;
  sessions: number;
  sessionEvents: number;
};

/** Demo data only ever goes into a database without agents: it must never mix with real data. */
export async function isDatabaseEmpty(prisma: Pick<PrismaClient, 'agent'>): Promise<boolean> {
  return (await prisma.agent.count()) === 0;
}

export class DatabaseNotEmptyError extends Error {
  override name = 'DatabaseNotEmptyError';
  constructor() {
    super('Refusing to seed demo data: the database already has agents. Seed an empty database only.');
  }
}

/** Advisory-lock key held while demo data goes in. */
const SEED_LOCK = 7_402_117_002n;

export async function seedDemoData(prisma: PrismaClient): Promise<SeedSummary> {
  const plan = buildDemoPlan();
  // The reference rows claim the database: instances starting together on one empty database take
  // turns at the lock, and the later ones find it seeded. The story follows, one transaction per step.
  await prisma.$transaction(
    async (tx) => {
      await takeSeedLock(tx);
      if (!(await isDatabaseEmpty(tx))) throw new DatabaseNotEmptyError();
      await tx.agent.createMany({ data: plan.agents });
      await tx.client.createMany({ data: plan.clients });
      await tx.operator.createMany({ data: plan.operators });
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  const agents = await prisma.agent.findMany({ where: { id: { in: plan.agents.map((agent) => agent.id as string) } } });
  try {
    await replayDemoStory(prisma, agents, plan.actions);
  } catch (error) {
    // Each step commits on its own, so what went in before the failure stays, and the database,
    // which has agents now, is not seeded again: say so rather than serve half a demo unexplained.
    throw new Error(
      `Demo data stopped part-way, leaving part of it in the database: ${(error as Error).message}. Seed an empty database.`,
      { cause: error },
    );
  }

  const [conversations, messages, tripRequests, tripLegs, quotes, proposals, sessions, sessionEvents] =
    await Promise.all([
      prisma.conversation.count(),
      prisma.message.count(),
      prisma.tripRequest.count(),
      prisma.tripLeg.count(),
      prisma.quote.count(),
      prisma.proposal.count(),
      prisma.chatSession.count(),
      prisma.sessionEvent.count(),
    ]);
  return {
    agents: plan.agents.length,
    clients: plan.clients.length,
    operators: plan.operators.length,
    conversations,
    messages,
    tripRequests,
    tripLegs,
    quotes,
    proposals,
    sessions,
    sessionEvents,
  };
}

/**
 * Polls for the lock rather than waiting in one statement: the pool's statement timeout (meant
 * for requests) would cancel a blocking wait whenever the other instance's seeding outlasts it,
 * as it does on a loaded machine, and the instance would fail to start.
 */
async function takeSeedLock(tx: Pick<PrismaClient, '$queryRaw'>): Promise<void> {
  for (;;) {
    const [row] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${SEED_LOCK}) AS locked`;
    if (row?.locked) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
