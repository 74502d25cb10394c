import { type App, createApp, DEMO_AGENT_SUBJECT } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { prepareDatabase } from './db/prepare.js';
import { createLogger } from './logger.js';

/** Entry point: read config, prepare the database, listen, drain on SIGTERM. */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = openDatabase(config.database, {
    traceSql: config.tracing !== undefined,
    onConnectionLost: (error) => logger.warn('database connection lost', { error: error.message }),
  });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    try {
      // A signal during start-up lets the step under way finish (never a migration cut in half), then stops.
      const app = await starting.catch(() => undefined);
      await app?.stop();
      await database.close();
      process.exit(0);
    } catch (error) {
      logger.error('shutdown failed', { error });
      process.exit(1);
    }
  };
  // Handled from the first moment, so a signal during start-up is a clean stop, not a kill.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const starting = (async (): Promise<App | undefined> => {
    await prepareDatabase(database, { seedDemoData: config.seedDemoData, logger });
    return stopping ? undefined : await createApp({ config, database, logger });
  })();
  const app = await starting;
  if (!app || stopping) return;
  const url = await app.start();

  logger.info('server listening', { url, database: database.kind, pubsub: config.redisUrl ? 'redis' : 'in-process' });
  process.stdout.write(`\nGraphiQL: ${url}\n`);
  // The demo token is only worth printing when the demo agent exists to answer to it.
  const demoAgent =
    app.demoToken && (await database.prisma.agent.findUnique({ where: { authSubject: DEMO_AGENT_SUBJECT } }));
  if (demoAgent) {
    process.stdout.write(
      `Token for agent1@example.com (GraphiQL already sends it):\nAuthorization: Bearer ${app.demoToken}\n\n`,
    );
  } else {
    process.stdout.write('Tokens: npm run token -- <agent email>  |  npm run token -- --service\n\n');
  }

  // A stray rejection in a dependency must not take every broker's session down with it.
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { error: reason }));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
