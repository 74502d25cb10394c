import { CLOCK_TOLERANCE_SECONDS, type TokenClaims, type TokenVerifier } from './tokens.js';

/** Verified tokens remembered at most, the oldest forgotten first. */
const MAX_TOKENS = 10_000;
/** However long a token lives, it is verified again after this (a JWKS key may have been withdrawn). */
const MAX_AGE_MS = 5 * 60_000;

type Remembered = { claims: TokenClaims; until: number };

/**
 * A verifier that checks each token's signature and claims once, then answers from memory
 * until the token expires (as the verifier judges expiry, with its clock tolerance) or
 * MAX_AGE_MS has passed. A dashboard sends the same token with every request, and the
 * signature check was a tenth of a compiled read's CPU. Only accepted tokens are kept, so
 * a refused one is checked again each time (a token issued a moment in the future becomes
 * valid); an agent's standing is not a token's, and is looked up with every request.
 */
export function rememberVerifiedTokens(
  verify: TokenVerifier,
  { maxTokens = MAX_TOKENS, maxAgeMs = MAX_AGE_MS, clock = Date.now } = {},
): TokenVerifier {
  const remembered = new Map<string, Remembered>();
  return async (token) => {
    const known = remembered.get(token);
    if (known && clock() < known.until) return known.claims;
    if (known) remembered.delete(token);
    const claims = await verify(token);
    const expiry = claims.expiresAt ? claims.expiresAt.getTime() + CLOCK_TOLERANCE_SECONDS * 1000 : Infinity;
    if (remembered.size >= maxTokens) {
      const oldest = remembered.keys().next().value;
      if (oldest !== undefined) remembered.delete(oldest);
    }
    remembered.set(token, { claims, until: Math.min(expiry, clock() + maxAgeMs) });
    return claims;
  };
}
