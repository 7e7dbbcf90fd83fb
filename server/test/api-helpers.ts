// Shared set-up of the API suites: the real app on a free port, tenants with keys of every role.
import { createApiKey } from '../src/auth/api-keys.ts';
import type { ApiKeyRole } from '../src/generated/prisma/enums.ts';
import type { Db } from '../src/db.ts';
import { globalId } from '../src/graphql/ids.ts';
import { createTestTenant } from './helpers.ts';

export interface TestTenant {
  id: string;
  keys: Record<ApiKeyRole, string>;
}

export async function tenantWithKeys(db: Db): Promise<TestTenant> {
  const tenant = await createTestTenant(db);
  const keys = {} as Record<ApiKeyRole, string>;
  for (const role of ['ADMIN', 'OPERATOR', 'VIEWER'] as const) keys[role] = (await createApiKey(db, { tenantId: tenant.id, name: role, role })).key;
  return { id: tenant.id, keys };
}

export const VALID_DEFINITION = { steps: [{ type: 'log', config: { message: 'hello {{name}}' } }] };

export async function seedWorkflow(db: Db, tenantId: string, overrides: { name?: string; enabled?: boolean } = {}) {
  const wf = await db.workflow.create({ data: { tenantId, name: overrides.name ?? 'seeded', enabled: overrides.enabled ?? true, definition: VALID_DEFINITION } });
  return { ...wf, gid: globalId('Workflow', wf.id) };
}

export { globalId };

/** The row id inside a global id. */
export function rowIdOf(gid: string): string {
  return Buffer.from(gid, 'base64').toString().split(':')[1] ?? '';
}
