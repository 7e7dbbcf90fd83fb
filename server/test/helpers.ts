import { randomUUID } from 'node:crypto';
import { createDb, type Db } from '../src/db.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import type { ApiKeyRole } from '../src/generated/prisma/enums.ts';

/** A Prisma client on the test database; close it in afterAll. */
export function testDb(poolSize = 4): Db {
  return createDb(process.env.DATABASE_URL!, poolSize);
}

/** Every test works in a tenant of its own, so suites can run in parallel on one database. */
export async function createTestTenant(db: Db, overrides: { timezone?: string; name?: string } = {}) {
  const slug = `t-${randomUUID().slice(0, 12)}`;
  return db.tenant.create({ data: { name: overrides.name ?? `Test ${slug}`, slug, timezone: overrides.timezone ?? 'Asia/Manila' } });
}

export async function createTestKey(db: Db, tenantId: string, role: ApiKeyRole = 'ADMIN') {
  return (await createApiKey(db, { tenantId, name: `test ${role}`, role })).key;
}
