// Schedules and workers dying. A per-second cron workflow ticks through the whole test with the
// scheduler in both worker processes. Then:
//  - kill -9 the worker that fired the latest slot, while it holds runs: its runs finish on the
//    other worker exactly once (BullMQ stalled-job recovery), and the other keeps firing slots;
//  - later, kill -9 every worker for longer than the misfire grace: at restart the slots older
//    than the grace are counted missed (catch-up policy), the newer ones fire late.
// At the end every slot since the workflow was created fired exactly once or was counted missed.
import type { Job } from 'bullmq';
import { gqlOk, sleep, trigger, until } from './client.ts';
import type { Report } from './report.ts';
import { auditRuns, describeAudit, spread, waitSettled } from './runs.ts';
import { TIMINGS, type Cluster } from './topology.ts';

const S = 'scheduler';
const K = 'worker kill';

export interface Ticker {
  workflowId: string;
  createdAt: Date;
  /** The window in which every worker was down (slots in it may be missed). */
  downFrom?: Date;
  downUntil?: Date;
}

/** The shortest interval the scheduler accepts: a 6-field cron, every second. */
export async function startTicker(c: Cluster): Promise<Ticker> {
  const data = await gqlOk(
    c.api(1),
    c.key,
    `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename ... on WorkflowPayload { workflow { id } } ... on ValidationError { problems { path message } } } }`,
    { input: { name: 'tick', schedule: '* * * * * *', timezone: 'UTC', catchUpPolicy: 'LATEST', overlapPolicy: 'ALLOW', definition: { steps: [{ id: 'tick', type: 'log', config: { message: 'tick' } }] } } },
  );
  if (!data.createWorkflow.workflow) throw new Error(`the ticker workflow was refused: ${JSON.stringify(data.createWorkflow)}`);
  const workflowId = c.rawWorkflowId(data.createWorkflow.workflow.id);
  const createdAt = new Date();
  await until('the first slot to fire', async () => (await c.db.workflowExecution.count({ where: { workflowId } })) > 0, 60_000);
  return { workflowId, createdAt };
}

async function recentFires(c: Cluster, count = 200): Promise<Job[]> {
  const jobs = await c.queues.schedules.getJobs(['completed'], 0, count - 1, false);
  return jobs.filter((j) => j.name === 'fire').sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0));
}

export async function workerKillScenario(c: Cluster, report: Report, ticker: Ticker): Promise<void> {
  const firesBefore = await recentFires(c);
  const schedulers = new Set(firesBefore.map((j) => j.processedBy));
  report.check(S, 'slots are fired by both worker processes (the scheduler runs in two processes)', [...schedulers].filter(Boolean).length >= 2, `fire jobs by ${JSON.stringify(countBy(firesBefore.map((j) => j.processedBy)))}`);

  // Runs in flight on both workers.
  const outs = await Promise.all(Array.from({ length: 30 }, (_, n) => trigger(c.api(n % 2), c.key, c.workflows.slow, { context: { n } })));
  const ids = outs.map((o) => o.executionId).filter((x): x is string => !!x);
  report.check(K, '30 slow runs triggered', ids.length === 30, `${ids.length}`);
  // The victim: whichever worker fired the latest slot, once it holds some of the runs.
  const victimName = await until(
    'the scheduling worker to hold runs',
    async () => {
      const latest = (await recentFires(c, 20))[0]?.processedBy;
      const active = (await c.queues.runs.getActive()).filter((j) => j.processedBy === latest && ids.includes(j.id!));
      return latest && active.length >= 3 ? latest : undefined;
    },
    60_000,
  );
  const victim = c.workers.find((w) => w.name === victimName)!;
  const survivor = c.workers.find((w) => w !== victim)!;
  const victimRuns = (await c.queues.runs.getActive()).filter((j) => j.processedBy === victimName && ids.includes(j.id!)).map((j) => j.id!);
  const tKill = Date.now();
  await c.kill(victim);
  report.figure(K, 'killed (kill -9)', `${victimName}, holding ${victimRuns.length} runs, the latest slot's scheduler`);

  // Takeover: the survivor fires the next slots.
  const takeover = await until(
    'the survivor to fire a slot',
    async () => (await recentFires(c, 20)).find((j) => j.processedBy === survivor.name && (j.finishedOn ?? 0) > tKill),
    60_000,
  ).then((j) => ((j.finishedOn ?? 0) - tKill) / 1000, () => NaN);
  report.figure(S, 'scheduler takeover: first slot fired by the survivor after the kill (s)', takeover.toFixed(2));

  await waitSettled(c, [c.rawWorkflowId(c.workflows.slow)], 3 * 60_000).catch((err) => report.crashed(K, err));
  const finished = await c.db.workflowExecution.aggregate({ where: { id: { in: victimRuns } }, _max: { finishedAt: true } });
  const recovery = ((finished._max.finishedAt?.getTime() ?? NaN) - tKill) / 1000;
  report.figure(K, `seconds from the kill until the victim's last run finished (lock ${TIMINGS.lockDurationMs / 1000} s + 4 s delay step)`, recovery.toFixed(1));
  const audit = await auditRuns(c, c.rawWorkflowId(c.workflows.slow), { steps: 3, sends: false, ids });
  report.check(
    K,
    "every run COMPLETED once: 3 StepRuns, each log line once (the victim's runs were restarted, nothing else)",
    audit.byStatus.COMPLETED === 30 && audit.wrongStepRuns === 0 && audit.repeatedLines === 0 && audit.restarted === victimRuns.length,
    describeAudit(audit),
  );
  const by = await spread(c, victimRuns);
  report.check(K, `the victim's ${victimRuns.length} runs finished on the other worker`, by[survivor.name] === victimRuns.length, JSON.stringify(by));

  // Back to two workers for what follows.
  await c.startWorker();
  await sleep(0);
  void ticker;
}

