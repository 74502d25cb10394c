import { type App, type AppDependencies, createApp } from '../../src/app.js';
import { signToken } from '../../src/auth/tokens.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';

export type TestServer = {
  app: App;
  config: Config;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  /** http://127.0.0.1:<port> */
  origin: string;
  tokenFor(subject: string, options?: { expiresIn?: string }): Promise<string>;
  serviceToken(): Promise<string>;
  stop(): Promise<void>;
};

/** A real server on a free loopback port, over the given test database. */
export async function startTestServer(
  database: Database,
  environment: NodeJS.ProcessEnv = {},
  dependencies: Pick<AppDependencies, 'traceExporter' | 'logger'> = {},
): Promise<TestServer> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SHUTDOWN_TIMEOUT_MS: '2000',
    // Tests fire hundreds of operations per minute from one viewer; rate-limit tests turn it back on.
    RATE_LIMIT_PER_MINUTE: '0',
    SERVICE_RATE_LIMIT_PER_MINUTE: '0',
    ...environment,
  });
  // A given logger (a test reading the lines) replaces the silent one.
  const app = await createApp({ config, database, logger: createLogger(config.logLevel), ...dependencies });
  const url = (await app.start(0, '127.0.0.1')).replace('localhost', '127.0.0.1');
  return {
    app,
    config,
    url,
    origin: new URL(url).origin,
    tokenFor: (subject, options) => signToken(config.auth, { subject, ...options }),
    serviceToken: () => signToken(config.auth, { subject: 'service:test', service: true }),
    stop: () => app.stop(),
  };
}
