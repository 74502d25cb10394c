import type { Agent, PrismaClient } from '../generated/prisma/client.js';
import { InvalidTokenError, type TokenVerifier } from './tokens.js';

/**
 * Who is asking. Agents see their own sessions, admins everything, and integrations
 * (service tokens) may drive the workflow of any session.
 */
export type Viewer =
  | { kind: 'agent'; agent: Agent; isAdmin: boolean; expiresAt: Date | undefined }
  | { kind: 'service'; subject: string; expiresAt: Date | undefined };

export class UnauthenticatedError extends Error {
  override name = 'UnauthenticatedError';
}

/** Reads `Bearer <token>`; anything else is no credential at all. */
export function bearerToken(header: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export async function resolveViewer(
  token: string | undefined,
  verify: TokenVerifier,
  prisma: PrismaClient,
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
  const agent = await prisma.agent.findUnique({ where: { authSubject: claims.subject } });
  if (!agent?.isActive) throw new UnauthenticatedError('No active agent matches this token.');
  return { kind: 'agent', agent, isAdmin: agent.role === 'ADMIN', expiresAt: claims.expiresAt };
}

/** The agent whose data a viewer is limited to, or undefined when it may see everything. */
export function ownerScope(viewer: Viewer): string | undefined {
  return viewer.kind === 'agent' && !viewer.isAdmin ? viewer.agent.id : undefined;
}
