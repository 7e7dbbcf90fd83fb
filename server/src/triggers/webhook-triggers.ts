// Webhook triggers of a workflow: creating, changing, rotating and deleting them (ADMIN, through
// GraphQL), and the in-memory view the delivery path reads (deliveryView).
//
// Threat model: the signing secret must be usable by the server to compute HMACs, so it is kept
// AES-256-GCM encrypted under ENCRYPTION_KEY (integrations/crypto.ts), never hashed, never logged
// and returned only by the mutation that made it. A rotation keeps the previous secret valid for
// an overlap window so senders can switch without dropping deliveries. The payload JSON Schema is
// tenant input that AJV compiles into code: it is size-capped and compiled once per revision.
import { randomBytes } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Prisma, type PrismaClient, type WebhookTrigger } from '../generated/prisma/client.ts';
import { NotFoundError, ValidationError, type InputProblem } from '../errors.ts';
import { decryptJson, encryptJson } from '../integrations/crypto.ts';
import { jsonTooLarge } from '../security/input-limits.ts';
import { unsafePattern } from './safe-pattern.ts';
import { perOwner } from '../batcher.ts';

export const WEBHOOK_PATH_PREFIX = '/hooks/';
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;
const MAX_SCHEMA_BYTES = 64 * 1024;
const MAX_RATE = 100_000;
/** How long a delivery may use a trigger read from the database (other processes' changes show up after this). */
export const VIEW_TTL_MS = 5_000;

export interface WebhookTriggerInput {
  name?: string | null;
  payloadSchema?: unknown;
  idempotencyKeyHeader?: string | null;
  idempotencyKeyPath?: string | null;
  rateLimitPerMinute?: number | null;
  enabled?: boolean | null;
}

export interface WebhookDeps {
  db: PrismaClient;
  encryptionKey: Buffer;
  now?: () => Date;
}

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
// Lenient about unknown keywords (tenants paste schemas from elsewhere); strict about structure.
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Keywords whose values are maps of names to subschemas (the names are not keywords). */
const SCHEMA_MAPS = new Set(['properties', 'definitions', '$defs', 'dependentSchemas']);
/** Keywords whose values are data, not schemas. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'required', 'dependentRequired']);

/**
 * The first regular expression of a payload schema (`pattern`, a `patternProperties` name) that
 * safe-pattern.ts refuses, with its JSON path; null when there is none.
 */
export function unsafeRegexIn(schema: unknown, path = 'input.payloadSchema'): { path: string; why: string } | null {
  if (Array.isArray(schema)) {
    for (let i = 0; i < schema.length; i++) {
      const found = unsafeRegexIn(schema[i], `${path}/${i}`);
      if (found) return found;
    }
    return null;
  }
  if (schema === null || typeof schema !== 'object') return null;
  for (const [key, value] of Object.entries(schema)) {
    if (DATA_KEYWORDS.has(key)) continue;
    if (key === 'pattern' && typeof value === 'string') {
      const why = unsafePattern(value);
      if (why) return { path: `${path}/pattern`, why };
      continue;
    }
    if ((SCHEMA_MAPS.has(key) || key === 'patternProperties') && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, sub] of Object.entries(value)) {
        const why = key === 'patternProperties' ? unsafePattern(name) : null;
        if (why) return { path: `${path}/patternProperties/${name}`, why };
        const found = unsafeRegexIn(sub, `${path}/${key}/${name}`);
        if (found) return found;
      }
      continue;
    }
    const found = unsafeRegexIn(value, `${path}/${key}`);
    if (found) return found;
  }
  return null;
}

/** Compiled payload validators, one per trigger revision, so a busy trigger compiles its schema once. */
const validators = new Map<string, ValidateFunction>();

export function payloadValidator(trigger: Pick<WebhookTrigger, 'id' | 'updatedAt' | 'payloadSchema'>): ValidateFunction | null {
  if (trigger.payloadSchema === null || trigger.payloadSchema === undefined) return null;
  const key = `${trigger.id}@${trigger.updatedAt.getTime()}`;
  let v = validators.get(key);
  if (!v) {
    v = ajv.compile(trigger.payloadSchema as object);
    if (validators.size >= 1000) validators.delete(validators.keys().next().value!);
    validators.set(key, v);
  }
  return v;
}

