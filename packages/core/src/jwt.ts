/**
 * JWT mode: keys presented as signed JWTs (via `jose`) instead of opaque
 * strings. The token carries the key id (`jti`) and tenant (`tid`); the
 * manager still reads the record, so revocation and scope changes apply at
 * once.
 *
 * Verification is pinned to the one configured algorithm, which stops
 * `alg: none` and algorithm-confusion tokens (HS256 signed with a public key).
 *
 * @module
 */
import { createPublicKey } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { randomBase62 } from './random.js';
import { SignJWT, errors, importJWK, importPKCS8, importSPKI, jwtVerify } from 'jose';
import type { CryptoKey, JWK, JWTHeaderParameters, JWTVerifyOptions } from 'jose';
import { ConfigError } from './errors.js';
import type { JwtConfig } from './config-types.js';
import { isValidKeyId } from './key-format.js';
import type { Clock } from './types.js';

/** Longest token {@link JwtCodec.verify} looks at; anything longer is INVALID_FORMAT. */
export const MAX_JWT_LENGTH = 8192;
/** Fewest bytes of an `HS*` shared secret. */
export const MIN_HMAC_SECRET_BYTES = 32;
/** Lifetime given to a token whose key never expires (the PRD's "100-year tokens"), in seconds. */
export const NEVER_EXPIRES_LIFETIME_SECONDS = Math.round(100 * 365.25 * 24 * 3600);

/** What a JWT-mode key says about itself. */
export interface JwtSignClaims {
  /** The key id; becomes `jti`. */
  keyId: string;
  /** The acting user or service; becomes `sub`. */
  subject?: string;
  /** Becomes `tid`. */
  tenantId: string;
  /** Becomes `env`. */
  environment: string;
  /** Become `scope`, space-separated. */
  scopes: string[];
  /** Expiry in epoch ms; `null` means now + 100 years. */
  expiresAt: number | null;
}

/** Result of {@link JwtCodec.verify}. */
export type JwtVerifyOutcome =
  | {
      ok: true;
      /** The `jti` claim: the key id to load. */
      keyId: string;
      /** The `tid` claim. */
      tenantId: string;
      /** The `exp` claim, converted to epoch milliseconds. */
      exp: number;
    }
  | {
      ok: false;
      /** `EXPIRED` only for a token with a valid signature whose `exp` has passed. */
      reason: 'INVALID_FORMAT' | 'EXPIRED';
    };

/** Signs and verifies JWT-mode keys under one configuration. */
export interface JwtCodec {
  /** A signed compact JWT for the key. */
  sign(claims: JwtSignClaims): Promise<string>;
  /** Checks signature, algorithm, `kid`, `typ`, issuer, audience, time claims and required claims. Never throws. */
  verify(token: string): Promise<JwtVerifyOutcome>;
}

/** Options of {@link createJwtCodec}. */
export interface JwtCodecOptions {
  /** Time source for `iat`, `exp` and validation; default `Date.now`. */
  clock?: Clock;
}

type SigningKey = CryptoKey | Uint8Array;

const ALGORITHMS: ReadonlySet<string> = new Set(['EdDSA', 'ES256', 'ES384', 'RS256', 'PS256', 'HS256', 'HS384', 'HS512']);
const systemClock: Clock = { now: () => Date.now() };

function configError(field: string, message: string, cause?: unknown): ConfigError {
  // Never include key material: only the field name and what is expected.
  return new ConfigError(`Invalid JWT configuration: ${field}`, [{ field: `jwt.${field}`, message }], { cause });
}

async function importHmacSecret(config: JwtConfig): Promise<Uint8Array> {
  let secret: Uint8Array;
  if (typeof config.privateKey === 'string') {
    secret = new TextEncoder().encode(config.privateKey);
  } else {
    let imported: unknown;
    try {
      imported = await importJWK(config.privateKey as JWK, config.algorithm);
    } catch (cause) {
      throw configError('privateKey', 'must be a shared secret string or an oct JWK', cause);
    }
    if (!(imported instanceof Uint8Array)) throw configError('privateKey', 'must be a shared secret string or an oct JWK');
    secret = imported;
  }
  if (secret.byteLength < MIN_HMAC_SECRET_BYTES) {
    throw configError('privateKey', `an ${config.algorithm} secret must be at least ${MIN_HMAC_SECRET_BYTES} bytes`);
  }
  return secret;
}

async function importAsymmetric(
  material: string | Record<string, unknown>,
  kind: 'private' | 'public',
  alg: string,
): Promise<CryptoKey> {
  const field = kind === 'private' ? 'privateKey' : 'publicKey';
  let key: unknown;
  try {
    if (typeof material === 'string') {
      key = kind === 'private' ? await importPKCS8(material, alg) : await importSPKI(material, alg);
    } else {
      key = await importJWK(material as JWK, alg);
    }
  } catch (cause) {
    throw configError(field, `must be a ${kind === 'private' ? 'PKCS#8' : 'SPKI'} PEM or JWK ${kind} key for ${alg}`, cause);
  }
  if (key instanceof Uint8Array || (key as CryptoKey).type !== kind) {
    throw configError(field, `must be a ${kind} key for ${alg}`);
  }
  return key as CryptoKey;
}

/** The SPKI PEM of the public half of a private PEM or JWK, for configs that give only the private key. */
function derivePublicPem(privateKey: string | Record<string, unknown>): string {
  try {
    const keyObject =
      typeof privateKey === 'string'
        ? createPublicKey(privateKey)
        : createPublicKey({ key: privateKey as JsonWebKey, format: 'jwk' });
    return keyObject.export({ type: 'spki', format: 'pem' }).toString();
  } catch (cause) {
    throw configError('privateKey', 'cannot derive the public key; set publicKey', cause);
  }
}

