import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import type { Viewer } from './viewer.js';

/** How often each instance re-reads the agents behind its open streams. */
const CHECK_INTERVAL_MS = 2_000;
/** Agents read per statement. */
const CHUNK = 1_000;

type Watcher = { isAdmin: boolean; revoke(reason: string): void };

/**
 * Open streams answer to their agent's standing now, not when they were opened: every
 * couple of seconds each instance reads the agents behind its open streams (one query,
 * however many streams), and a stream whose agent is deactivated or gone, or whose admin
 * rights were taken away, is revoked. Reading the table, rather than listening for an
 * announcement, catches every way `isActive` can change: a mutation, a script, a
 * console, on any instance.
 */
export class AgentRevocations {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    private readonly intervalMs = CHECK_INTERVAL_MS,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Calls `revoke` once the viewer's agent no longer stands; returns the way to stop watching. */
  watch(viewer: Viewer, revoke: (reason: string) => void): () => void {
    // Integration tokens have no row to deactivate; they end when they expire.
    if (viewer.kind !== 'agent') return () => {};
    const agentId = viewer.agent.id;
    const watcher: Watcher = { isAdmin: viewer.isAdmin, revoke };
    let set = this.watchers.get(agentId);
    if (!set) {
      set = new Set();
      this.watchers.set(agentId, set);
    }
    set.add(watcher);
    return () => {
      const current = this.watchers.get(agentId);
      current?.delete(watcher);
      if (current?.size === 0) this.watchers.delete(agentId);
    };
  }

  private async check(): Promise<void> {
    if (this.checking || this.watchers.size === 0) return;
    this.checking = true;
    try {
      const ids = [...this.watchers.keys()];
      for (let start = 0; start < ids.length; start += CHUNK) {
        const chunk = ids.slice(start, start + CHUNK);
        const agents = await this.prisma.agent.findMany({
          where: { id: { in: chunk } },
          select: { id: true, isActive: true, role: true },
        });
        const standing = new Map(agents.map((agent) => [agent.id, agent]));
        for (const id of chunk) {
          const agent = standing.get(id);
          for (const watcher of [...(this.watchers.get(id) ?? [])]) {
            if (!agent?.isActive) watcher.revoke('The agent has been deactivated.');
            else if (watcher.isAdmin && agent.role !== 'ADMIN') watcher.revoke('The agent is no longer an admin.');
          }
        }
      }
    } catch (error) {
      // Streams stay open while the database cannot answer; the next check decides.
      this.logger.warn('could not check the agents of open streams', { error: (error as Error).message });
    } finally {
      this.checking = false;
    }
  }
}
