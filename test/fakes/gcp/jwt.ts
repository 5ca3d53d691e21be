// JWT checks the way Google's token services make them: RS256 signature against a known key, issuer,
// audience, and a bounded, current lifetime. Failures read like Google's error descriptions.
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  iat?: number;
  exp?: number;
  nbf?: number;
  scope?: string;
  [claim: string]: unknown;
}

export class JwtRejected extends Error {}

export function decodeJwt(token: string): { header: { alg?: string; kid?: string }; claims: JwtClaims; input: string; signature: Buffer } {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtRejected('The token is not a JWT.');
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')),
      claims: JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')),
      input: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2]!, 'base64url'),
    };
  } catch {
    throw new JwtRejected('The token is not a well-formed JWT.');
  }
}

export function publicKeyOf(key: string | JsonWebKey | KeyObject): KeyObject {
  if (typeof key === 'string') return createPublicKey(key);
  if ('type' in key && typeof (key as KeyObject).export === 'function') return key as KeyObject;
  return createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
}

export interface VerifyOptions {
  /** The key for the token's `kid`, or undefined when none is known. */
  keyFor: (kid: string | undefined) => KeyObject | undefined | Promise<KeyObject | undefined>;
  issuer?: string;
  audiences: string[];
  maxLifetimeSeconds: number;
  now?: number;
}

export async function verifyJwt(token: string, options: VerifyOptions): Promise<JwtClaims> {
  const { header, claims, input, signature } = decodeJwt(token);
  if (header.alg !== 'RS256') throw new JwtRejected(`Unsupported signing algorithm ${header.alg}.`);
  const key = await options.keyFor(header.kid);
  if (!key) throw new JwtRejected(`No key with kid ${header.kid} is known for this issuer.`);
  if (!verify('sha256', Buffer.from(input), key, signature)) throw new JwtRejected('Invalid JWT Signature.');
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (options.issuer !== undefined && claims.iss !== options.issuer) {
    throw new JwtRejected(`The issuer in the token (${claims.iss}) does not match the expected issuer.`);
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((aud) => aud !== undefined && options.audiences.includes(aud))) {
    throw new JwtRejected(`The audience in the token [${audiences.join(', ')}] does not match the expected audience.`);
  }
  if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') throw new JwtRejected('The token lacks iat or exp.');
  if (claims.exp <= now) throw new JwtRejected('The token has expired.');
  if (claims.iat > now + 60 || (claims.nbf ?? 0) > now + 60) throw new JwtRejected('The token is not yet valid.');
  if (claims.exp - claims.iat > options.maxLifetimeSeconds) throw new JwtRejected('The token lives too long.');
  return claims;
}
