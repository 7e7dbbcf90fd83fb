// Writes to integrations. Credentials are encrypted before they reach the database and are
// never read back through the API (only whether some are set), so a leaked API key or a
// GraphQL bug cannot exfiltrate a tenant's outside-system secrets.
import { Prisma, type Integration, type PrismaClient } from '../generated/prisma/client.ts';
import type { IntegrationKind } from '../generated/prisma/enums.ts';
import { isUniqueViolation } from '../db.ts';
import { ConflictError, NotFoundError, ValidationError, type InputProblem } from '../errors.ts';
import { encryptJson } from './crypto.ts';
import { INPUT_LIMITS, jsonTooLarge } from '../security/input-limits.ts';

export interface IntegrationServiceDeps {
  db: PrismaClient;
  encryptionKey: Buffer;
}

export interface IntegrationInput {
  name?: string;
  config?: unknown;
  /** Replaces the stored credentials; null removes them; undefined keeps them. */
  credentials?: unknown;
  enabled?: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function problemsOf(input: IntegrationInput): InputProblem[] {
  const problems: InputProblem[] = [];
  if (input.name !== undefined && (input.name.trim().length === 0 || input.name.length > 200)) problems.push({ path: 'name', message: 'must be 1 to 200 characters' });
  if (input.config !== undefined && !isObject(input.config)) problems.push({ path: 'config', message: 'must be a JSON object' });
  for (const p of [jsonTooLarge(input.config, 'config', INPUT_LIMITS.configBytes), jsonTooLarge(input.credentials, 'credentials', INPUT_LIMITS.credentialsBytes)]) if (p) problems.push(p);
  if (input.credentials !== undefined && input.credentials !== null && !isObject(input.credentials)) problems.push({ path: 'credentials', message: 'must be a JSON object or null' });
  return problems;
}

function credentialsData(deps: IntegrationServiceDeps, credentials: unknown): { credentials?: string | null } {
  if (credentials === undefined) return {};
  return { credentials: credentials === null ? null : encryptJson(deps.encryptionKey, credentials) };
}

export async function createIntegration(deps: IntegrationServiceDeps, tenantId: string, input: IntegrationInput & { kind: IntegrationKind; name: string }): Promise<Integration> {
  const problems = problemsOf(input);
  if (problems.length) throw new ValidationError(problems);
  try {
    return await deps.db.integration.create({
      data: {
        tenantId,
        kind: input.kind,
        name: input.name.trim(),
        config: (input.config ?? {}) as Prisma.InputJsonObject,
        enabled: input.enabled ?? true,
        ...credentialsData(deps, input.credentials),
      },
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`A ${input.kind} integration named "${input.name.trim()}" already exists`);
    throw err;
  }
}

export async function updateIntegration(deps: IntegrationServiceDeps, tenantId: string, id: string, input: IntegrationInput): Promise<Integration> {
  const problems = problemsOf(input);
  if (problems.length) throw new ValidationError(problems);
  try {
    const res = await deps.db.integration.updateMany({
      where: { id, tenantId },
      data: {
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.config !== undefined ? { config: input.config as Prisma.InputJsonObject } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        ...credentialsData(deps, input.credentials),
      },
    });
    if (res.count === 0) throw new NotFoundError('Integration', id);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`An integration of this kind named "${input.name?.trim()}" already exists`);
    throw err;
  }
  return deps.db.integration.findUniqueOrThrow({ where: { id } });
}

export async function deleteIntegration(deps: IntegrationServiceDeps, tenantId: string, id: string): Promise<Integration> {
  const row = await deps.db.integration.findFirst({ where: { id, tenantId } });
  if (!row) throw new NotFoundError('Integration', id);
  await deps.db.integration.deleteMany({ where: { id, tenantId } });
  return row;
}
