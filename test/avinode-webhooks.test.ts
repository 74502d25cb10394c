import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials } from './harness/avinode-intake.js';
import { type AvinodeSimulator, startAvinodeSimulator } from './harness/avinode-simulator.js';

/** `npm run avinode:webhooks` against the simulator, run as a broker would run it. */

const run = promisify(execFile);
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
let simulator: AvinodeSimulator;

beforeAll(async () => {
  simulator = await startAvinodeSimulator();
});

afterAll(async () => {
  await simulator?.close();
});

async function webhooks(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/avinode-webhooks.ts', ...args], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      NODE_ENV: 'development',
      AVINODE_API_URL: simulator.url,
      AVINODE_API_TOKEN: simulator.token,
      AVINODE_WEBHOOK_CLIENT_ID: credentials.clientId,
      AVINODE_WEBHOOK_CLIENT_SECRET: credentials.clientSecret,
    },
  });
}

describe('npm run avinode:webhooks', () => {
  it('registers one subscription per event type, updates them in place on a second run, and lists them', async () => {
    const first = await webhooks('register', 'https://broker.example.com');
    expect(first.stdout).toMatch(/^created whs-\d+ TripRequestSellerResponse$/m);
    expect(first.stdout).toMatch(/^created whs-\d+ TripChatFromSeller$/m);
    const settings = [...simulator.webhookSettings.values()];
    expect(settings).toHaveLength(2);
    expect(settings.map((setting) => setting['targetURI'])).toEqual([
      'https://broker.example.com/webhooks/avinode?event=TripRequestSellerResponse',
      'https://broker.example.com/webhooks/avinode?event=TripChatFromSeller',
    ]);
    expect(settings[0]).toMatchObject({
      clientIdentifier: credentials.clientId,
      clientSecret: credentials.clientSecret,
      clientAuthenticationType: 'BASIC',
      active: true,
      eventTypes: ['TripRequestSellerResponse'],
    });
    // Every call carried the API's headers.
    expect(simulator.requests.every((request) => request.headers['x-avinode-apitoken'] === simulator.token)).toBe(true);

    const again = await webhooks('register', 'https://broker.example.com/webhooks/avinode');
    const ids = [...first.stdout.matchAll(/whs-\d+/g)].map((match) => match[0]);
    expect([...again.stdout.matchAll(/^updated (whs-\d+)/gm)].map((match) => match[1])).toEqual(ids);
    expect(simulator.webhookSettings.size).toBe(2);

    const listed = await webhooks('list');
    for (const id of ids) expect(listed.stdout).toMatch(new RegExp(`^${id} active `, 'm'));
  });

  it('says what is missing instead of calling Avinode without credentials', async () => {
    const failed = await run(process.execPath, ['--import', 'tsx', 'scripts/avinode-webhooks.ts', 'list'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/AVINODE_API_URL/) });
  });
});
