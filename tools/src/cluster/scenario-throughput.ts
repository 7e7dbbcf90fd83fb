// Runs/s with 1 and with 2 worker processes. The runs queue is paused while N one-step runs are
// triggered (through both apis), then resumed: the figure is N / (last finish − first start),
// so neither triggering nor a process start-up is in it. Same N, same workflow, both ways.
import { trigger } from './client.ts';
import type { Report } from './report.ts';
import { pool, waitSettled } from './runs.ts';
import type { Cluster } from './topology.ts';

const S = 'throughput';
const N = 1_000;

async function measure(c: Cluster, label: string): Promise<number> {
  await c.queues.runs.pause();
  const outs = await pool(N, 16, (i) => trigger(c.api(i % 2), c.key, c.workflows.tiny, { context: { n: i } }));
  const ids = outs.map((o) => o.executionId).filter((x): x is string => !!x);
  await c.queues.runs.resume();
  await waitSettled(c, [c.rawWorkflowId(c.workflows.tiny)], 5 * 60_000);
  const agg = await c.db.workflowExecution.aggregate({ where: { id: { in: ids } }, _min: { startedAt: true }, _max: { finishedAt: true } });
  const done = await c.db.workflowExecution.count({ where: { id: { in: ids }, status: 'COMPLETED' } });
  const seconds = (agg._max.finishedAt!.getTime() - agg._min.startedAt!.getTime()) / 1000;
  const rate = done / seconds;
  report.check(S, `${label}: all ${N} runs completed`, done === N, `${done}`);
  report.figure(S, `runs/s with ${label} (concurrency 10 each; shared 2-core machine)`, `${rate.toFixed(1)} (${done} in ${seconds.toFixed(1)} s)`);
  return rate;
}

let report: Report;

export async function throughputScenario(c: Cluster, r: Report): Promise<void> {
  report = r;
  const [keep, ...others] = c.liveWorkers();
  for (const w of others) await c.stopWorker(w);
  const one = await measure(c, '1 worker process');
  await c.startWorker();
  const two = await measure(c, '2 worker processes');
  report.figure(S, '2 workers ÷ 1 worker', (two / one).toFixed(2));
  void keep;
}
