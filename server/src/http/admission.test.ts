import { afterEach, describe, expect, it } from 'vitest';
import { AdmissionControl, callerOf, type Admission } from './admission.ts';

const controls: AdmissionControl[] = [];
function control(opts: ConstructorParameters<typeof AdmissionControl>[0]) {
  const c = new AdmissionControl(opts);
  controls.push(c);
  return c;
}
afterEach(() => {
  for (const c of controls.splice(0)) c.close();
});

const admitted = (a: Admission | Promise<Admission>) => a as Extract<Admission, { admitted: true }>;
const refusal = async (a: Admission | Promise<Admission>) => {
  const r = await a;
  return r.admitted ? undefined : r.refusal.code;
};

describe('AdmissionControl', () => {
  it('tells callers apart by the public prefix of their key only', () => {
    expect(callerOf('Bearer fd_abc123_secret')).toBe(callerOf('fd_abc123_other'));
    expect(callerOf(undefined)).toBe('anonymous');
    expect(callerOf('Bearer nonsense')).toBe('anonymous');
  });

  it('serves waiting callers in turn, not first come first served', async () => {
    const c = control({ maxConcurrent: 1, maxQueue: 10, maxQueueMs: 10_000 });
    const running = admitted(c.admit('a'));
    const order: string[] = [];
    // Each admitted request finishes on the next turn of the event loop.
    const wait = (name: string) =>
      Promise.resolve(c.admit(name)).then((a) => {
        order.push(a.admitted ? name : `refused ${name}`);
        if (a.admitted) setTimeout(a.release, 0);
      });
    const queued = [wait('a'), wait('a'), wait('a'), wait('b')];
    running.release();
    await Promise.all(queued);
    expect(order).toEqual(['a', 'b', 'a', 'a']);
  });

  it('queues nothing while the event loop lags behind the queue budget', async () => {
    const c = control({ maxConcurrent: 1, maxQueue: 10, maxQueueMs: 20, lagWindowMs: 50 });
    const running = admitted(c.admit('a'));
    // A busy event loop (a CPU-bound process): most turns come late, not just one.
    let sawLag = false;
    for (let i = 0; i < 12 && !sawLag; i++) {
      const end = Date.now() + 60;
      while (Date.now() < end) {
        // busy
      }
      await new Promise((r) => setImmediate(r));
      sawLag = c.load().lagging;
    }
    expect(sawLag).toBe(true);
    expect(await refusal(c.admit('a'))).toBe('OVERLOADED');
    expect(c.load().waiting).toBe(0);
    running.release();
    // The loop keeps up again: requests queue as before.
    await until(() => !c.load().lagging);
    const again = admitted(c.admit('a'));
    const waiting = c.admit('a');
    expect(c.load().waiting).toBe(1);
    again.release();
    const w = await waiting;
    expect(w.admitted).toBe(true);
    if (w.admitted) w.release();
  });
});

async function until(check: () => boolean) {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}
