// Yoga pub/sub over Redis: `subscribe(topic, tenantId)` listens on the channel
// `${topic}:${tenantId}` that workers publish to (events.ts), so every api process relays every
// tenant's events, and the Redis SUBSCRIBE exists only while some subscription listens.
import { createPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';
import type { ExecutionEvent, LogBatchEvent } from '../events.ts';

export interface FlowdeckPubSub {
  subscribe(topic: string, tenantId: string): AsyncIterable<ExecutionEvent | LogBatchEvent>;
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

export function createFlowdeckPubSub(publishClient: Redis, subscribeClient: Redis, onError: (err: unknown) => void = () => {}): FlowdeckPubSub {
  const pubSub = createPubSub<Record<string, [tenantId: string, payload: ExecutionEvent | LogBatchEvent]>>({
    eventTarget: createRedisEventTarget({ publishClient, subscribeClient: withHandledSubscriptions(subscribeClient, onError) }),
  });
  return {
    subscribe: (topic, tenantId) => pubSub.subscribe(topic, tenantId),
    listening: async () => {
      await subscribeClient.ping();
    },
  };
}
