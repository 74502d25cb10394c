import { ownerScope, type Viewer } from '../auth/viewer.js';

/**
 * Row filters that keep an agent inside its own data. Admins and integrations
 * see everything, so for them every filter is empty. Nested fields need no
 * filter: they hang off a parent that already passed one of these.
 */
export function ownedBy(viewer: Viewer): { agentId?: string } {
  const agentId = ownerScope(viewer);
  return agentId ? { agentId } : {};
}

export function ownedViaConversation(viewer: Viewer) {
  const agentId = ownerScope(viewer);
  return agentId ? { conversation: { agentId } } : {};
}

export function ownedViaRequest(viewer: Viewer) {
  const agentId = ownerScope(viewer);
  return agentId ? { request: { agentId } } : {};
}

/** Operators are shared reference data; an agent may see those that quoted on its trips. */
export function operatorVisibleTo(viewer: Viewer) {
  const agentId = ownerScope(viewer);
  return agentId ? { quotes: { some: { request: { agentId } } } } : {};
}

/** An agent sees only itself among agents. */
export function agentVisibleTo(viewer: Viewer) {
  const agentId = ownerScope(viewer);
  return agentId ? { AND: [{ id: agentId }] } : {};
}
