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

/**
 * Verifies Bearer JWTs with an HS256 secret or a JWKS URL, with issuer and audience
 * from configuration, so Supabase Auth, Clerk, Auth0 and the like work unchanged.
 */
export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  const key = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl))
    : new TextEncoder().encode(requireSecret(config));
  const algorithms = config.jwksUrl ? ['RS256', 'ES256', 'EdDSA', 'PS256'] : ['HS256'];

  return async (token) => {
    let payload: JWTPayload;
    try {
      const verified =
        key instanceof Uint8Array
          ? await jwtVerify(token, key, { algorithms, issuer: config.issuer, audience: config.audience })
          : await jwtVerify(token, key, { algorithms, issuer: config.issuer, audience: config.audience });
      payload = verified.payload;
    } catch (error) {
      throw new InvalidTokenError(`Invalid token: ${(error as Error).message}`);
    }
    if (!payload.sub) throw new InvalidTokenError('Invalid token: it has no subject (sub).');
    const role = payload[config.roleClaim];
    return {
      subject: payload.sub,
      isService: typeof role === 'string' && SERVICE_ROLES.has(role),
      expiresAt: payload.exp === undefined ? undefined : new Date(payload.exp * 1000),
    };
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
