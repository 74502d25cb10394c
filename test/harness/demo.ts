import { seedDemoData } from '../../prisma/seed.js';
import { DEMO_AGENT_SUBJECT } from '../../src/app.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { startTestServer, type TestServer } from './server.js';

export type DemoServer = {
  database: TestDatabase;
  server: TestServer;
  /** agent1's token, the one GraphiQL opens with and `npm start` prints. */
  token: string;
  stop(): Promise<void>;
};

/** A server over a fresh database holding the demo data, as `npm start` serves it in development. */
export async function startDemoServer(environment: NodeJS.ProcessEnv = {}): Promise<DemoServer> {
  const database = await createTestDatabase();
  await seedDemoData(database.prisma);
  const server = await startTestServer(database, environment);
  const token = server.app.demoToken ?? (await server.tokenFor(DEMO_AGENT_SUBJECT));
  return {
    database,
    server,
    token,
    async stop() {
      await server.stop();
      await database.drop();
    },
  };
}