// base64url characters, and '.' as the segment separator.
function isCompactJws(token: string): boolean {
  let dots = 0;
  let segmentLength = 0;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 0x2e) {
      if (segmentLength === 0 || ++dots > 2) return false;
      segmentLength = 0;
    } else if (
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2d ||
      c === 0x5f
    ) {
      segmentLength++;
    } else {
      return false;
    }
  }
  // An empty signature segment is the shape of an `alg: none` token.
  return dots === 2 && segmentLength > 0;
}

/**
 * Whether a presented token has the shape of a JWT (starts with `eyJ`, the
 * encoding of `{"`, and has exactly two dots), so the manager routes it to
 * {@link JwtCodec.verify} rather than to the opaque key parser. Never throws.
 */
export function looksLikeJwt(token: string): boolean {
  if (typeof token !== 'string' || !token.startsWith('eyJ')) return false;
  const first = token.indexOf('.');
  if (first < 0) return false;
  const second = token.indexOf('.', first + 1);
  return second > 0 && token.indexOf('.', second + 1) < 0;
}

const INVALID: JwtVerifyOutcome = Object.freeze({ ok: false, reason: 'INVALID_FORMAT' });
const EXPIRED: JwtVerifyOutcome = Object.freeze({ ok: false, reason: 'EXPIRED' });

/**
 * A {@link JwtCodec} for `config`. Imports the keys once: PEM (PKCS#8 private,
 * SPKI public) or JWK; for `HS*` the shared secret as UTF-8 bytes (or an oct
 * JWK). Without `publicKey`, the public key is derived from the private one.
 * A test signature at construction proves the pair matches.
 *
 * @throws ConfigError for an unknown algorithm, unreadable or mismatched key
 *   material, or an `HS*` secret shorter than 32 bytes. Messages never
 *   contain key material.
 */
export async function createJwtCodec(config: JwtConfig, options: JwtCodecOptions = {}): Promise<JwtCodec> {
  if (config === null || typeof config !== 'object') throw configError('algorithm', 'JWT configuration is required');
  const alg = config.algorithm;
  if (!ALGORITHMS.has(alg)) throw configError('algorithm', `must be one of ${[...ALGORITHMS].join(', ')}`);
  for (const field of ['kid', 'issuer', 'audience'] as const) {
    const value = config[field];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw configError(field, 'must be a non-empty string');
    }
  }
  if (config.privateKey === undefined || config.privateKey === null) throw configError('privateKey', 'is required');

  const clock = options.clock ?? systemClock;
  let signingKey: SigningKey;
  let verifyKey: SigningKey;
  if (alg.startsWith('HS')) {
    signingKey = verifyKey = await importHmacSecret(config);
  } else {
    signingKey = await importAsymmetric(config.privateKey, 'private', alg);
    verifyKey = await importAsymmetric(config.publicKey ?? derivePublicPem(config.privateKey), 'public', alg);
  }

  const { kid, issuer, audience } = config;
  const header: JWTHeaderParameters = { alg, typ: 'JWT' };
  if (kid !== undefined) header.kid = kid;

  // Resolving the key through a function lets a wrong `kid` fail before any signature work.
  const resolveKey = (protectedHeader: JWTHeaderParameters): SigningKey => {
    if (kid !== undefined && protectedHeader.kid !== kid) throw new errors.JWKSNoMatchingKey();
    return verifyKey;
  };

  const baseVerifyOptions: JWTVerifyOptions = {
    algorithms: [alg],
    typ: 'JWT',
    requiredClaims: ['jti', 'tid', 'exp', 'iat'],
  };
  if (issuer !== undefined) baseVerifyOptions.issuer = issuer;
  if (audience !== undefined) baseVerifyOptions.audience = audience;

  async function sign(claims: JwtSignClaims): Promise<string> {
    const nowSeconds = Math.floor(clock.now() / 1000);
    const exp = claims.expiresAt === null ? nowSeconds + NEVER_EXPIRES_LIFETIME_SECONDS : Math.floor(claims.expiresAt / 1000);
    // `nonce` makes every issuance distinct: a rotation with the same claims in the same second must not reproduce the old token.
    const jwt = new SignJWT({ scope: claims.scopes.join(' '), tid: claims.tenantId, env: claims.environment, nonce: randomBase62(16) })
      .setProtectedHeader(header)
      .setJti(claims.keyId)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(exp);
    if (claims.subject !== undefined) jwt.setSubject(claims.subject);
    if (issuer !== undefined) jwt.setIssuer(issuer);
    if (audience !== undefined) jwt.setAudience(audience);
    return jwt.sign(signingKey);
  }

  async function verify(token: string): Promise<JwtVerifyOutcome> {
    if (typeof token !== 'string' || token.length > MAX_JWT_LENGTH || !isCompactJws(token)) return INVALID;
    try {
      const { payload } = await jwtVerify(token, resolveKey, { ...baseVerifyOptions, currentDate: new Date(clock.now()) });
      const { jti, tid, exp } = payload;
      if (!isValidKeyId(jti) || typeof tid !== 'string' || tid.length === 0 || typeof exp !== 'number') return INVALID;
      return { ok: true, keyId: jti, tenantId: tid, exp: exp * 1000 };
    } catch (error) {
      // jose checks `exp` only after the signature, so EXPIRED is never said of a forgery.
      return error instanceof errors.JWTExpired ? EXPIRED : INVALID;
    }
  }

  // Prove the keys fit together now rather than at the first request.
  const probe = await sign({ keyId: '0000000000000000', tenantId: 'probe', environment: 'probe', scopes: [], expiresAt: null });
  if (!(await verify(probe)).ok) throw configError('publicKey', 'does not match privateKey');

  return { sign, verify };
}
