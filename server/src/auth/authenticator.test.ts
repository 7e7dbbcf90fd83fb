import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, testDb } from '../../test/helpers.ts';
import { createApiKey, generateApiKey, parseApiKey, revokeApiKey, roleAtLeast } from './api-keys.ts';
import { Authenticator } from './authenticator.ts';

const db = testDb();
afterAll(() => db.$disconnect());

describe('API keys', () => {
  it('have the fd_<prefix>_<secret> shape and store only a hash', () => {
    const { key, prefix, secretHash } = generateApiKey();
    expect(key).toMatch(/^fd_[a-z0-9]{12}_[a-z0-9]{40}$/);
    const parsed = parseApiKey(key)!;
    expect(parsed.prefix).toBe(prefix);
    expect(secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(secretHash).not.toContain(parsed.secret);
    expect(parseApiKey('fd_short_key')).toBeNull();
  });

  it('order roles VIEWER < OPERATOR < ADMIN', () => {
    expect(roleAtLeast('ADMIN', 'OPERATOR')).toBe(true);
    expect(roleAtLeast('OPERATOR', 'OPERATOR')).toBe(true);
    expect(roleAtLeast('VIEWER', 'OPERATOR')).toBe(false);
  });
});

describe('Authenticator', () => {
  let tenantId: string;
  beforeAll(async () => {
    tenantId = (await createTestTenant(db)).id;
  });

  it('accepts a valid key with or without "Bearer" and returns its tenant and role', async () => {
    const { key, apiKey } = await createApiKey(db, { tenantId, name: 'ops', role: 'OPERATOR' });
    const auth = new Authenticator(db);
    // The tenant's country rides along (test tenants are PH, the default): run data is read in it.
    const expected = { tenantId, apiKeyId: apiKey.id, role: 'OPERATOR', country: 'PH' };
    expect(await auth.authenticate(`Bearer ${key}`)).toEqual(expected);
    expect(await auth.authenticate(key)).toEqual(expected);
  });

  it('gives the same null for unknown, wrong-secret, malformed, revoked and expired keys', async () => {
    const auth = new Authenticator(db, { cacheTtlMs: 0 });
    const { key } = await createApiKey(db, { tenantId, name: 'k', role: 'ADMIN' });
    const { key: expired } = await createApiKey(db, { tenantId, name: 'old', role: 'ADMIN', expiresAt: new Date(Date.now() - 1000) });
    const { key: revoked, apiKey } = await createApiKey(db, { tenantId, name: 'gone', role: 'ADMIN' });
    expect(await revokeApiKey(db, tenantId, apiKey.id)).toBe(true);
    const wrongSecret = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    const unknown = generateApiKey().key;
    for (const bad of [wrongSecret, unknown, 'Bearer nonsense', '', undefined, expired, revoked]) {
      expect(await auth.authenticate(bad)).toBeNull();
    }
  });

  it('stops accepting a revoked key once the cache entry expires', async () => {
    let now = Date.now();
    const auth = new Authenticator(db, { cacheTtlMs: 5_000, now: () => now });
    const { key, apiKey } = await createApiKey(db, { tenantId, name: 'soon revoked', role: 'VIEWER' });
    expect(await auth.authenticate(key)).not.toBeNull();
    await revokeApiKey(db, tenantId, apiKey.id);
    now += 5_001;
    expect(await auth.authenticate(key)).toBeNull();
  });

  it('writes lastUsedAt at most once per interval, not once per request', async () => {
    let now = Date.now();
    const auth = new Authenticator(db, { lastUsedIntervalMs: 60_000, now: () => now });
    const { key, apiKey } = await createApiKey(db, { tenantId, name: 'busy', role: 'VIEWER' });
    for (let i = 0; i < 20; i++) await auth.authenticate(key);
    await auth.flush();
    const first = (await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt!;
    expect(first.getTime()).toBe(now);
    now += 30_000;
    await auth.authenticate(key);
    await auth.flush();
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt!.getTime()).toBe(first.getTime());
    now += 31_000;
    await auth.authenticate(key);
    await auth.flush();
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt!.getTime()).toBe(now);
  });
});
