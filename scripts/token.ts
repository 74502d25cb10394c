/**
 * Prints a bearer token; the token is always the last line of output.
 *   npm run token -- agent1@example.com     a seeded (or PostgreSQL-stored) agent
 *   npm run token -- --service              an integration (SERVICE) token
 * With the embedded database it never opens ./.data (PGlite is single-process and
 * the server may be running): demo agents' subjects derive from their email.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { demoAuthSubject } from '../prisma/seed-data.js';
import { signToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { PrismaClient } from '../src/generated/prisma/client.js';

const args = process.argv.slice(2);
const config = loadConfig();
if (!config.auth.secret) {
  process.stderr.write(
    'Tokens can only be printed with an HS256 JWT_SECRET; with JWKS_URL, ask your identity provider.\n',
  );
  process.exit(1);
}

if (args.includes('--service')) {
  process.stdout.write('Service token (integrations may drive any session):\n');
  process.stdout.write(`${await signToken(config.auth, { subject: 'service:cli', service: true })}\n`);
} else {
  const email = args.find((arg) => !arg.startsWith('-'));
  if (!email) {
    process.stderr.write('Usage: npm run token -- <agent email> | --service\n');
    process.exit(2);
  }
  const subject = await subjectFor(email);
  process.stdout.write(`Token for ${email}:\n${await signToken(config.auth, { subject })}\n`);
}

async function subjectFor(email: string): Promise<string> {
  if (config.database.kind !== 'postgres') return demoAuthSubject(email);
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: config.database.url }) });
  try {
    const agent = await prisma.agent.findUnique({ where: { email } });
    if (!agent) {
      process.stderr.write(`No agent with email ${email}.\n`);
      process.exit(1);
    }
    return agent.authSubject;
  } finally {
    await prisma.$disconnect();
  }
}
