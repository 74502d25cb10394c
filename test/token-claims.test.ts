import { SignJWT } from 'jose';
import { describe, expect } from 'vitest';
import { it as base, serverWith } from './harness/fixtures.js';
import { execute } from './harness/graphql.js';
import type { TestServer } from './harness/server.js';
import { connectWs } from './harness/subscriptions.js';

const JWT_SECRET = 'token-claims-test-secret-0123456789abcdef';
const VIEWER = '{ viewer { email } }';

const it = base
  .extend('development', { scope: 'file' }, serverWith({ JWT_SECRET }))
  .extend(
    'production',
    { scope: 'file' },
    serverWith({ NODE_ENV: 'production', JWT_SECRET, JWT_MAX_LIFETIME_SECONDS: '3600' }),
  );

type Claims = Record<string, unknown>;

/** Signs exactly these claims with the servers' secret: a valid signature around any shape. */
function sign(claims: Claims): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
}

const now = () => Math.floor(Date.now() / 1000);

async function expectRefusedOverHttp(server: TestServer, claims: Claims) {
  const result = await execute(server.url, VIEWER, undefined, await sign(claims));
  expect(result.status, JSON.stringify(result)).toBe(401);
  expect(result.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
}

describe('a correctly signed token with a claim of the wrong shape', () => {
  const shapes: Array<[string, unknown]> = [
    ['an object', { equals: 'x' }],
    ['a number', 42],
    ['an array', ['a', 'b']],
    ['an empty string', ''],
    ['a 1,000-character string', 'x'.repeat(1000)],
  ];

  it.for(shapes)('is 401 over HTTP when sub is %s', async ([, sub], { development }) => {
    await expectRefusedOverHttp(development, { sub, exp: now() + 600 });
  });

  it.for(shapes)('closes a WebSocket with 4403 when sub is %s', async ([, sub], { development }) => {
    const socket = connectWs(development.url, await sign({ sub, exp: now() + 600 }));
    expect((await socket.closed).code).toBe(4403);
  });

  it('is 401 when exp is not a number', async ({ development, agent }) => {
    await expectRefusedOverHttp(development, { sub: agent.authSubject, exp: 'tomorrow' });
  });

  it('is 401 when iat is in the future', async ({ development, agent }) => {
    await expectRefusedOverHttp(development, { sub: agent.authSubject, iat: now() + 3600, exp: now() + 7200 });
  });

  it('is 401 when nbf is in the future', async ({ development, agent }) => {
    await expectRefusedOverHttp(development, { sub: agent.authSubject, nbf: now() + 3600, exp: now() + 7200 });
  });
});

describe('token lifetime in production', () => {
  it('accepts a token with exp within the maximum lifetime', async ({ production, agent }) => {
    const token = await sign({ sub: agent.authSubject, iat: now(), exp: now() + 1800 });
    const result = await execute(production.url, VIEWER, undefined, token);
    expect(result.status, JSON.stringify(result)).toBe(200);
    expect(result.data).toEqual({ viewer: { email: agent.email } });
  });

  it('tolerates a few seconds of clock skew on iat', async ({ production, agent }) => {
    const token = await sign({ sub: agent.authSubject, iat: now() + 5, exp: now() + 1800 });
    expect((await execute(production.url, VIEWER, undefined, token)).status).toBe(200);
  });

  it('refuses a token without exp', async ({ production, agent }) => {
    await expectRefusedOverHttp(production, { sub: agent.authSubject, iat: now() });
  });

  it('refuses a token valid for longer than JWT_MAX_LIFETIME_SECONDS', async ({ production, agent }) => {
    await expectRefusedOverHttp(production, { sub: agent.authSubject, iat: now(), exp: now() + 7200 });
  });

  it('refuses a long-lived token without iat by its remaining lifetime', async ({ production, agent }) => {
    await expectRefusedOverHttp(production, { sub: agent.authSubject, exp: now() + 7200 });
  });

  it('closes a WebSocket with 4403 for a token without exp', async ({ production, agent }) => {
    const socket = connectWs(production.url, await sign({ sub: agent.authSubject, iat: now() }));
    expect((await socket.closed).code).toBe(4403);
  });

  it('accepts a token without exp outside production', async ({ development, agent }) => {
    const token = await sign({ sub: agent.authSubject, iat: now() });
    expect((await execute(development.url, VIEWER, undefined, token)).status).toBe(200);
  });
});
