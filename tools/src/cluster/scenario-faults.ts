// Infrastructure faults: Redis (AOF on) and, separately, PostgreSQL restart while runs are in
// flight and triggers keep arriving through both apis. No Flowdeck process is restarted. After
// each: /readyz went red and back to green on both apis, every trigger that got a success answer
// has its run COMPLETED (lost 0), no run did its work twice (doubled 0), refused triggers got a
// clear error (not the masked "Unexpected error."), and how long recovery took.
import { sleep, trigger, until, type TriggerOutcome } from './client.ts';
import type { Report } from './report.ts';
import { auditRuns, describeAudit, spread, waitSettled } from './runs.ts';
import type { Cluster } from './topology.ts';

interface Sent {
  key: string;
  at: number;
  answeredAt: number;
  out: TriggerOutcome;
}

/** GET /readyz on each api every 250 ms; records when each went red and green again. */
class ReadinessWatch {
  readonly red: (number | undefined)[] = [];
  readonly green: (number | undefined)[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(private readonly urls: string[]) {
    this.loop = this.run();
  }

  private async run() {
    while (!this.stopped) {
      await Promise.all(
        this.urls.map(async (url, i) => {
          const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3_000) }).then((r) => r.ok, () => false);
          if (!ok && this.red[i] === undefined) this.red[i] = Date.now();
          if (ok && this.red[i] !== undefined && this.green[i] === undefined) this.green[i] = Date.now();
        }),
      );
      await sleep(250);
    }
  }

  async stop() {
    this.stopped = true;
    await this.loop;
  }
}

