import type { PrismaClient } from '../src/generated/prisma/client.js';
import { formatProposalNumber } from '../src/modules/proposal/proposal-number.js';
import { buildDemoPlan } from './seed-plan.js';

/**
 * Loads the demo data set (prisma/seed-plan.ts) into an empty database: four brokers, their clients,
 * thirteen operators and some seventy chat sessions at every status and step. Deterministic: a fresh
 * database gets the same rows on every run, ids included (event ids and proposal numbers come from
 * database sequences, which start at 1 on a fresh database).
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
  // First pass: which proposals exist, in the order they were generated. The numbers come from the
  // database sequence (never MAX+1), handed out in that order as the live server would have.
  const draft = buildDemoPlan();
  const order = [...draft.proposals].sort(
    (a, b) => time(a.createdAt) - time(b.createdAt) || String(a.id).localeCompare(String(b.id)),
  );

  return prisma.$transaction(
    async (tx) => {
      // Instances starting together on one empty database take turns; the later ones find it seeded.
      await takeSeedLock(tx);
      if (!(await isDatabaseEmpty(tx))) throw new DatabaseNotEmptyError();
      const values = await tx.$queryRaw<{ value: bigint }[]>`
        SELECT nextval('proposal_number_seq') AS value FROM generate_series(1, ${order.length}::int)`;
      const sequence = values.map((row) => BigInt(row.value)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const numbers = new Map(
        order.map((proposal, i) => [
          proposal.id as string,
          formatProposalNumber(new Date(proposal.createdAt as Date).getUTCFullYear(), sequence[i] as bigint),
        ]),
      );
      const plan = buildDemoPlan(numbers);

      // Parents before children. Event ids are the stream cursor, so events go in in time order.
      await tx.agent.createMany({ data: plan.agents });
      await tx.client.createMany({ data: plan.clients });
      await tx.operator.createMany({ data: plan.operators });
      await tx.conversation.createMany({ data: plan.conversations });
      await tx.message.createMany({ data: plan.messages });
      await tx.tripRequest.createMany({ data: plan.requests });
      await tx.tripLeg.createMany({ data: plan.legs });
      await tx.quote.createMany({ data: plan.quotes });
      await tx.proposal.createMany({ data: plan.proposals });
      await tx.chatSession.createMany({ data: plan.sessions });
      await tx.sessionEvent.createMany({
        data: [...plan.events].sort((a, b) => time(a.createdAt) - time(b.createdAt)),
      });

      return {
        agents: plan.agents.length,
        clients: plan.clients.length,
        operators: plan.operators.length,
        conversations: plan.conversations.length,
        messages: plan.messages.length,
        tripRequests: plan.requests.length,
        tripLegs: plan.legs.length,
        quotes: plan.quotes.length,
        proposals: plan.proposals.length,
        sessions: plan.sessions.length,
        sessionEvents: plan.events.length,
      };
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
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

const time = (value: Date | string | undefined) => new Date(value as Date | string).getTime();
