// Live events between processes: workers publish small, id-carrying JSON messages on Redis
// channels per tenant; every api process relays them to GraphQL subscriptions through Yoga's
// pub/sub with @graphql-yoga/redis-event-target, whose channel for `subscribe(topic, id)` is
// `${topic}:${id}`. Payloads carry ids and small scalars only (dates do not survive JSON);
// subscription resolvers load the rows, so auth and selections apply as for queries.
import type { Redis } from 'ioredis';
import { Batcher, perOwner } from './batcher.ts';
import type { ExecutionStatus, LogLevel } from './generated/prisma/enums.ts';

export function eventTopics(prefix: string) {
  return {
    /** Yoga topic for execution changes; the channel is `${executions}:${tenantId}`. */
    executions: `${prefix}:execution`,
    /** Yoga topic for written log batches; the channel is `${logs}:${tenantId}`. */
    logs: `${prefix}:log`,
    /** Cancel requests for whichever worker runs the execution (not per tenant). */
    cancel: `${prefix}:cancel`,
    /** A workflow was created, changed or deleted: schedulers reconcile it. */
    workflowChanged: `${prefix}:workflow-changed`,
  };
}

export interface ExecutionEvent {
  tenantId: string;
  executionId: string;
  workflowId: string;
  status: ExecutionStatus;
}

export interface LogBatchEvent {
  tenantId: string;
  /** The written entries, enough for a subscriber to filter before loading rows. */
  entries: { id: string; createdAt: string; level: LogLevel; workflowId: string | null; executionId: string | null }[];
}

export interface CancelEvent {
  executionId: string;
}

export function channel(topic: string, id?: string): string {
  return id === undefined ? topic : `${topic}:${id}`;
}

/**
 * Publishes concurrent events of one connection as one pipeline (a write syscall per turn of
 * the event loop instead of one per event). Order is kept: a connection sends in call order.
 * A pipeline is not all-or-nothing; when one fails the Batcher publishes its messages again one
 * by one, and an event that arrives twice is harmless (subscribers load the row).
 */
const publisher = perOwner(
  (redis: Redis) =>
    new Batcher<[string, string], void>(async (messages) => {
      const pipeline = redis.pipeline();
      for (const [channelName, message] of messages) pipeline.publish(channelName, message);
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0];
      return messages.map(() => undefined);
    }),
);

export async function publishEvent(redis: Redis, topic: string, id: string | undefined, payload: unknown): Promise<void> {
  await publisher(redis).add([channel(topic, id), JSON.stringify(payload)]);
}
