// One execution per distinct live subscription, shared by every WebSocket subscriber that asked
// for the same thing. Without it, N dashboards tailing the same filter cost N filter checks, N
// row loads and N resolutions of the same payload per event; with it, one Redis message costs
// one of each per distinct (API key, document, variables), whatever the number of subscribers,
// and only the send to each socket grows with them.
//
// What may be shared: subscribers with the same API key (so the same tenant, role and scope),
// the same document and the same variables. An operation that replays history (an `after`
// argument) is never shared: a late joiner would miss the replay the first subscriber already
// received. A joiner sees the events that arrive after it joined, as an unshared one would.
import { Kind, type DocumentNode, type ExecutionResult } from 'graphql';
import { Repeater } from 'graphql-yoga';

/** Events one slow subscriber may fall behind by before it is closed (the others go on). */
const MAX_BEHIND = 1000;

type Results = AsyncIterable<ExecutionResult> | ExecutionResult;

interface Group {
  listeners: Set<Listener>;
  /**
   * Subscribers handed an iterator they have not started yet. A Repeater runs its executor (which
   * joins `listeners`) on the first next() only, so without this count a group would be ended
   * under a subscriber about to join, and one whose only subscriber was returned before it
   * started (graphql-ws does that when the socket closed while the subscription was being set
   * up, e.g. a 4409 duplicate id) would keep its Redis subscription forever.
   */
  pending: number;
  source: AsyncIterator<ExecutionResult> | undefined;
}

interface Listener {
  push: (r: ExecutionResult) => void;
  fail: (err: unknown) => void;
  end: () => void;
}

/** Whether a document's root fields take an argument named `after` (a replay from a cursor). */
export function replays(document: DocumentNode): boolean {
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const sel of def.selectionSet.selections) if (sel.kind === Kind.FIELD && sel.arguments?.some((a) => a.name.value === 'after')) return true;
  }
  return false;
}

export class SharedSubscriptions {
  private readonly groups = new Map<string, Group>();
  /** Source executions started since creation (one per group): what the fan-out test counts. */
  started = 0;

  /** Subscribers now, and distinct executions serving them. */
  stats(): { groups: number; subscribers: number } {
    let subscribers = 0;
    for (const g of this.groups.values()) subscribers += g.listeners.size;
    return { groups: this.groups.size, subscribers };
  }

  /**
   * The results of `subscribe()` for this subscriber: the group's shared stream when `key` is
   * already being served, else a new group started with `subscribe()`. `key` undefined: not
   * shareable, runs on its own.
   */
  async subscribe(key: string | undefined, subscribe: () => Results | Promise<Results>): Promise<Results> {
    if (key === undefined) return subscribe();
    let group = this.groups.get(key);
    if (!group) {
      const created: Group = { listeners: new Set(), pending: 0, source: undefined };
      this.groups.set(key, created);
      this.started++;
      let results: Results;
      try {
        results = await subscribe();
      } catch (err) {
        this.groups.delete(key);
        for (const l of created.listeners) l.fail(err);
        throw err;
      }
      // Refused at subscribe time (auth, bad arguments): an answer for this subscriber alone;
      // whoever joined meanwhile gets the same.
      if (!(Symbol.asyncIterator in results)) {
        this.groups.delete(key);
        for (const l of created.listeners) {
          l.push(results);
          l.end();
        }
        return results;
      }
      created.source = results[Symbol.asyncIterator]();
      void this.pump(key, created);
      group = created;
    }
    return this.listen(key, group);
  }

  private listen(key: string, group: Group): AsyncIterableIterator<ExecutionResult> {
    group.pending++;
    let joined = false;
    const join = () => {
      const first = !joined;
      joined = true;
      if (first) group.pending--;
      return first;
    };
    const repeater = new Repeater<ExecutionResult>(async (push, stop) => {
      join();
      // The shared execution ended before this subscriber started: it ends too.
      if (this.groups.get(key) !== group) return void stop();
      let behind = 0;
      const listener: Listener = {
        push: (r) => {
          if (++behind > MAX_BEHIND) return void stop(new Error('The subscriber fell too far behind'));
          void push(r).then(() => behind--, () => {});
        },
        fail: (err) => stop(err),
        end: () => stop(),
      };
      group.listeners.add(listener);
      await stop;
      group.listeners.delete(listener);
      await this.endIfUnused(key, group);
    });
    // Returned (or thrown into) before its first next(): the executor above never runs, so this
    // subscriber leaves here.
    const leaveUnstarted = async () => {
      if (join()) await this.endIfUnused(key, group);
    };
    return {
      next: () => repeater.next(),
      return: async (value?: unknown) => {
        await leaveUnstarted();
        return repeater.return(value as never);
      },
      throw: async (err?: unknown) => {
        await leaveUnstarted();
        return repeater.throw(err);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** The last subscriber gone (none about to join either): end the shared execution and its Redis subscription. */
  private async endIfUnused(key: string, group: Group): Promise<void> {
    if (group.listeners.size > 0 || group.pending > 0 || this.groups.get(key) !== group) return;
    this.groups.delete(key);
    await group.source?.return?.();
  }

  private async pump(key: string, group: Group): Promise<void> {
    try {
      for (;;) {
        const next = await group.source!.next();
        if (next.done) break;
        for (const l of group.listeners) l.push(next.value);
      }
      for (const l of group.listeners) l.end();
    } catch (err) {
      for (const l of group.listeners) l.fail(err);
    } finally {
      if (this.groups.get(key) === group) this.groups.delete(key);
    }
  }
}
