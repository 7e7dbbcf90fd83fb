// Admission control for /graphql: a process serves at most `maxConcurrent` requests at once;
// more wait in a short queue, at most `maxQueueMs`, and the rest are refused at once. Past
// capacity the requests a process accepts stay fast, and the others learn it in microseconds,
// instead of every request slowing down together until all of them time out.
//
// Threat model and fairness:
// - It runs before Yoga reads the body: a refused request costs no parsing, no validation and
//   no database work, so a flood cannot make refusing expensive.
// - Callers are told apart by the public prefix of their API key (no lookup; requests without a
//   key share one "anonymous" caller). While requests wait, each active caller's share is an
//   equal part of the running + waiting places; a caller past its share is refused with 429
//   RATE_LIMITED (and, when the queue is full, its newest waiting request makes room for a
//   caller under its share), so one partner's burst cannot starve the others. A made-up prefix
//   only buys a caller one more share, and its requests are refused as unauthenticated as soon
//   as they run.
// - A refusal of the process as a whole (queue full, or waited past maxQueueMs) is 503
//   OVERLOADED. Both carry Retry-After and a GraphQL error with extensions.code.
// - The queue-time budget starts when a request reaches JavaScript; a request also waits before
//   that, while the event loop is busy. So while the loop has lately been late by more than the
//   budget most of the time (its median delay: CPU saturated), nothing is queued: a request gets a free place or an immediate 503.
import type { ServerResponse } from 'node:http';
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { parseApiKey } from '../auth/api-keys.ts';

export interface AdmissionOptions {
  /** Requests served at once; 0 turns admission control off. */
  maxConcurrent: number;
  /** Requests that may wait for a place. */
  maxQueue: number;
  /** How long a request may wait before it is refused (503). */
  maxQueueMs: number;
  /** Seconds a refused client is told to wait (Retry-After). */
  retryAfterSeconds?: number;
  /** How often the event loop's delay is sampled to decide whether to queue at all. */
  lagWindowMs?: number;
}

export type Refusal = { status: 503; code: 'OVERLOADED'; message: string } | { status: 429; code: 'RATE_LIMITED'; message: string };

export type Admission = { admitted: true; release: () => void } | { admitted: false; refusal: Refusal };

interface Waiter {
  caller: string;
  resolve: (a: Admission) => void;
  timer: NodeJS.Timeout;
}

interface Caller {
  running: number;
  waiting: Waiter[];
}

const OVERLOADED: Refusal = { status: 503, code: 'OVERLOADED', message: 'The server is at capacity; retry shortly' };
const FAIR_SHARE: Refusal = { status: 429, code: 'RATE_LIMITED', message: "This API key is using its share of the server's capacity; retry shortly" };

const loadOf = (c: Caller) => c.running + c.waiting.length;

/** The caller a request counts against: its key's public prefix, without any lookup. */
export function callerOf(authorization: string | null | undefined): string {
  if (!authorization) return 'anonymous';
  return parseApiKey(authorization.replace(/^Bearer\s+/i, ''))?.prefix ?? 'anonymous';
}

export class AdmissionControl {
  private running = 0;
  private waiting = 0;
  private readonly callers = new Map<string, Caller>();
  /** Callers with waiting requests, in the order they are served (round robin). */
  private readonly turn: string[] = [];
  /** Totals since start, for the load test and metrics. */
  readonly counts = { admitted: 0, queued: 0, overloaded: 0, fairShare: 0 };

  private readonly delay: ELDHistogram | undefined;
  private readonly lagTimer: NodeJS.Timeout | undefined;
  /** The event loop was late by more than maxQueueMs half the time over the last window (its median). */
  private lagging = false;

  constructor(private readonly opts: AdmissionOptions) {
    if (opts.maxConcurrent > 0 && opts.maxQueue > 0) {
      this.delay = monitorEventLoopDelay({ resolution: 10 });
      this.delay.enable();
      this.lagTimer = setInterval(() => this.sampleLag(), opts.lagWindowMs ?? 500);
      this.lagTimer.unref();
    }
  }

  get enabled(): boolean {
    return this.opts.maxConcurrent > 0;
  }

  /** Stops sampling the event loop (the server is closing). */
  close(): void {
    clearInterval(this.lagTimer);
    this.delay?.disable();
  }

  private sampleLag(): void {
    if (!this.delay) return;
    // The median, not a tail: a neighbour's CPU burst delays a few turns; a saturated loop, most.
    this.lagging = this.delay.percentile(50) / 1e6 > this.opts.maxQueueMs;
    this.delay.reset();
  }

