// Yoga pub/sub over Redis: `subscribe(topic, tenantId)` listens on the channel
// `${topic}:${tenantId}` that workers publish to (events.ts), so every api process relays every
// tenant's events, and the Redis SUBSCRIBE exists only while some subscription listens.
//
// Each subscription queues the events its consumer has not taken yet. Yoga's own pub/sub hands
// them to a Repeater that allows 1,024 pending pushes and then THROWS from the Redis message
// handler: one slow subscriber (a client selecting rows during a burst of 2,000 runs) crashed
// the whole api process. Here the queue is ours and bounded per subscription: events that
// stand for a row (an execution's) replace their older pending event, since the subscriber
// loads the row as it is now anyway; past the bound, that one subscription ends with
// SUBSCRIBER_TOO_SLOW (logAdded(after:) resumes without a gap) and nothing else notices.
import { GraphQLError } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';
import { channel, type ExecutionEvent, type LogBatchEvent } from '../events.ts';

/** Events one subscription may have waiting before it is ended. */
export const MAX_PENDING_EVENTS = 5_000;

export interface SubscribeOptions<T> {
  /** Pending events with the same key are one: the newest replaces the older (keeping its place). */
  coalesceBy?: (event: T) => string;
}

export interface FlowdeckPubSub {
  subscribe<T extends ExecutionEvent | LogBatchEvent>(topic: string, tenantId: string, options?: SubscribeOptions<T>): AsyncIterable<T>;
  /**
   * Resolves once every SUBSCRIBE sent so far is in effect on the Redis server (commands on one
   * connection run in order, so a PING answered means the SUBSCRIBEs before it were). A replay
   * that starts after this cannot miss an event published in between.
   */
  listening(): Promise<void>;
}

/**
 * The event target fires SUBSCRIBE/UNSUBSCRIBE without awaiting them. One that fails (Redis
 * restarting, or the last subscription ending while the process shuts down) must not become an
 * unhandled rejection; ioredis re-subscribes its channels by itself after a reconnect.
 */
function withHandledSubscriptions(client: Redis, onError: (err: unknown) => void): Redis {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'subscribe' || prop === 'unsubscribe') {
        return (...channels: string[]) => target[prop](...channels).catch(onError);
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function subscriberTooSlow(pending: number): GraphQLError {
  return new GraphQLError(`This subscription fell ${pending} events behind and was ended; subscribe again (logAdded: with after set to the last cursor received).`, {
    extensions: { code: 'SUBSCRIBER_TOO_SLOW' },
  });
}

export function createFlowdeckPubSub(
  publishClient: Redis,
  subscribeClient: Redis,
  onError: (err: unknown) => void = () => {},
  maxPending = MAX_PENDING_EVENTS,
): FlowdeckPubSub {
  const target = createRedisEventTarget({ publishClient, subscribeClient: withHandledSubscriptions(subscribeClient, onError) });
  return {
    subscribe: <T extends ExecutionEvent | LogBatchEvent>(topic: string, tenantId: string, options: SubscribeOptions<T> = {}) =>
      new Repeater<T>(async (push, stop) => {
        const pending = new Map<string | number, T>();
        let seq = 0;
        let wake: (() => void) | undefined;
        let ended = false;
        const listener = (event: Event) => {
          if (ended) return;
          const payload = (event as CustomEvent<T>).detail;
          pending.set(options.coalesceBy?.(payload) ?? seq++, payload);
          if (pending.size > maxPending) {
            ended = true;
            stop(subscriberTooSlow(pending.size));
          }
          wake?.();
        };
        const name = channel(topic, tenantId);
        target.addEventListener(name, listener);
        void stop.then(() => {
          ended = true;
          target.removeEventListener(name, listener);
          wake?.();
        });
        while (!ended) {
          const next = pending.entries().next();
          if (next.done) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
            continue;
          }
          pending.delete(next.value[0]);
          await push(next.value[1]);
        }
      }),
    listening: async () => {
      await subscribeClient.ping();
    },
  };
}
