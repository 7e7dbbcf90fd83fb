// How connectors get a tenant's integration: its non-secret config and decrypted credentials.
// Credentials never leave the server through the API (write-only there).
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { IntegrationKind } from '../generated/prisma/enums.ts';
import { decryptJson } from './crypto.ts';

export interface LoadedIntegration<C = Record<string, unknown>> {
  id: string;
  name: string;
  config: Record<string, unknown>;
  credentials: C | null;
}

/** The tenant's enabled integration of this kind (the named one, or the oldest), or null. */
export async function loadIntegration<C = Record<string, unknown>>(
  db: PrismaClient,
  encryptionKey: Buffer,
  tenantId: string,
  kind: IntegrationKind,
  name?: string,
): Promise<LoadedIntegration<C> | null> {
  const row = await db.integration.findFirst({
    where: { tenantId, kind, enabled: true, ...(name ? { name } : {}) },
    orderBy: { createdAt: 'asc' },
  });
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    config: (row.config ?? {}) as Record<string, unknown>,
    credentials: row.credentials ? decryptJson<C>(encryptionKey, row.credentials) : null,
  };
}