/** Every worker down for longer than the misfire grace, then back. */
export async function allWorkersDownScenario(c: Cluster, report: Report, ticker: Ticker): Promise<void> {
  ticker.downFrom = new Date();
  for (const w of c.liveWorkers()) await c.kill(w);
  await sleep(TIMINGS.misfireGraceMs + 10_000);
  await Promise.all([c.startWorker(), c.startWorker()]);
  ticker.downUntil = new Date();
  const missed = (await c.db.workflow.findUniqueOrThrow({ where: { id: ticker.workflowId } })).missedSlots;
  report.check(S, `with every scheduler down ${((ticker.downUntil.getTime() - ticker.downFrom.getTime()) / 1000).toFixed(0)} s (grace ${TIMINGS.misfireGraceMs / 1000} s), the slots older than the grace are counted missed at restart`, missed > 0, `missedSlots = ${missed}`);
  await until('slots to fire again', async () => (await c.db.workflow.findUniqueOrThrow({ where: { id: ticker.workflowId } })).lastSlotAt! > new Date(Date.now() - 2000), 60_000);
}

/** Every slot from creation to the last handled one: fired exactly once, or counted missed while all were down. */
export async function tickerChecks(c: Cluster, report: Report, ticker: Ticker): Promise<void> {
  const wf = await c.db.workflow.findUniqueOrThrow({ where: { id: ticker.workflowId } });
  const execs = await c.db.workflowExecution.findMany({ where: { workflowId: ticker.workflowId }, select: { scheduledFor: true, createdAt: true, startedAt: true, status: true } });
  const bySlot = new Map<number, number>();
  for (const e of execs) bySlot.set(e.scheduledFor!.getTime(), (bySlot.get(e.scheduledFor!.getTime()) ?? 0) + 1);
  const first = Math.ceil((ticker.createdAt.getTime() + 1) / 1000) * 1000;
  const last = wf.lastSlotAt!.getTime();
  let fired = 0;
  let doubled = 0;
  const unfired: number[] = [];
  for (let t = first; t <= last; t += 1000) {
    const n = bySlot.get(t) ?? 0;
    if (n === 0) unfired.push(t);
    else fired++;
    if (n > 1) doubled++;
  }
  const inGap = (t: number) => ticker.downFrom && ticker.downUntil && t >= ticker.downFrom.getTime() - 2000 && t <= ticker.downUntil.getTime();
  const outside = unfired.filter((t) => !inGap(t));
  report.figure(S, 'slots from creation to the last handled', `${(last - first) / 1000 + 1} (${Math.round((last - first) / 60_000)} min of a per-second cron)`);
  report.check(S, 'no slot fired twice', doubled === 0, `${doubled} doubled`);
  report.check(
    S,
    'every slot outside the all-down window fired; the unfired ones are exactly the missedSlots count',
    outside.length === 0 && unfired.length === wf.missedSlots,
    `${fired} fired, ${unfired.length} unfired (${outside.length} outside the window: ${outside.slice(0, 5).map((t) => new Date(t).toISOString()).join(', ')}), missedSlots ${wf.missedSlots}`,
  );
  const lateness = execs.filter((e) => !inGap(e.scheduledFor!.getTime())).map((e) => e.createdAt.getTime() - e.scheduledFor!.getTime()).sort((a, b) => a - b);
  const drift = execs.filter((e) => e.startedAt && !inGap(e.scheduledFor!.getTime())).map((e) => e.startedAt!.getTime() - e.scheduledFor!.getTime()).sort((a, b) => a - b);
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
  report.figure(S, 'execution created relative to its slot, p50 / p99 / max (ms; fires run 1 s ahead)', `${pct(lateness, 0.5)} / ${pct(lateness, 0.99)} / ${lateness.at(-1)}`);
  report.figure(S, 'run start drift after its slot, p50 / p99 / max (ms; shared 2-core machine)', `${pct(drift, 0.5)} / ${pct(drift, 0.99)} / ${drift.at(-1)}`);
  // The last few seconds' runs may still be going.
  const unfinished = execs.filter((e) => e.status !== 'COMPLETED' && e.scheduledFor!.getTime() < last - 10_000).length;
  report.check(S, 'every fired slot (but the last 10 s) ran to COMPLETED', unfinished === 0, `${unfinished} not completed`);
}

function countBy(xs: (string | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x ?? 'unknown'] = (out[x ?? 'unknown'] ?? 0) + 1;
  return out;
}
