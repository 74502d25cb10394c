import { describe, expect, it } from 'vitest';
import { rememberVerifiedTokens } from '../src/auth/token-cache.js';
import { InvalidTokenError, type TokenClaims } from '../src/auth/tokens.js';

/** A verifier that counts its checks and accepts the tokens it is told to, with their expiry. */
function countingVerifier(accepted: Map<string, Date | undefined>) {
  const checks: string[] = [];
  const verify = async (token: string): Promise<TokenClaims> => {
    checks.push(token);
    if (!accepted.has(token)) throw new InvalidTokenError('Invalid token: signature verification failed');
    return { subject: `sub-${token}`, isService: false, expiresAt: accepted.get(token) };
  };
  return { verify, checks };
}

describe('remembered token verification (src/auth/token-cache.ts)', () => {
  const start = Date.UTC(2026, 11, 3, 12);

  it('checks a token once, then answers from memory until it expires (with the clock tolerance)', async () => {
    let time = start;
    const { verify, checks } = countingVerifier(new Map([['a', new Date(start + 60_000)]]));
    const remembered = rememberVerifiedTokens(verify, { clock: () => time });
    for (let index = 0; index < 5; index++) expect((await remembered('a')).subject).toBe('sub-a');
    expect(checks).toEqual(['a']);
    // Still within exp + 30 s tolerance: remembered.
    time = start + 60_000 + 29_000;
    await remembered('a');
    expect(checks).toHaveLength(1);
    // Past it: checked again, and the verifier's verdict stands.
    time = start + 60_000 + 31_000;
    await remembered('a');
    expect(checks).toHaveLength(2);
  });

  it('never remembers a refusal', async () => {
    const { verify, checks } = countingVerifier(new Map());
    const remembered = rememberVerifiedTokens(verify);
    await expect(remembered('bad')).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(remembered('bad')).rejects.toBeInstanceOf(InvalidTokenError);
    expect(checks).toEqual(['bad', 'bad']);
  });

  it('checks a long-lived token again after the maximum age, and forgets the oldest beyond its size', async () => {
    let time = start;
    const { verify, checks } = countingVerifier(
      new Map([
        ['forever', undefined],
        ['b', undefined],
        ['c', undefined],
      ]),
    );
    const remembered = rememberVerifiedTokens(verify, { clock: () => time, maxAgeMs: 1_000, maxTokens: 2 });
    await remembered('forever');
    time += 999;
    await remembered('forever');
    expect(checks).toEqual(['forever']);
    time += 2;
    await remembered('forever');
    expect(checks).toEqual(['forever', 'forever']);

    await remembered('b');
    await remembered('c');
    // 'forever' was the oldest of three in a memory of two.
    await remembered('forever');
    expect(checks).toEqual(['forever', 'forever', 'b', 'c', 'forever']);
  });
});
