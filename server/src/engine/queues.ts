// The BullMQ queues. Names are nouns; job names are verbs. Every queue shares one prefix from
// REDIS_PREFIX wrapped in a hash tag, so all of a queue's keys land in one Redis Cluster slot.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { repeatStrategy } from './cron.ts';
import type { TraceCarrier } from '../tracing/tracing.ts';

/**
 * Fire jobs run this long before their slot: the execution row and its run job (delayed until
 * the slot) then exist when the slot comes, so slot-to-start is one delayed-job pickup instead
 * of the whole trigger. The overlap policy is judged this much before the slot.
 */
export const FIRE_LEAD_MS = 1_000;

/** BullMQ `settings.repeatStrategy` of the schedules queue: cron.ts's DST policy, FIRE_LEAD_MS early. */
export function fireRepeatStrategy(millis: number, opts: { pattern?: string; tz?: string }): number | undefined {
  const next = repeatStrategy(millis + FIRE_LEAD_MS, opts);
  return next === undefined ? undefined : next - FIRE_LEAD_MS;
}

export const QUEUE_NAMES = {
  /** One job per execution; the job id is the execution id. */
  runs: 'runs',
  /**
   * One BullMQ job scheduler per scheduled workflow; each fire becomes a `fire` job that the
   * scheduler turns into an execution. Apart from `runs` so long runs never delay a slot.
   */
  schedules: 'schedules',
  /** PDF renders, consumed by the pdf-worker role. */
  pdf: 'pdf',
  /** Housekeeping: log partitions and retention, the PENDING sweeper. */
  maintenance: 'maintenance',
} as const;

export interface RunJobData {
  executionId: string;
  tenantId: string;
  /** W3C trace context of whatever enqueued the run (a GraphQL operation, a schedule slot); only when tracing is on. */
  trace?: TraceCarrier;
}

export function bullPrefix(redisPrefix: string): string {
  return `{${redisPrefix}}`;
}

export interface Queues {
  runs: Queue<RunJobData>;
  schedules: Queue;
  pdf: Queue;
  maintenance: Queue;
  close(): Promise<void>;
}

export function createQueues(connection: Redis, redisPrefix: string): Queues {
  const prefix = bullPrefix(redisPrefix);
  const runs = new Queue<RunJobData>(QUEUE_NAMES.runs, { connection, prefix });
  // Fire times follow cron.ts's DST policy; the schedules worker uses the same strategy.
  const schedules = new Queue(QUEUE_NAMES.schedules, { connection, prefix, settings: { repeatStrategy: fireRepeatStrategy } });
  const pdf = new Queue(QUEUE_NAMES.pdf, { connection, prefix });
  const maintenance = new Queue(QUEUE_NAMES.maintenance, { connection, prefix });
  return {
    runs,
    schedules,
    pdf,
    maintenance,
    close: async () => {
      await Promise.all([runs.close(), schedules.close(), pdf.close(), maintenance.close()]);
    },
  };
}

/**
 * SUBSCRIBE only once the connection is ready: subscribing earlier races ioredis's ready check
 * (an INFO that subscriber mode refuses), and the connection then never delivers messages.
 */
export async function subscribeWhenReady(redis: Redis, channel: string): Promise<void> {
  if (redis.status !== 'ready') await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  await redis.subscribe(channel);
}

/**
 * Job id of the run job that continues an execution after its waitpoint was resolved: one per
 * waitpoint, so resolving twice (or a repair sweep) cannot enqueue the continuation twice.
 */
export function resumeJobId(waitpointId: string): string {
  return `resume-${waitpointId}`;
}

/** Job id of the maintenance job that times a waitpoint out at its timeoutAt. */
export function waitTimeoutJobId(waitpointId: string): string {
  return `wait-timeout-${waitpointId}`;
}
