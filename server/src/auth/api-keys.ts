// API keys: `fd_<prefix>_<secret>`. The prefix is public and unique (it finds the row and is
// shown in lists); only a SHA-256 hash of the secret is stored. The secret carries 190 bits of
// randomness, so a fast hash is enough: there is nothing to brute-force, and a slow KDF would
// only cost us CPU on every request.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKey, PrismaClient } from '../generated/prisma/client.ts';
import type { ApiKeyRole } from '../generated/prisma/enums.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PREFIX_LENGTH = 12;
const SECRET_LENGTH = 40;
const KEY_PATTERN = /^fd_([a-z0-9]{12})_([a-z0-9]{40})$/;

export const ROLES = ['VIEWER', 'OPERATOR', 'ADMIN'] as const satisfies readonly ApiKeyRole[];

/** VIEWER < OPERATOR < ADMIN: each role can do everything the ones before it can. */
export function roleAtLeast(role: ApiKeyRole, needed: ApiKeyRole): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

function randomString(length: number): string {
  // Rejection sampling keeps every character uniformly likely (256 is not a multiple of 36).
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 252 && out.length < length) out += ALPHABET[byte % 36];
    }
  }
  return out;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function generateApiKey(): { key: string; prefix: string; secretHash: string } {
  const prefix = randomString(PREFIX_LENGTH);
  const secret = randomString(SECRET_LENGTH);
  return { key: `fd_${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) };
}

export function parseApiKey(key: string): { prefix: string; secret: string } | null {
  const m = KEY_PATTERN.exec(key.trim());
  return m ? { prefix: m[1]!, secret: m[2]! } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface CreateApiKeyInput {
  tenantId: string;
  name: string;
  role: ApiKeyRole;
  expiresAt?: Date | null;
  /** Restricted to persisted documents (the dashboard's operations). */
  persistedOnly?: boolean;
}

/** Creates a key and returns the full key string: the only time it is ever available. */
/** `db` may be a transaction client (the demo seed creates its key with the tenant). */
export async function createApiKey(db: Pick<PrismaClient, 'apiKey'>, input: CreateApiKeyInput) {
  const { key, prefix, secretHash } = generateApiKey();
  const row = await db.apiKey.create({
    data: {
      tenantId: input.tenantId,
      name: input.name,
      role: input.role,
      expiresAt: input.expiresAt ?? null,
      persistedOnly: input.persistedOnly ?? false,
      prefix,
      secretHash,
    },
  });
  return { key, apiKey: row };
}

export async function revokeApiKey(db: PrismaClient, tenantId: string, id: string): Promise<boolean> {
  const res = await db.apiKey.updateMany({
    where: { id, tenantId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return res.count === 1;
}

/** The longest a replaced key may keep working after a rotation. */
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 3600;

export type RotateResult =
  | { ok: true; key: string; apiKey: ApiKey; previous: ApiKey }
  | { ok: false; reason: 'missing' | 'revoked' | 'expired' };

/**
 * Replaces a key in one transaction: a new key with the same name, role, expiry and restriction, and the old
 * one revoked, at once or `overlapSeconds` later, so that whatever uses it can switch first
 * (the authenticator refuses a key from its revokedAt on). Revoking first, on a row that is
 * still live, means two concurrent rotations of one key make one new key, not two.
 */
export async function rotateApiKey(db: PrismaClient, tenantId: string, id: string, overlapSeconds = 0): Promise<RotateResult> {
  const now = new Date();
  return db.$transaction(async (tx) => {
    const old = await tx.apiKey.findFirst({ where: { id, tenantId } });
    if (!old) return { ok: false, reason: 'missing' };
    if (old.expiresAt && old.expiresAt <= now) return { ok: false, reason: 'expired' };
    const revoked = await tx.apiKey.updateMany({ where: { id, tenantId, revokedAt: null }, data: { revokedAt: new Date(now.getTime() + overlapSeconds * 1000) } });
    if (revoked.count !== 1) return { ok: false, reason: 'revoked' };
    const { key, prefix, secretHash } = generateApiKey();
    const apiKey = await tx.apiKey.create({ data: { tenantId, name: old.name, role: old.role, expiresAt: old.expiresAt, persistedOnly: old.persistedOnly, prefix, secretHash } });
    const previous = await tx.apiKey.findUniqueOrThrow({ where: { id } });
    return { ok: true, key, apiKey, previous };
  });
}
