// Events: sendEvent (GraphQL) and POST /events record an event once per idempotency key and start
// every enabled workflow of the same tenant whose event trigger matches it, with the payload as
// input (trigger EVENT, WorkflowExecution.eventId = the event), and resumes the tenant's runs parked at a
// wait.event step whose match holds for it.
//
// Exactly once: the event row is inserted with ON CONFLICT DO NOTHING on (tenantId,
// idempotencyKey), so of two concurrent sends with one key only one records it and goes on to
// start runs; the other (and any later retry) gets the same event and the runs it started. Each
// run's own idempotency key is `ev:<event>:<workflow>`, so even a repeated onEventRecorded would
// not start a workflow twice for one event.
import type { Event } from '../generated/prisma/client.ts';
import { triggerExecution, type EngineDeps } from '../engine/executions.ts';
import { resumeWaitsForEvent } from '../engine/waits/resolve.ts';
import { ValidationError, type InputProblem } from '../errors.ts';
import { INPUT_LIMITS, jsonTooLarge } from '../security/input-limits.ts';
import { cachedExpression, matches } from '../workflows/expression.ts';
import { uuidv7 } from '../uuid7.ts';

export const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

export interface SendEventInput {
  name: string;
  payload: unknown;
  /** A repeat of the same key returns the first event and starts nothing new. */
  idempotencyKey?: string | null;
}

export interface SendEventResult {
  event: Event;
  /** true when the key matched an earlier event (nothing new was started). */
  duplicate: boolean;
  /** The runs the event started (row ids). */
  executionIds: string[];
}

/** What the hook point hands on: enough to match triggers and waits without reading the row again. */
export interface RecordedEvent {
  id: string;
  name: string;
  payload: Record<string, unknown>;
  /** Given for a late dispatch (redispatch-events.ts): waits opened after it do not count. */
  recordedAt?: Date;
}

function checkInput(input: SendEventInput): InputProblem[] {
  const problems: InputProblem[] = [];
  if (typeof input.name !== 'string' || input.name.length > 200 || !EVENT_NAME.test(input.name)) problems.push({ path: 'name', message: 'must be 1 to 200 characters: letters, digits and . _ : / - (e.g. visa.status.changed)' });
  if (input.payload === null || typeof input.payload !== 'object' || Array.isArray(input.payload)) problems.push({ path: 'payload', message: "must be a JSON object (it becomes the runs' input)" });
  else {
    const big = jsonTooLarge(input.payload, 'payload', INPUT_LIMITS.contextBytes);
    if (big) problems.push(big);
  }
  const key = input.idempotencyKey;
  if (key !== undefined && key !== null && (typeof key !== 'string' || key.length < 1 || key.length > 200)) problems.push({ path: 'idempotencyKey', message: 'must be 1 to 200 characters' });
  return problems;
}

export async function sendEvent(deps: EngineDeps, tenantId: string, input: SendEventInput): Promise<SendEventResult> {
  const problems = checkInput(input);
  if (problems.length) throw new ValidationError(problems, 'The event is invalid');
  const payload = input.payload as Record<string, unknown>;
  const key = input.idempotencyKey ?? null;
  const id = uuidv7();
  const [inserted] = await deps.db.$queryRaw<Event[]>`
    INSERT INTO "Event" (id, "tenantId", name, payload, "idempotencyKey")
    VALUES (${id}::uuid, ${tenantId}::uuid, ${input.name}, ${JSON.stringify(payload)}::jsonb, ${key})
    ON CONFLICT ("tenantId", "idempotencyKey") DO NOTHING
    RETURNING *`;
  if (!inserted) {
    // The key's first event (a retry, or a concurrent send that won): the same answer as then.
    // One statement for the event and its runs (Prisma would load the relation with a second).
    const [found] = await deps.db.$queryRaw<(Event & { executionIds: string[] })[]>`
      SELECT e.*, ARRAY(SELECT x.id::text FROM "WorkflowExecution" x WHERE x."eventId" = e.id AND x."tenantId" = e."tenantId" ORDER BY x.id) AS "executionIds"
      FROM "Event" e WHERE e."tenantId" = ${tenantId}::uuid AND e."idempotencyKey" = ${key}`;
    if (!found) throw new Error('the event holding the idempotency key vanished');
    const { executionIds, ...row } = found;
    return { event: row, duplicate: true, executionIds };
  }
  const executionIds = await onEventRecorded(deps, tenantId, { id: inserted.id, name: inserted.name, payload });
  return { event: inserted, duplicate: false, executionIds };
}

/**
 * The single hook point after a NEW event is recorded (never for a duplicate): it starts the
 * matching workflows and resumes the runs parked at a wait.event step for it (engine/waits/),
 * then marks the event dispatched. A duplicate does none of it, so a retried delivery cannot
 * resume a second wait; an event whose process died before the mark is dispatched again by the
 * maintenance sweep (redispatch-events.ts), which both halves make harmless. Returns the ids of
 * the runs it started.
 */
export async function onEventRecorded(deps: EngineDeps, tenantId: string, event: RecordedEvent): Promise<string[]> {
  const [started] = await Promise.all([startMatchingWorkflows(deps, tenantId, event), resumeWaitsForEvent(deps, tenantId, event)]);
  await deps.db.$executeRaw`UPDATE "Event" SET "dispatchedAt" = now() WHERE id = ${event.id}::uuid AND "dispatchedAt" IS NULL`;
  return started;
}

/** Starts every enabled workflow of the tenant with a trigger on this event whose filter holds. */
export async function startMatchingWorkflows(deps: EngineDeps, tenantId: string, event: RecordedEvent): Promise<string[]> {
  const triggers = await deps.db.workflowEventTrigger.findMany({
    where: { tenantId, eventName: event.name, workflow: { tenantId, enabled: true, deletedAt: null } },
    select: { workflowId: true, filter: true },
    orderBy: { workflowId: 'asc' },
  });
  const scope = { event: { id: event.id, name: event.name, payload: event.payload } };
  // Several triggers of one workflow on the same event start it once (any of them matching).
  const workflowIds = [...new Set(triggers.filter((t) => t.filter === null || safeMatch(t.filter, scope)).map((t) => t.workflowId))];
  const started = await Promise.allSettled(
    workflowIds.map((workflowId) =>
      triggerExecution(deps, { tenantId, workflowId, trigger: 'EVENT', context: event.payload, eventId: event.id, idempotencyKey: `ev:${event.id}:${workflowId}` }),
    ),
  );
  // A workflow disabled or changed in the meantime is skipped; the others still start.
  return started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.execution.id] : []));
}

function safeMatch(source: string, scope: Record<string, unknown>): boolean {
  try {
    return matches(cachedExpression(source), scope);
  } catch {
    // Filters are checked when the definition is saved; one stored before that rule matches nothing.
    return false;
  }
}
