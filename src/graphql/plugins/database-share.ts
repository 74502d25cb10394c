import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../../auth/viewer.js';
import { runAsDatabaseUser } from '../../db/fair-share.js';
import { onOperation } from './operation-hooks.js';

/** Whose share of the pool a viewer's database work counts against: one agent, or one integration. */
export function databaseUserOf(viewer: Viewer): string {
  return viewer.kind === 'service' ? `service:${viewer.subject}` : `agent:${viewer.agent.id}`;
}

/**
 * Runs every operation as its viewer's database user, so the connections its resolvers take
 * count against that viewer's share of the pool (db/fair-share.ts).
 */
export function databaseSharePlugin(): Plugin<{ viewer?: Viewer }> {
  return {
    ...onOperation<{ viewer?: Viewer }>({
      around: ({ contextValue: { viewer } }, run) => (viewer ? runAsDatabaseUser(databaseUserOf(viewer), run) : run()),
    }),
  };
}
