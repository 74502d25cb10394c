import type { Agent } from '../generated/prisma/client.js';
import type { AgentMemory } from './agent-memory.js';
import { InvalidTokenError, type TokenVerifier } from './tokens.js';

/**
 * Who is asking. Agents see their own sessions, admins everything, and integrations
 * (service tokens) may drive the workflow of any session.
 */
export type Viewer =
  | {
      kind: 'agent';
      agent: Agent;
      isAdmin: boolean;
      expiresAt: Date | undefined;
      /** From memory (agent-memory.ts): the operation must confirm the agent still stands before it acts. */
      remembered?: boolean;
    }
  | { kind: 'service'; subject: string; expiresAt: Date | undefined };

export class UnauthenticatedError extends Error {
  override name = 'UnauthenticatedError';
}

/** Reads `Bearer <token>`; anything else is no credential at all. */
export function bearerToken(header: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * The viewer a token stands for. With `remembered`, an agent read recently may be answered
 * from memory, unconfirmed (see `confirmViewer`); otherwise it is looked up now.
 */
export async function resolveViewer(
  token: string | undefined,
  verify: TokenVerifier,
  agents: AgentMemory,
  { remembered = false }: { remembered?: boolean } = {},
): Promise<Viewer> {
  if (!token) throw new UnauthenticatedError('Authentication required: send Authorization: Bearer <token>.');
  let claims: Awaited<ReturnType<TokenVerifier>>;
  try {
    claims = await verify(token);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new UnauthenticatedError(error.message);
    throw error;
  }
  if (claims.isService) return { kind: 'service', subject: claims.subject, expiresAt: claims.expiresAt };
  const known = remembered ? agents.recall(claims.subject) : undefined;
  if (known) return agentViewer(known, claims.expiresAt, true);
  return agentViewer(await standingAgent(agents, claims.subject), claims.expiresAt, false);
}

/** A remembered viewer as it stands now, looked up again; any other viewer as it is. */
export async function confirmViewer(viewer: Viewer, agents: AgentMemory): Promise<Viewer> {
  if (viewer.kind !== 'agent' || !viewer.remembered) return viewer;
  return agentViewer(await standingAgent(agents, viewer.agent.authSubject), viewer.expiresAt, false);
}

async function standingAgent(agents: AgentMemory, subject: string): Promise<Agent> {
  const agent = await agents.lookUp(subject);
  if (!agent?.isActive) throw new UnauthenticatedError('No active agent matches this token.');
  return agent;
}

function agentViewer(agent: Agent, expiresAt: Date | undefined, remembered: boolean): Viewer {
  return { kind: 'agent', agent, isAdmin: agent.role === 'ADMIN', expiresAt, ...(remembered ? { remembered } : {}) };
}

/** The agent whose data a viewer is limited to, or undefined when it may see everything. */
export function ownerScope(viewer: Viewer): string | undefined {
  return viewer.kind === 'agent' && !viewer.isAdmin ? viewer.agent.id : undefined;
}