/** Every problem of the input at once; nothing is written while there is one. */
function checkInput(input: WebhookTriggerInput, creating: boolean): Prisma.WebhookTriggerUncheckedUpdateInput {
  const problems: InputProblem[] = [];
  const out: Prisma.WebhookTriggerUncheckedUpdateInput = {};
  if (input.name !== undefined || creating) {
    const name = input.name?.trim();
    if (!name || name.length > 200) problems.push({ path: 'input.name', message: 'must be 1 to 200 characters' });
    else out.name = name;
  }
  if (input.payloadSchema !== undefined) {
    if (input.payloadSchema === null) out.payloadSchema = Prisma.DbNull;
    else {
      const big = jsonTooLarge(input.payloadSchema, 'input.payloadSchema', MAX_SCHEMA_BYTES);
      if (big) problems.push(big);
      else if (typeof input.payloadSchema !== 'object' || Array.isArray(input.payloadSchema)) problems.push({ path: 'input.payloadSchema', message: 'must be a JSON Schema object' });
      else {
        const unsafe = unsafeRegexIn(input.payloadSchema);
        if (unsafe) problems.push({ path: unsafe.path, message: `this regular expression is refused: ${unsafe.why}` });
        else {
          try {
            ajv.compile(input.payloadSchema);
            out.payloadSchema = input.payloadSchema as Prisma.InputJsonValue;
          } catch (err) {
            problems.push({ path: 'input.payloadSchema', message: `is not a valid JSON Schema: ${(err as Error).message}` });
          }
        }
      }
    }
  }
  if (input.idempotencyKeyHeader !== undefined) {
    const h = input.idempotencyKeyHeader?.trim().toLowerCase() || null;
    if (h !== null && !/^[a-z0-9-]{1,100}$/.test(h)) problems.push({ path: 'input.idempotencyKeyHeader', message: 'must be an HTTP header name (letters, digits, dashes)' });
    else out.idempotencyKeyHeader = h;
  }
  if (input.idempotencyKeyPath !== undefined) {
    const p = input.idempotencyKeyPath?.trim() || null;
    if (p !== null && !/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+){0,15}$/.test(p)) problems.push({ path: 'input.idempotencyKeyPath', message: 'must be a dot path into the payload, e.g. order.id' });
    else out.idempotencyKeyPath = p;
  }
  if (input.rateLimitPerMinute !== undefined && input.rateLimitPerMinute !== null) {
    if (!Number.isInteger(input.rateLimitPerMinute) || input.rateLimitPerMinute < 0 || input.rateLimitPerMinute > MAX_RATE) problems.push({ path: 'input.rateLimitPerMinute', message: `must be 0 (unlimited) to ${MAX_RATE}` });
    else out.rateLimitPerMinute = input.rateLimitPerMinute;
  }
  if (input.enabled === null) problems.push({ path: 'input.enabled', message: 'must be true or false' });
  else if (input.enabled !== undefined) out.enabled = input.enabled;
  if (out.idempotencyKeyHeader && out.idempotencyKeyPath) problems.push({ path: 'input.idempotencyKeyPath', message: 'give a header or a payload path for the idempotency key, not both' });
  if (problems.length) throw new ValidationError(problems);
  return out;
}

async function ownTrigger(db: PrismaClient, tenantId: string, id: string): Promise<WebhookTrigger> {
  const row = await db.webhookTrigger.findFirst({ where: { id, tenantId } });
  if (!row) throw new NotFoundError('WebhookTrigger', id);
  return row;
}

/** Creates a trigger; the answer carries its signing secret, which is never shown again. */
export async function createWebhookTrigger(deps: WebhookDeps, tenantId: string, workflowId: string, input: WebhookTriggerInput): Promise<{ trigger: WebhookTrigger; secret: string }> {
  const data = checkInput(input, true);
  const wf = await deps.db.workflow.findFirst({ where: { id: workflowId, tenantId, deletedAt: null }, select: { id: true } });
  if (!wf) throw new NotFoundError('Workflow', workflowId);
  const secret = newSecret();
  const trigger = await deps.db.webhookTrigger.create({
    data: { ...(data as Prisma.WebhookTriggerUncheckedCreateInput), tenantId, workflowId, name: data.name as string, token: newToken(), secret: encryptJson(deps.encryptionKey, secret) },
  });
  return { trigger, secret };
}

