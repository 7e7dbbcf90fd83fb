// Runs/s with 1 and with 2 worker processes. The runs queue is paused while N runs are
// triggered (through both apis), then resumed: the figure is N / (last finish − first start),
// so neither triggering nor a process start-up is in it. Two workloads, each both ways: one log
// step (CPU-bound: PostgreSQL, Redis and the workers share this machine's 2 cores), and a
// 200 ms wait then a log step (bound by each worker's concurrency, as runs that call outside
// APIs are).
import { trigger } from './client.ts';
import type { Report } from './report.ts';
import { pool, waitSettled } from './runs.ts';
import type { Cluster } from './topology.ts';

const S = 'throughput';
/** Runs per measurement: the one-step runs finish in about a second per thousand, so more of them. */
const N = { tiny: 3_000, io: 1_000 };

async function measure(c: Cluster, label: string, workflow: 'tiny' | 'io'): Promise<number> {
  await c.queues.runs.pause();
  const outs = await pool(N[workflow], 16, (i) => trigger(c.api(i % 2), c.key, c.workflows[workflow], { context: { n: i } }));
  const ids = outs.map((o) => o.executionId).filter((x): x is string => !!x);
  await c.queues.runs.resume();
  await waitSettled(c, [c.rawWorkflowId(c.workflows[workflow])], 5 * 60_000);
  const agg = await c.db.workflowExecution.aggregate({ where: { id: { in: ids } }, _min: { startedAt: true }, _max: { finishedAt: true } });
  const done = await c.db.workflowExecution.count({ where: { id: { in: ids }, status: 'COMPLETED' } });
  const seconds = (agg._max.finishedAt!.getTime() - agg._min.startedAt!.getTime()) / 1000;
  const rate = done / seconds;
  report.check(S, `${workflow}, ${label}: all ${N[workflow]} runs completed`, done === N[workflow], `${done}`);
  report.figure(S, `${workflow === 'tiny' ? 'one log step' : '200 ms wait + log step'}: runs/s with ${label} (concurrency 10 each; shared 2-core machine)`, `${rate.toFixed(1)} (${done} in ${seconds.toFixed(1)} s)`);
  return rate;
}

let report: Report;

export async function throughputScenario(c: Cluster, r: Report): Promise<void> {
  report = r;
  const [keep, ...others] = c.liveWorkers();
  for (const w of others) await c.stopWorker(w);
  const one = { tiny: await measure(c, '1 worker process', 'tiny'), io: await measure(c, '1 worker process', 'io') };
  await c.startWorker();
  const two = { tiny: await measure(c, '2 worker processes', 'tiny'), io: await measure(c, '2 worker processes', 'io') };
  report.figure(S, '2 workers ÷ 1 worker: one log step / 200 ms wait + log step', `${(two.tiny / one.tiny).toFixed(2)} / ${(two.io / one.io).toFixed(2)}`);
  void keep;
}
