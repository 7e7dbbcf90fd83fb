// Ends a subscription when the API key that opened it stops working.
//
// Threat model: a subscription is authenticated once, when it starts, and may stay open for
// days. Revoking a leaked key must cut what it is already receiving, not only refuse its next
// request. So every live subscription (SSE or graphql-ws: both run through this envelope) is
// registered under its key and ends — one last result with an UNAUTHENTICATED error, then
// complete — when:
// - a revocation or rotation is announced (auth/key-changes.ts, pushed to every api process),
//   at once, or at the key's new end when a rotation leaves an overlap;
// - the key's expiry (or a rotation's end) arrives, by a timer;
// - a periodic re-check finds the row revoked, expired or deleted (covers changes made outside
//   the API, such as the admin CLI, and an announcement lost while Redis reconnected).
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Authenticator } from '../../auth/authenticator.ts';
import { validUntilOf } from '../../auth/key-changes.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { GraphQLContext } from '../context.ts';

export const KEY_REVOKED_CODE = 'UNAUTHENTICATED';

export interface KeyRevocationOptions {
  authenticator: Authenticator;
  db: PrismaClient;
  /** How often the keys of live subscriptions are re-read from the database. */
  recheckIntervalMs?: number;
  now?: () => number;
}

interface LiveSubscription {
  end(): void;
}

/** setTimeout's longest delay; a later end is re-armed when it comes closer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function revokedResult(): ExecutionResult {
  return { errors: [new GraphQLError('The API key of this subscription was revoked or has expired', { extensions: { code: KEY_REVOKED_CODE } })] };
}

/** The source stream until end() is called: then one error result, and done. */
function endable(source: AsyncIterable<ExecutionResult>, onFinish: () => void): { stream: AsyncIterableIterator<ExecutionResult>; end: () => void } {
  const it = source[Symbol.asyncIterator]();
  let end!: () => void;
  const ended = new Promise<'ended'>((resolve) => (end = () => resolve('ended')));
  let finished = false;
  const finish = async () => {
    if (finished) return;
    finished = true;
    onFinish();
    await it.return?.();
  };
  const stream: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (finished) return { done: true, value: undefined };
      const r = await Promise.race([it.next(), ended]);
      if (r === 'ended') {
        await finish();
        return { done: false, value: revokedResult() };
      }
      if (r.done) {
        finished = true;
        onFinish();
      }
      return r;
    },
    async return() {
      await finish();
      return { done: true, value: undefined };
    },
    async throw(err) {
      await finish();
      throw err;
    },
  };
  return { stream, end };
}

export function useKeyRevocation({ authenticator, db, recheckIntervalMs = 30_000, now = Date.now }: KeyRevocationOptions): Plugin {
  const live = new Map<string, Set<LiveSubscription>>();
  const timers = new Map<string, NodeJS.Timeout>();
  let recheck: NodeJS.Timeout | undefined;

  const endAll = (apiKeyId: string) => {
    for (const s of live.get(apiKeyId) ?? []) s.end();
  };
  const scheduleEnd = (apiKeyId: string, validUntil: number | null | undefined) => {
    clearTimeout(timers.get(apiKeyId));
    timers.delete(apiKeyId);
    if (validUntil === null || validUntil === undefined || !live.has(apiKeyId)) return;
    const wait = validUntil - now();
    if (wait <= 0) return endAll(apiKeyId);
    const timer = setTimeout(() => scheduleEnd(apiKeyId, validUntil), Math.min(wait, MAX_TIMER_MS));
    timer.unref?.();
    timers.set(apiKeyId, timer);
  };
  const recheckAll = async () => {
    const ids = [...live.keys()];
    if (ids.length === 0) return;
    const rows = await db.apiKey.findMany({ where: { id: { in: ids } }, select: { id: true, revokedAt: true, expiresAt: true } });
    const found = new Map(rows.map((r) => [r.id, validUntilOf(r)]));
    for (const id of ids) {
      if (!found.has(id)) endAll(id);
      else scheduleEnd(id, found.get(id));
    }
  };

  authenticator.changes.on((c) => scheduleEnd(c.apiKeyId, c.validUntil));

  const register = (apiKeyId: string, validUntil: number | undefined, sub: LiveSubscription) => {
    let set = live.get(apiKeyId);
    if (!set) live.set(apiKeyId, (set = new Set()));
    set.add(sub);
    if (!timers.has(apiKeyId)) scheduleEnd(apiKeyId, validUntil);
    if (!recheck) {
      recheck = setInterval(() => void recheckAll().catch(() => {}), recheckIntervalMs);
      recheck.unref?.();
    }
    return () => {
      set.delete(sub);
      if (set.size > 0) return;
      live.delete(apiKeyId);
      clearTimeout(timers.get(apiKeyId));
      timers.delete(apiKeyId);
      if (live.size === 0) {
        clearInterval(recheck);
        recheck = undefined;
      }
    };
  };

  return {
    onSubscribe({ args }) {
      const viewer = (args.contextValue as Partial<GraphQLContext>).viewer;
      if (!viewer) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!(Symbol.asyncIterator in result)) return;
          const sub: LiveSubscription = { end: () => {} };
          let unregister = () => {};
          const { stream, end } = endable(result, () => unregister());
          sub.end = end;
          unregister = register(viewer.apiKeyId, viewer.validUntil, sub);
          setResult(stream);
        },
      };
    },
  };
}
