import { randomBytes } from 'node:crypto';
import { signToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config.js';
import { type ServerProcess, startServerProcess } from './services.js';

export type AppProcess = ServerProcess & {
  /** A bearer token for the agent with this auth subject, signed with the process's key. */
  tokenFor(subject: string): Promise<string>;
  /** A service (integration) token, signed with the process's key. */
  serviceToken(subject: string): Promise<string>;
  /** SIGTERM, SIGKILL when it does not go; nothing when it has already exited. For afterAll. */
  end(): Promise<void>;
};

/**
 * The production entry point in a child process over `databaseUrl`, for tests whose subject is
 * the process itself (a lost backend, a full pool, SIGTERM): a signing key of its own, and the
 * rate limits off, because the load is what is tested, not the limit.
 */
export async function startAppProcess(
  name: string,
  databaseUrl: string,
  environment: Record<string, string> = {},
): Promise<AppProcess> {
  const secret = randomBytes(32).toString('hex');
  const auth = loadConfig({ NODE_ENV: 'test', JWT_SECRET: secret }).auth;
  const server = await startServerProcess(name, {
    DATABASE_URL: databaseUrl,
    JWT_SECRET: secret,
    RATE_LIMIT_PER_MINUTE: '0',
    SERVICE_RATE_LIMIT_PER_MINUTE: '0',
    ...environment,
  });
  return {
    ...server,
    tokenFor: (subject) => signToken(auth, { subject }),
    serviceToken: (subject) => signToken(auth, { subject, service: true }),
    async end() {
      if (server.alive()) await server.stop().catch(() => server.child.kill('SIGKILL'));
    },
  };
}
