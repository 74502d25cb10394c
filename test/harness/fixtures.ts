import { test as base } from 'vitest';
import type { AppDependencies } from '../../src/app.js';
import type { Agent } from '../../src/generated/prisma/client.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { startDemoServer } from './demo.js';
import { createAgent } from './factories.js';
import { startTestServer, type TestServer } from './server.js';
import { callerFor } from './workflow.js';

export type DatabaseOptions = NonNullable<Parameters<typeof createTestDatabase>[0]>;

export type ServerOptions = {
  /** Settings on top of the test defaults (see startTestServer). */
  environment?: NodeJS.ProcessEnv;
  dependencies?: Pick<AppDependencies, 'traceExporter'>;
};

/**
 * A test file's database and server. Each is made when a test of the file first asks for it
 * and ends after the file's last test, so a file pays for one migration and one listening
 * port however many tests it has. A file says what they start with, and adds its own data:
 *
 *   const it = base
 *     .extend('serverOptions', { scope: 'file' }, { environment: { EVENT_POLL_INTERVAL_MS: '3600000' } })
 *     .extend('sessionId', { scope: 'file' }, async ({ server, token }) => …);
 */
export const it = base
  .extend('databaseOptions', { scope: 'file' }, {} as DatabaseOptions)
  .extend('database', { scope: 'file' }, async ({ databaseOptions }, { onCleanup }) => {
    const database = await createTestDatabase(databaseOptions);
    onCleanup(() => database.drop());
    return database;
  })
  .extend('serverOptions', { scope: 'file' }, {} as ServerOptions)
  .extend('server', { scope: 'file' }, async ({ database, serverOptions }, { onCleanup }) => {
    const server = await startTestServer(database, serverOptions.environment, serverOptions.dependencies);
    onCleanup(() => server.stop());
    return server;
  })
  /** An agent of the file, for tests that act as one ordinary signed-in agent. */
  .extend('agent', { scope: 'file' }, async ({ database }): Promise<Agent> => createAgent(database.prisma))
  /** The agent's bearer token on the file's server. */
  .extend('token', { scope: 'file' }, async ({ server, agent }) => server.tokenFor(agent.authSubject))
  /** Runs operations as that agent. */
  .extend('call', { scope: 'file' }, async ({ server, token }) => callerFor(server, token))
  /** Runs operations as the integration (a service token). */
  .extend('integration', { scope: 'file' }, async ({ server }) => callerFor(server, await server.serviceToken()))
  /** A server of its own over the demo data, as `npm start` serves it (see startDemoServer). */
  .extend('demo', { scope: 'file' }, async ({ serverOptions }, { onCleanup }) => {
    const demo = await startDemoServer(serverOptions.environment);
    onCleanup(() => demo.stop());
    return demo;
  });

/**
 * A file-scoped fixture for one more server on the file's database, with these settings on top
 * of the test defaults: for files that compare configurations or instances.
 *
 *   const it = base.extend('production', { scope: 'file' }, serverWith({ NODE_ENV: 'production', … }));
 */
export function serverWith(environment: NodeJS.ProcessEnv) {
  return async (
    { database }: { database: TestDatabase },
    { onCleanup }: { onCleanup: (cleanup: () => Promise<void>) => void },
  ): Promise<TestServer> => {
    const server = await startTestServer(database, environment);
    onCleanup(() => server.stop());
    return server;
  };
}
