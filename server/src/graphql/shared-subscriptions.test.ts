// The sharing layer's lifecycle without a server: a shared execution ends when its last
// subscriber leaves, including one that leaves before it ever started iterating.
import type { ExecutionResult } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { SharedSubscriptions } from './shared-subscriptions.ts';

/** A live source (like a Redis relay) that records whether it was ended. */
function source() {
  const state = { ended: false, push: (_r: ExecutionResult) => {} };
  const results = new Repeater<ExecutionResult>(async (push, stop) => {
    state.push = (r) => void push(r);
    await stop;
    state.ended = true;
  });
  return { state, results };
}

describe('SharedSubscriptions', () => {
  it('ends the shared execution when its only subscriber is returned before its first next()', async () => {
    const shared = new SharedSubscriptions();
    const { state, results } = source();
    const it = (await shared.subscribe('k', () => results)) as AsyncIterableIterator<ExecutionResult>;
    await it.return!();
    await new Promise((r) => setTimeout(r, 0));
    expect(shared.stats()).toEqual({ groups: 0, subscribers: 0 });
    expect(state.ended).toBe(true);
  });

  it('keeps the execution for a subscriber that joined but has not started, and ends it after the last one leaves', async () => {
    const shared = new SharedSubscriptions();
    const { state, results } = source();
    const first = (await shared.subscribe('k', () => results)) as AsyncIterableIterator<ExecutionResult>;
    const second = (await shared.subscribe('k', () => results)) as AsyncIterableIterator<ExecutionResult>;
    expect(shared.started).toBe(1);
    const firstNext = first.next();
    await new Promise((r) => setTimeout(r, 0));
    await first.return!();
    await firstNext;
    expect(state.ended).toBe(false); // the second subscriber is still to come
    const secondNext = second.next();
    await new Promise((r) => setTimeout(r, 0));
    state.push({ data: { n: 1 } });
    expect(await secondNext).toEqual({ done: false, value: { data: { n: 1 } } });
    await second.return!();
    await new Promise((r) => setTimeout(r, 0));
    expect(state.ended).toBe(true);
    expect(shared.stats().groups).toBe(0);
  });
});
