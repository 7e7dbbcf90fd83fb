// A subscriber that does not keep up must not take the api process down, and must not make it
// hold an unbounded queue. Against the real Redis the test suite starts.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { channel, type ExecutionEvent, type LogBatchEvent } from '../events.ts';
import { createRedis } from '../redis.ts';
import { createFlowdeckPubSub } from './pubsub.ts';

const publisher = createRedis();
const subscriber = createRedis();
// SUBSCRIBE before the connection is ready races ioredis's ready check (see subscribeWhenReady);
// the api's subscriber connection is ready long before its first subscription.
beforeAll(async () => {
  await Promise.all([publisher.ping(), subscriber.ping()]);
});
afterAll(() => {
  publisher.disconnect();
  subscriber.disconnect();
});

const topic = () => `pubsub-test-${randomUUID()}`;
const logBatch = (i: number): LogBatchEvent => ({ tenantId: 't', entries: [{ id: String(i) }] }) as unknown as LogBatchEvent;

async function publishAll(t: string, events: unknown[]) {
  const pipeline = publisher.pipeline();
  for (const e of events) pipeline.publish(channel(t, 't'), JSON.stringify(e));
  await pipeline.exec();
  // Published messages reach the subscriber connection after the publisher's reply; a PING on
  // the subscriber connection answered means they were read before it.
  await subscriber.ping();
}

it('queues more than Yoga’s 1,024 pending events for a slow subscriber, in order, without crashing the process', async () => {
  const pubSub = createFlowdeckPubSub(publisher, subscriber);
  const t = topic();
  const it = pubSub.subscribe<LogBatchEvent>(t, 't')[Symbol.asyncIterator]();
  const first = it.next(); // subscribes
  await pubSub.listening();
  // With graphql-yoga's createPubSub this threw RepeaterOverflowError from ioredis's message
  // handler: an uncaught exception, which ends the process (and fails this test run).
  await publishAll(t, Array.from({ length: 1_500 }, (_, i) => logBatch(i)));
  const got = [(await first).value];
  while (got.length < 1_500) got.push((await it.next()).value);
  expect(got.map((e) => (e as LogBatchEvent).entries[0]!.id)).toEqual(Array.from({ length: 1_500 }, (_, i) => String(i)));
  await it.return?.();
});

it('ends a subscription that falls too far behind with SUBSCRIBER_TOO_SLOW', async () => {
  const pubSub = createFlowdeckPubSub(publisher, subscriber, () => {}, 10);
  const t = topic();
  const it = pubSub.subscribe<LogBatchEvent>(t, 't')[Symbol.asyncIterator]();
  const first = it.next();
  await pubSub.listening();
  // Within the bound: delivered.
  await publishAll(t, Array.from({ length: 5 }, (_, i) => logBatch(i)));
  const got = [(await first).value];
  while (got.length < 5) got.push((await it.next()).value);
  // 30 more while nobody reads: the subscription ends instead of queueing without limit.
  await publishAll(t, Array.from({ length: 30 }, (_, i) => logBatch(5 + i)));
  const err = await (async () => {
    for (;;) if ((await it.next()).done) return 'ended without an error';
  })().catch((e: unknown) => e);
  expect(err).toMatchObject({ extensions: { code: 'SUBSCRIBER_TOO_SLOW' } });
});

it('coalesces pending events of one execution into the newest', async () => {
  const pubSub = createFlowdeckPubSub(publisher, subscriber, () => {}, 10);
  const t = topic();
  const it = pubSub.subscribe<ExecutionEvent>(t, 't', { coalesceBy: (e) => e.executionId })[Symbol.asyncIterator]();
  const first = it.next();
  await pubSub.listening();
  const event = (executionId: string, status: string) => ({ tenantId: 't', executionId, workflowId: 'w', status });
  // 40 events for 2 executions: beyond the bound of 10 if they were queued one by one.
  await publishAll(t, [...Array.from({ length: 20 }, () => event('a', 'RUNNING')), ...Array.from({ length: 19 }, () => event('b', 'RUNNING')), event('a', 'COMPLETED'), event('b', 'FAILED')]);
  const got = [(await first).value as ExecutionEvent];
  while (!(got.some((e) => e.executionId === 'a' && e.status === 'COMPLETED') && got.some((e) => e.executionId === 'b' && e.status === 'FAILED'))) {
    got.push((await it.next()).value as ExecutionEvent);
  }
  // What waited was one event per execution, the newest: a handful delivered, not 41, and no
  // SUBSCRIBER_TOO_SLOW although 41 events exceed the bound of 10.
  expect(got.length).toBeLessThanOrEqual(4);
  expect(got.filter((e) => e.executionId === 'a').at(-1)!.status).toBe('COMPLETED');
  expect(got.filter((e) => e.executionId === 'b').at(-1)!.status).toBe('FAILED');
  await it.return?.();
});
