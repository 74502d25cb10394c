import { createRemoteJWKSet, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { AuthConfig } from '../config.js';

/** What a verified token says about its bearer. */
export type TokenClaims = {
  subject: string;
  isService: boolean;
  expiresAt: Date | undefined;
};

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

const SERVICE_ROLES = new Set(['service', 'service_role']);

export type TokenVerifier = (token: string) => Promise<TokenClaims>;

/** Clocks of the identity provider and this server may disagree by this much. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** Longer than any identity provider's subject; the column it is looked up in is text. */
const MAX_SUBJECT_LENGTH = 255;

/**
 * Verifies Bearer JWTs with an HS256 secret or a JWKS URL, with issuer and audience
 * from configuration, so Supabase Auth, Clerk, Auth0 and the like work unchanged.
 */
export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  const key = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl))
    : new TextEncoder().encode(requireSecret(config));
  const algorithms = config.jwksUrl ? ['RS256', 'ES256', 'EdDSA', 'PS256'] : ['HS256'];
  const verifyOptions = {
    algorithms,
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      const verified =
        key instanceof Uint8Array
          ? await jwtVerify(token, key, verifyOptions)
          : await jwtVerify(token, key, verifyOptions);
      payload = verified.payload;
    } catch (error) {
      throw new InvalidTokenError(`Invalid token: ${(error as Error).message}`);
    }
    return claimsOf(payload, config);
  };
}

/**
 * A signature proves who wrote a token, not that its claims have the right shape:
 * jose checks `exp`, `nbf`, `iat`, `iss` and `aud`, but a `sub` that is an object
 * would reach the database as a query operator. Every claim the server reads is
 * checked here, and the lifetime rules of production apply.
 */
function claimsOf(payload: JWTPayload, config: AuthConfig): TokenClaims {
  const { sub, exp, iat } = payload;
  if (typeof sub !== 'string' || sub.trim() === '' || sub.length > MAX_SUBJECT_LENGTH) {
    throw new InvalidTokenError(
      `Invalid token: "sub" must be a non-empty string of at most ${MAX_SUBJECT_LENGTH} characters.`,
    );
  }
  const now = Math.floor(Date.now() / 1000);
  if (config.requireExpiry && exp === undefined) throw new InvalidTokenError('Invalid token: it has no expiry (exp).');
  if (iat !== undefined && iat > now + CLOCK_TOLERANCE_SECONDS) {
    throw new InvalidTokenError('Invalid token: it was issued in the future (iat).');
  }
  if (config.maxLifetimeSeconds !== undefined && exp !== undefined) {
    const lifetime = exp - Math.min(iat ?? now, now);
    if (lifetime > config.maxLifetimeSeconds + CLOCK_TOLERANCE_SECONDS) {
      throw new InvalidTokenError(
        `Invalid token: it is valid for longer than the ${config.maxLifetimeSeconds} s this server accepts.`,
      );
    }
  }
  const role = payload[config.roleClaim];
  return {
    subject: sub,
    isService: typeof role === 'string' && SERVICE_ROLES.has(role),
    expiresAt: exp === undefined ? undefined : new Date(exp * 1000),
  };
}

export type TokenRequest = { subject: string; service?: boolean; expiresIn?: string };

/** Signs an HS256 token: for development, the token command and tests. */
export async function signToken(config: AuthConfig, request: TokenRequest): Promise<string> {
  const jwt = new SignJWT(request.service ? { [config.roleClaim]: 'service' } : {})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(request.subject)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn ?? '12h');
  if (config.issuer) jwt.setIssuer(config.issuer);
  if (config.audience) jwt.setAudience(config.audience);
  return jwt.sign(new TextEncoder().encode(requireSecret(config)));
}

function requireSecret(config: AuthConfig): string {
  if (!config.secret) throw new Error('JWT_SECRET is required to sign or verify HS256 tokens.');
  return config.secret;
}
