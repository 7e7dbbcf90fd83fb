// Varied run and log histories for the stats suites, from a seeded generator: random workflows,
// statuses, durations (spanning ms to minutes), drift, and times spread over a window, written
// through the same tables (and so the same rollup triggers) as the engine writes them.
import { randomUUID } from 'node:crypto';
import type { Db } from '../src/db.ts';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedRun {
  id: string;
  workflowId: string;
  status: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  trigger: 'MANUAL' | 'SCHEDULE' | 'API';
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  driftMs: number | null;
}

const STATUSES = ['PENDING', 'RUNNING', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;

/** A duration no bin boundary can split ambiguously between JavaScript and PostgreSQL floats. */
function awayFromPowersOfTwo(ms: number): number {
  return Number.isInteger(Math.log2(ms)) ? ms + 1 : ms;
}

/** n runs over [from, to) for the given workflows; durations log-uniform from 5 ms to 10 min. */
export function generateRuns(random: () => number, workflowIds: string[], n: number, from: Date, to: Date): GeneratedRun[] {
  const span = to.getTime() - from.getTime();
  return Array.from({ length: n }, () => {
    const workflowId = workflowIds[Math.floor(random() * workflowIds.length)]!;
    const createdAt = new Date(from.getTime() + Math.floor(random() * span));
    const status = STATUSES[Math.floor(random() * STATUSES.length)]!;
    const trigger = (['MANUAL', 'SCHEDULE', 'API'] as const)[Math.floor(random() * 3)]!;
    const started = status !== 'PENDING';
    const startedAt = started ? new Date(createdAt.getTime() + Math.floor(random() * 2000)) : null;
    const duration = awayFromPowersOfTwo(Math.round(5 * Math.exp(random() * Math.log(120_000))));
    const finishedAt = startedAt && status !== 'RUNNING' ? new Date(startedAt.getTime() + duration) : null;
    const driftMs = trigger === 'SCHEDULE' && started ? awayFromPowersOfTwo(1 + Math.floor(random() * random() * 30_000)) : null;
    return { id: randomUUID(), workflowId, status, trigger, createdAt, startedAt, finishedAt, driftMs };
  });
}

export async function insertRuns(db: Db, tenantId: string, runs: GeneratedRun[]): Promise<void> {
  for (let i = 0; i < runs.length; i += 2000) {
    const chunk = runs.slice(i, i + 2000);
    await db.$executeRawUnsafe(
      `INSERT INTO "WorkflowExecution" ("id", "tenantId", "workflowId", "workflowVersion", "status", "trigger", "createdAt", "startedAt", "finishedAt", "driftMs", "updatedAt")
       SELECT r.id, $1::uuid, r.wf, 1, r.status::"ExecutionStatus", r.trigger::"TriggerKind", r.created, r.started, r.finished, r.drift, now()
       FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::int[])
         AS r(id, wf, status, trigger, created, started, finished, drift)`,
      tenantId,
      chunk.map((r) => r.id),
      chunk.map((r) => r.workflowId),
      chunk.map((r) => r.status),
      chunk.map((r) => r.trigger),
      chunk.map((r) => r.createdAt),
      chunk.map((r) => r.startedAt),
      chunk.map((r) => r.finishedAt),
      chunk.map((r) => r.driftMs),
    );
  }
}

export async function createWorkflows(db: Db, tenantId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const wf = await db.workflow.create({ data: { tenantId, name: `stats wf ${i}`, enabled: false, definition: { steps: [{ type: 'log', config: { message: 'x' } }] } } });
    ids.push(wf.id);
  }
  return ids;
}

export interface GeneratedLine {
  level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  workflowId: string | null;
  executionId: string | null;
  message: string;
  createdAt: Date;
}

const WORDS = ['synced', 'orders', 'insights', 'rendered', 'sent', 'retrying', 'timeout', 'deadlock', 'account', 'page'];

export function generateLines(random: () => number, workflowIds: string[], executionIds: string[], n: number, from: Date, to: Date): GeneratedLine[] {
  const span = to.getTime() - from.getTime();
  const levels = ['DEBUG', 'INFO', 'INFO', 'INFO', 'WARN', 'ERROR'] as const;
  return Array.from({ length: n }, () => ({
    level: levels[Math.floor(random() * levels.length)]!,
    workflowId: random() < 0.1 ? null : workflowIds[Math.floor(random() * workflowIds.length)]!,
    executionId: random() < 0.5 ? executionIds[Math.floor(random() * executionIds.length)] ?? null : null,
    message: Array.from({ length: 3 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' '),
    createdAt: new Date(from.getTime() + Math.floor(random() * span)),
  }));
}

export async function insertLines(db: Db, tenantId: string, lines: GeneratedLine[]): Promise<void> {
  const times = lines.map((l) => l.createdAt.getTime());
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  await db.$queryRawUnsafe('SELECT flowdeck_ensure_log_partitions($1::date, $2::date)', day(Math.min(...times)), day(Math.max(...times)));
  for (let i = 0; i < lines.length; i += 2000) {
    const chunk = lines.slice(i, i + 2000);
    await db.$executeRawUnsafe(
      `INSERT INTO "LogEntry" ("id", "tenantId", "level", "message", "workflowId", "executionId", "createdAt")
       SELECT gen_random_uuid(), $1::uuid, l.level::"LogLevel", l.message, l.wf, l.ex, l.created
       FROM unnest($2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::timestamptz[]) AS l(level, message, wf, ex, created)`,
      tenantId,
      chunk.map((l) => l.level),
      chunk.map((l) => l.message),
      chunk.map((l) => l.workflowId),
      chunk.map((l) => l.executionId),
      chunk.map((l) => l.createdAt),
    );
  }
}