  /** Resolves when the request may run (call release() when its response is done) or is refused. */
  admit(caller: string): Admission | Promise<Admission> {
    if (!this.enabled) return { admitted: true, release: () => {} };
    const c = this.caller(caller);
    if (this.running < this.opts.maxConcurrent && this.waiting === 0) return this.start(caller, c);
    // Fair shares matter only between callers: a lone caller past capacity overloads the process.
    const others = this.activeOthers(c);
    const share = Math.max(1, Math.floor((this.opts.maxConcurrent + this.opts.maxQueue) / (others + 1)));
    if (others > 0 && loadOf(c) >= share) return this.refuse(caller, FAIR_SHARE);
    if (this.opts.maxQueue === 0 || this.opts.maxQueueMs === 0 || this.lagging) return this.refuse(caller, OVERLOADED);
    if (this.waiting >= this.opts.maxQueue && !this.evictOverShare(c, share)) return this.refuse(caller, OVERLOADED);
    this.counts.queued++;
    return new Promise<Admission>((resolve) => {
      const waiter: Waiter = {
        caller,
        resolve,
        timer: setTimeout(() => {
          this.dequeue(waiter);
          this.counts.overloaded++;
          resolve({ admitted: false, refusal: OVERLOADED });
        }, this.opts.maxQueueMs),
      };
      if (c.waiting.length === 0) this.turn.push(caller);
      c.waiting.push(waiter);
      this.waiting++;
    });
  }

  /** Running and waiting requests now, and whether queueing is off because the event loop lags. */
  load(): { running: number; waiting: number; lagging: boolean } {
    return { running: this.running, waiting: this.waiting, lagging: this.lagging };
  }

  private caller(name: string): Caller {
    let c = this.callers.get(name);
    if (!c) this.callers.set(name, (c = { running: 0, waiting: [] }));
    return c;
  }

  /** Callers other than `c` with requests running or waiting. */
  private activeOthers(c: Caller): number {
    let n = 0;
    for (const other of this.callers.values()) if (other !== c && loadOf(other) > 0) n++;
    return n;
  }

  private start(name: string, c: Caller): Admission {
    this.running++;
    c.running++;
    this.counts.admitted++;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        c.running--;
        this.forgetIdle(name, c);
        this.next();
      },
    };
  }

  private refuse(name: string, refusal: Refusal): Admission {
    if (refusal.code === 'OVERLOADED') this.counts.overloaded++;
    else this.counts.fairShare++;
    this.forgetIdle(name, this.caller(name));
    return { admitted: false, refusal };
  }

  /** Starts waiting requests while places are free, one caller after another. */
  private next(): void {
    while (this.running < this.opts.maxConcurrent && this.turn.length > 0) {
      const name = this.turn.shift()!;
      const c = this.caller(name);
      const waiter = c.waiting.shift()!;
      this.waiting--;
      clearTimeout(waiter.timer);
      if (c.waiting.length > 0) this.turn.push(name);
      waiter.resolve(this.start(name, c));
    }
  }

  /** The queue is full: refuses the newest waiting request of the caller furthest over its share, to make room for `newcomer`. */
  private evictOverShare(newcomer: Caller, share: number): boolean {
    let victim: Caller | undefined;
    for (const c of this.callers.values()) {
      if (c !== newcomer && c.waiting.length > 0 && loadOf(c) > share && (!victim || loadOf(c) > loadOf(victim))) victim = c;
    }
    const waiter = victim?.waiting.at(-1);
    if (!waiter) return false;
    this.dequeue(waiter);
    this.counts.fairShare++;
    waiter.resolve({ admitted: false, refusal: FAIR_SHARE });
    return true;
  }

  private dequeue(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    const c = this.caller(waiter.caller);
    const i = c.waiting.indexOf(waiter);
    if (i < 0) return;
    c.waiting.splice(i, 1);
    this.waiting--;
    if (c.waiting.length === 0) {
      const t = this.turn.indexOf(waiter.caller);
      if (t >= 0) this.turn.splice(t, 1);
    }
    this.forgetIdle(waiter.caller, c);
  }

  private forgetIdle(name: string, c: Caller): void {
    if (c.running === 0 && c.waiting.length === 0) this.callers.delete(name);
  }

  /** Writes a refusal as GraphQL-over-HTTP: the status, Retry-After and a typed error. */
  sendRefusal(res: ServerResponse, refusal: Refusal): void {
    const retryAfter = this.opts.retryAfterSeconds ?? 1;
    const body = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code, retryAfterMs: retryAfter * 1000 } }] });
    res.writeHead(refusal.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'retry-after': String(retryAfter),
      'cache-control': 'no-store',
    });
    res.end(body);
  }
}