export async function updateWebhookTrigger(deps: WebhookDeps, tenantId: string, id: string, input: WebhookTriggerInput): Promise<WebhookTrigger> {
  const data = checkInput(input, false);
  const existing = await ownTrigger(deps.db, tenantId, id);
  const merged = { header: data.idempotencyKeyHeader === undefined ? existing.idempotencyKeyHeader : data.idempotencyKeyHeader, path: data.idempotencyKeyPath === undefined ? existing.idempotencyKeyPath : data.idempotencyKeyPath };
  if (merged.header && merged.path) throw new ValidationError([{ path: 'input.idempotencyKeyPath', message: 'give a header or a payload path for the idempotency key, not both' }]);
  const trigger = await deps.db.webhookTrigger.update({ where: { id: existing.id }, data });
  webhookViews(deps.db).forget(trigger.token);
  return trigger;
}

/**
 * A new secret; the current one becomes the previous one and stays valid for `overlapSeconds`
 * (default 24 h, 0 = revoke it now). A secret that was already previous is dropped.
 */
export async function rotateWebhookTriggerSecret(deps: WebhookDeps, tenantId: string, id: string, overlapSeconds = DEFAULT_ROTATION_OVERLAP_SECONDS): Promise<{ trigger: WebhookTrigger; secret: string }> {
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > 30 * 86400) throw new ValidationError([{ path: 'overlapSeconds', message: 'must be 0 to 2592000 (30 days)' }]);
  const existing = await ownTrigger(deps.db, tenantId, id);
  const secret = newSecret();
  const now = (deps.now ?? (() => new Date()))();
  const trigger = await deps.db.webhookTrigger.update({
    where: { id: existing.id },
    data: {
      secret: encryptJson(deps.encryptionKey, secret),
      previousSecret: overlapSeconds > 0 ? existing.secret : null,
      previousSecretExpiresAt: overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000) : null,
    },
  });
  webhookViews(deps.db).forget(trigger.token);
  return { trigger, secret };
}

export async function deleteWebhookTrigger(deps: WebhookDeps, tenantId: string, id: string): Promise<void> {
  const existing = await ownTrigger(deps.db, tenantId, id);
  await deps.db.webhookTrigger.delete({ where: { id: existing.id } });
  webhookViews(deps.db).forget(existing.token);
}

/** What a delivery needs of its trigger, secrets decrypted. */
export interface WebhookView {
  id: string;
  tenantId: string;
  workflowId: string;
  enabled: boolean;
  secrets: { secret: string; until: number | null }[];
  validator: ValidateFunction | null;
  idempotencyKeyHeader: string | null;
  idempotencyKeyPath: string | null;
  rateLimitPerMinute: number;
}

/**
 * Triggers by token, kept VIEW_TTL_MS after they are read, so a steady stream of deliveries costs
 * no SELECT each: changes made in this process apply at once (forget), those of another api process
 * within VIEW_TTL_MS. Unknown tokens are remembered too (as null), so probing costs no query per try.
 */
export const webhookViews = perOwner((db: PrismaClient) => {
  const views = new Map<string, { view: WebhookView | null; at: number }>();
  return {
    async get(token: string, encryptionKey: Buffer, nowMs: number): Promise<WebhookView | null> {
      const hit = views.get(token);
      if (hit && nowMs - hit.at < VIEW_TTL_MS) return hit.view;
      const row = await db.webhookTrigger.findUnique({ where: { token } });
      const view: WebhookView | null = row && {
        id: row.id,
        tenantId: row.tenantId,
        workflowId: row.workflowId,
        enabled: row.enabled,
        secrets: [
          { secret: decryptJson<string>(encryptionKey, row.secret), until: null },
          ...(row.previousSecret && row.previousSecretExpiresAt ? [{ secret: decryptJson<string>(encryptionKey, row.previousSecret), until: row.previousSecretExpiresAt.getTime() }] : []),
        ],
        validator: payloadValidator(row),
        idempotencyKeyHeader: row.idempotencyKeyHeader,
        idempotencyKeyPath: row.idempotencyKeyPath,
        rateLimitPerMinute: row.rateLimitPerMinute,
      };
      if (views.size >= 10_000) views.clear();
      views.set(token, { view, at: nowMs });
      return view;
    },
    forget(token: string) {
      views.delete(token);
    },
  };
});
