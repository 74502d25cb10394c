import type { Agent, PrismaClient } from '../generated/prisma/client.js';

/** Agents remembered at most, the oldest forgotten first. */
const MAX_AGENTS = 10_000;
/** A remembered row is read again after this, whatever happens. */
const MAX_AGE_MS = 60_000;

/**
 * The agents behind recent tokens, so that a request need not look its viewer up before
 * anything else. A remembered agent is only ever a claim to be confirmed: an operation
 * either confirms it in its own statement (a compiled read checks, in the same SQL, that
 * the agent is still active with the same role) or looks it up first (`confirm`), so a
 * deactivated agent is refused by its very next operation, on every instance. Memory saves
 * the round trip, never the check.
 */
export class AgentMemory {
  private readonly agents = new Map<string, { agent: Agent; until: number }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: { maxAgents?: number; maxAgeMs?: number; clock?: () => number } = {},
  ) {}

  /** The agent last read for this subject, if recent; unconfirmed. */
  recall(subject: string): Agent | undefined {
    const known = this.agents.get(subject);
    if (!known) return undefined;
    if (this.clock() < known.until) return known.agent;
    this.agents.delete(subject);
    return undefined;
  }

  /** Reads the agent now, and remembers it while it is active. */
  async lookUp(subject: string): Promise<Agent | null> {
    const agent = await this.prisma.agent.findUnique({ where: { authSubject: subject } });
    this.agents.delete(subject);
    if (agent?.isActive) {
      if (this.agents.size >= (this.options.maxAgents ?? MAX_AGENTS)) {
        const oldest = this.agents.keys().next().value;
        if (oldest !== undefined) this.agents.delete(oldest);
      }
      this.agents.set(subject, { agent, until: this.clock() + (this.options.maxAgeMs ?? MAX_AGE_MS) });
    }
    return agent;
  }

  private clock(): number {
    return (this.options.clock ?? Date.now)();
  }
}