export async function faultScenario(c: Cluster, report: Report, kind: 'redis' | 'postgres'): Promise<void> {
  const S = `${kind} restart`;
  const wf = c.workflows.fault;
  const wfId = c.rawWorkflowId(wf);
  const since = new Date();
  const pids = [...c.apis, ...c.liveWorkers(), c.pdf!].map((p) => ({ p, pid: p.pid }));
  const sent: Sent[] = [];
  let stop = false;
  let n = 0;
  // Two client loops (one per api), each a trigger every ~200 ms, each waiting for its answer.
  const clients = [0, 1].map(async (api) => {
    while (!stop) {
      const i = n++;
      const key = `${kind}-${i}`;
      const at = Date.now();
      const out = await trigger(c.api(api), c.key, wf, { idempotencyKey: key, context: { n: i, phone: `+6391800${String(i).padStart(5, '0')}` } }, 30_000);
      sent.push({ key, at, answeredAt: Date.now(), out });
      await sleep(200);
    }
  });
  await sleep(6_000);
  const inFlight = await c.db.workflowExecution.count({ where: { workflowId: wfId, status: { in: ['PENDING', 'RUNNING'] } } });
  const watch = new ReadinessWatch([c.api(0), c.api(1)]);
  const tDown = Date.now();
  if (kind === 'redis') await c.redisServer.stop();
  else await c.pg.stop();
  await sleep(5_000);
  // Recovery is counted from the moment the server process is started again.
  const tUp = Date.now();
  if (kind === 'redis') c.redisServer = await c.startRedisServer();
  else c.pg = await c.startPg();
  report.figure(S, `${kind} start-up until it answered (s)`, ((Date.now() - tUp) / 1000).toFixed(1));
  report.figure(S, `${kind} stopped until started again (s)`, ((tUp - tDown) / 1000).toFixed(1));
  await until('both apis ready again', async () => watch.green.filter(Boolean).length === 2, 120_000).catch(() => {});
  await sleep(8_000);
  stop = true;
  await Promise.all(clients);
  await watch.stop();

  report.check(S, '/readyz went red on both apis', watch.red.filter(Boolean).length === 2, watch.red.map((t) => (t ? `${((t - tDown) / 1000).toFixed(1)} s after the stop` : 'never')).join(', '));
  report.check(S, '/readyz back to green on both apis without a restart', watch.green.filter(Boolean).length === 2, watch.green.map((t) => (t ? `${((t - tUp) / 1000).toFixed(1)} s after the restart` : 'never')).join(', '));
  const alive = pids.filter(({ p, pid }) => p.alive() && p.pid === pid).length;
  report.check(S, 'every Flowdeck process survived (none restarted)', alive === pids.length, `${alive} of ${pids.length}`);

  const accepted = sent.filter((s) => s.out.executionId);
  const refused = sent.filter((s) => !s.out.executionId);
  const settled = await waitSettled(c, [wfId], 3 * 60_000).then(() => true, (err: Error) => err.message);
  report.check(S, 'every run of the scenario finished', settled === true, settled === true ? '' : String(settled));
  const acceptedIds = accepted.map((s) => s.out.executionId!);
  const completed = new Set((await c.db.workflowExecution.findMany({ where: { id: { in: acceptedIds }, status: 'COMPLETED' }, select: { id: true } })).map((r) => r.id));
  const lost = acceptedIds.filter((id) => !completed.has(id));
  const audit = await auditRuns(c, wfId, { steps: 4, sends: true, since });
  // A run doubled: a second execution for one key (the unique index forbids it; counted anyway),
  // a StepRun count other than one per step, or a second WhatsApp message. A step whose
  // completion could not be written (the database went away just after it ran) runs again when
  // its run is handed back; its effects are idempotent where they matter (sends, upserts), but a
  // `log` step writes its line again: counted apart.
  const keys = await c.db.$queryRawUnsafe<{ n: bigint }[]>(
    `SELECT count(*) AS n FROM (SELECT "idempotencyKey" FROM "WorkflowExecution" WHERE "tenantId" = $1::uuid AND "idempotencyKey" LIKE $2 GROUP BY 1 HAVING count(*) > 1) t`,
    c.tenantId,
    `${kind}-%`,
  );
  const doubled = Number(keys[0]!.n) + audit.doubleSends + audit.wrongStepRuns;
  // A refused trigger may still have written its row (the enqueue failed after): then it must run too.
  const refusedRows = await c.db.workflowExecution.findMany({ where: { tenantId: c.tenantId, idempotencyKey: { in: refused.map((r) => r.key) } }, select: { status: true } });
  const unclear = refused.filter((r) => !/SERVICE_UNAVAILABLE|RATE_LIMITED/.test(r.out.error ?? '') && r.out.status !== 0);

  report.figure(S, 'runs in flight when it went down', inFlight);
  report.figure(S, 'triggers sent / accepted / refused', `${sent.length} / ${accepted.length} / ${refused.length}`);
  if (refused.length) report.figure(S, 'refusals as the client saw them', summarize(refused.map((r) => `${r.out.status} ${r.out.error}`)));
  report.check(S, 'runs lost: 0 (every accepted trigger has its run COMPLETED)', lost.length === 0, `${lost.length} lost of ${accepted.length}; ${describeAudit(audit)}`);
  report.check(S, 'runs doubled: 0 (one execution per key, one StepRun per step, no second WhatsApp message)', doubled === 0, `${doubled}`);
  report.figure(S, 'runs handed back and continued (restarted) / step bodies run again (their log line twice)', `${audit.restarted} / ${audit.repeatedLines}`);
  report.check(S, 'refused triggers got a clear, retryable error (SERVICE_UNAVAILABLE), not a masked one', unclear.length === 0, unclear.length ? `${unclear.length} unclear, e.g. ${unclear[0]!.out.status} ${unclear[0]!.out.error}` : `${refused.length} refused`);
  report.check(S, 'a refused trigger that left a row has it COMPLETED too', refusedRows.every((r) => r.status === 'COMPLETED'), `${refusedRows.length} rows for refused keys: ${JSON.stringify(refusedRows.map((r) => r.status))}`);

  // Recovery: from the service being back to readiness and to the first trigger accepted; then
  // every worker takes runs again.
  const afterUp = accepted.filter((s) => s.at >= tUp).sort((a, b) => a.answeredAt - b.answeredAt)[0];
  const greenAt = Math.max(...watch.green.map((t) => t ?? NaN));
  report.figure(S, 'seconds to recover: service started again → both apis ready / first trigger accepted', `${((greenAt - tUp) / 1000).toFixed(1)} / ${afterUp ? ((afterUp.answeredAt - tUp) / 1000).toFixed(1) : '—'}`);
  const longest = Math.max(0, ...sent.map((s) => s.answeredAt - s.at));
  report.figure(S, 'slowest trigger answer during the fault (s)', (longest / 1000).toFixed(1));

  const probes = await Promise.all(Array.from({ length: 40 }, (_, i) => trigger(c.api(i % 2), c.key, c.workflows.tiny, { context: { n: i } })));
  const probeIds = probes.map((p) => p.executionId).filter((x): x is string => !!x);
  await waitSettled(c, [c.rawWorkflowId(c.workflows.tiny)], 60_000).catch(() => {});
  const by = await spread(c, probeIds);
  const workersUsed = Object.keys(by).filter((w) => w.startsWith('worker-')).length;
  report.check(S, 'afterwards both apis accept triggers and both workers run them', probeIds.length === 40 && workersUsed === 2, `${probeIds.length} accepted, by worker ${JSON.stringify(by)}`);
}

function summarize(xs: string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x.slice(0, 160), (counts.get(x.slice(0, 160)) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${v}× ${k}`).join('; ');
}
