// A client tails a workflow's logs over graphql-ws on api #1; api #1 is killed (kill -9) while
// runs triggered through api #2 keep writing lines. The client reconnects to api #2 with the
// cursor of the last line it got (logAdded(after:)) and must end with every line exactly once.
import { sleep, trigger, until, WsClient } from './client.ts';
import type { Report } from './report.ts';
import { pool, waitSettled } from './runs.ts';
import type { Cluster } from './topology.ts';

const S = 'api kill, log tail';
const RUNS = 150;

class Tail {
  readonly seen = new Map<string, number>();
  lastCursor: string | undefined;
  readonly connections: { url: string; at: number }[] = [];
  disconnectedAt: number | undefined;
  gapsMs: number[] = [];
  private client: WsClient | undefined;
  private stopped = false;
  readonly done: Promise<void>;

  constructor(private readonly urls: string[], private readonly key: string, private readonly workflowId: string) {
    this.done = this.loop();
  }

  private async loop() {
    let i = 0;
    while (!this.stopped) {
      const url = this.urls[i % this.urls.length]!;
      try {
        this.client = await WsClient.connect(url, this.key, 5_000);
      } catch {
        i++;
        await sleep(200);
        continue;
      }
      this.connections.push({ url, at: Date.now() });
      if (this.disconnectedAt) this.gapsMs.push(Date.now() - this.disconnectedAt);
      this.client.subscribe(
        'subscription($wf: ID, $after: String) { logAdded(filter: { workflowId: $wf }, after: $after) { id cursor } }',
        { wf: this.workflowId, after: this.lastCursor ?? null },
        (p) => {
          const l = p.data?.logAdded;
          if (!l) return;
          const id = rawLogId(l.id);
          this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
          this.lastCursor = l.cursor;
        },
      );
      await this.client.closed;
      this.disconnectedAt = Date.now();
      // Try the other api process first: this one just went away.
      i++;
    }
  }

  async stop() {
    this.stopped = true;
    this.client?.close();
    await this.done;
  }
}

export async function tailScenario(c: Cluster, report: Report): Promise<void> {
  const wf = c.workflows.chatty;
  const tail = new Tail([c.api(0), c.api(1)], c.key, wf);
  await until('the tail to connect to api #1', async () => tail.connections.length > 0, 30_000);
  // A probe run: once its lines arrive, the subscription is live.
  await trigger(c.api(1), c.key, wf, { context: { n: -1 } });
  await until('the probe lines', async () => tail.seen.size >= 3, 60_000);

  let sent = 0;
  const producer = pool(RUNS, 4, async (n) => {
    await sleep(150);
    const out = await trigger(c.api(1), c.key, wf, { context: { n } });
    if (out.executionId) sent++;
    return out;
  });
  await until('a third of the runs to be triggered', async () => sent >= RUNS / 3, 60_000);
  const api1 = c.apis[0]!;
  const tKill = Date.now();
  api1.child.kill('SIGKILL');
  await api1.exited;
  const refused = (await producer).filter((o) => !o.executionId).length;
  await waitSettled(c, [c.rawWorkflowId(wf)], 2 * 60_000);
  const ids = (await c.db.logEntry.findMany({ where: { workflowId: c.rawWorkflowId(wf) }, select: { id: true } })).map((r) => r.id);
  await until('the tail to catch up', async () => ids.every((id) => tail.seen.has(id)), 60_000).catch(() => {});
  await tail.stop();

  const missing = ids.filter((id) => !tail.seen.has(id)).length;
  const dup = [...tail.seen.values()].filter((n) => n > 1).length;
  const reconnected = tail.connections.find((x) => x.at > tKill);
  report.check(S, 'the client reconnected to api #2 after api #1 was killed', reconnected?.url === c.api(1), `connections: ${tail.connections.map((x) => x.url.split(':').at(-1)).join(' → ')}`);
  // Lines from two workers reach the api in the order they are written, not in cursor order, so a
  // resume replays from before the last cursor (logs.ts RESUME_OVERLAP_MS): lines the client
  // already has can come again and it drops them by id. What must never happen is a line that
  // does not come at all.
  report.check(S, `every one of ${ids.length} log lines reached the client across the reconnect (logAdded after: cursor)`, missing === 0 && ids.length === 3 * (RUNS + 1), `missing ${missing}, received ${tail.seen.size} distinct`);
  report.figure(S, 'lines delivered again after the resume (dropped by id)', dup);
  report.check(S, 'triggers through api #2 kept working while api #1 died', refused === 0, `${refused} refused`);
  report.figure(S, 'client without a connection (s)', tail.gapsMs.map((g) => (g / 1000).toFixed(2)).join(', ') || '—');

  await c.startApi(0);
}

/** LogEntry.id as a row id, whether the API sends it raw or as a Relay global id. */
function rawLogId(id: string): string {
  const decoded = Buffer.from(id, 'base64').toString();
  return decoded.startsWith('LogEntry:') ? decoded.slice('LogEntry:'.length) : id;
}
