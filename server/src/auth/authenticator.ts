// Turns a bearer token into the request's Viewer. Unknown, malformed, revoked and expired keys
// all give the same null, so a caller learns nothing about which keys exist.
// Keys are cached briefly so a busy partner costs no query per request, and lastUsedAt is
// written at most once per key per interval, in one batched UPDATE.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ApiKeyRole } from '../generated/prisma/enums.ts';
import { parseApiKey, secretMatches } from './api-keys.ts';
import { KeyChanges, validUntilOf, type KeyChange } from './key-changes.ts';

export interface Viewer {
  tenantId: string;
  apiKeyId: string;
  role: ApiKeyRole;
  /** Epoch ms at which the key stops working (revocation after a rotation's overlap, or expiry); absent = no end. */
  validUntil?: number;
  /** The key may run persisted documents only (graphql/plugins/use-persisted-documents.ts). */
  persistedOnly?: boolean;
  /** The tenant's country (ISO 3166 alpha-2): national phone numbers in run data are read in it. */
  country?: string;
}

interface KeyRow {
  id: string;
  tenantId: string;
  role: ApiKeyRole;
  secretHash: string;
  revokedAt: Date | null;
  expiresAt: Date | null;
  persistedOnly: boolean;
  country: string;
}

export interface AuthenticatorOptions {
  /** How long a key row may be served from memory; bounds how late a revocation takes effect. */
  cacheTtlMs?: number;
  lastUsedIntervalMs?: number;
  /** Where revocations and rotations are announced to (and heard from) every api process. */
  changes?: KeyChanges;
  now?: () => number;
}

export class Authenticator {
  private readonly cache = new Map<string, { row: KeyRow | null; at: number }>();
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly pendingLastUsed = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly cacheTtlMs: number;
  private readonly lastUsedIntervalMs: number;
  private readonly now: () => number;
  readonly changes: KeyChanges;

  constructor(
    private readonly db: PrismaClient,
    { cacheTtlMs = 5_000, lastUsedIntervalMs = 60_000, now = Date.now, changes = new KeyChanges() }: AuthenticatorOptions = {},
  ) {
    this.cacheTtlMs = cacheTtlMs;
    this.lastUsedIntervalMs = lastUsedIntervalMs;
    this.now = now;
    this.changes = changes;
    // A change announced by any process (this one included) drops the cached row here.
    changes.on((c) => this.forget(c.prefix));
  }

  /** Announces a revoked, rotated or re-dated key to every api process (after the row is written). */
  async keyChanged(row: { id: string; prefix: string; revokedAt: Date | null; expiresAt: Date | null }): Promise<void> {
    const change: KeyChange = { apiKeyId: row.id, prefix: row.prefix, validUntil: validUntilOf(row) };
    await this.changes.publish(change);
  }

  /** Accepts `Bearer <key>` or a bare key. */
  async authenticate(header: string | null | undefined): Promise<Viewer | null> {
    if (!header) return null;
    const token = header.replace(/^Bearer\s+/i, '');
    const parsed = parseApiKey(token);
    if (!parsed) return null;
    const row = await this.lookup(parsed.prefix);
    if (!row || !secretMatches(parsed.secret, row.secretHash)) return null;
    const now = this.now();
    if (row.revokedAt && row.revokedAt.getTime() <= now) return null;
    if (row.expiresAt && row.expiresAt.getTime() <= now) return null;
    this.touch(row.id);
    const validUntil = validUntilOf(row);
    return { tenantId: row.tenantId, apiKeyId: row.id, role: row.role, ...(validUntil === null ? {} : { validUntil }), ...(row.persistedOnly ? { persistedOnly: true } : {}), country: row.country };
  }

  /** Drops a key from the cache at once (after revoking it in this process). */
  forget(prefix?: string): void {
    if (prefix === undefined) this.cache.clear();
    else this.cache.delete(prefix);
  }

  private async lookup(prefix: string): Promise<KeyRow | null> {
    const hit = this.cache.get(prefix);
    if (hit && this.now() - hit.at < this.cacheTtlMs) return hit.row;
    // One statement with the tenant's country joined in (Prisma would load the relation with a
    // second query), so a cache miss costs a single round trip.
    const [row = null] = await this.db.$queryRaw<KeyRow[]>`
      SELECT k.id, k."tenantId", k.role::text AS role, k."secretHash", k."revokedAt", k."expiresAt", k."persistedOnly", t."defaultCountry" AS country
      FROM "ApiKey" k JOIN "Tenant" t ON t.id = k."tenantId"
      WHERE k.prefix = ${prefix}`;
    if (this.cache.size > 10_000) this.forget();
    this.cache.set(prefix, { row, at: this.now() });
    return row;
  }

  private touch(id: string): void {
    const last = this.lastUsedWritten.get(id) ?? 0;
    if (this.now() - last < this.lastUsedIntervalMs) return;
    this.lastUsedWritten.set(id, this.now());
    this.pendingLastUsed.add(id);
    this.flushTimer ??= setTimeout(() => void this.flush(), 1_000);
    this.flushTimer.unref?.();
  }

  /** Writes the pending lastUsedAt stamps in one statement. */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const ids = [...this.pendingLastUsed];
    this.pendingLastUsed.clear();
    if (ids.length === 0) return;
    await this.db.apiKey
      .updateMany({ where: { id: { in: ids } }, data: { lastUsedAt: new Date(this.now()) } })
      .catch(() => {
        // lastUsedAt is informational; losing one stamp must never fail a request.
      });
  }
}
