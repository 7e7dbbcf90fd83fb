// The deployment the cluster test runs: one PostgreSQL, one Redis (the project's own service
// helpers, under .data/cluster, wiped first), 2 api processes on their own ports, 2 worker
// processes (each also runs the scheduler) and 1 pdf-worker, all separate OS processes started
// by roleCommand(). The harness keeps its own PostgreSQL and Redis clients to check the outcome.
import path from 'node:path';
import { createApiKey } from '../../../server/src/auth/api-keys.ts';
import { createDb } from '../../../server/src/db.ts';
import { createQueues, type Queues } from '../../../server/src/engine/queues.ts';
import type { PrismaClient } from '../../../server/src/generated/prisma/client.ts';
import { migrate } from '../../../server/src/migrate.ts';
import { createRedis, type Redis } from '../../../server/src/redis.ts';
import { throwawaySecrets } from '../../../server/src/dev/secrets.ts';
import { freePort, removeDir, startPostgres, startRedis, type Service } from '../../../server/src/dev/services.ts';
import { gqlOk, globalId, rawId } from './client.ts';
import { killHard, root, startRole, stopGracefully, type Role, type RoleProcess } from './processes.ts';

/** Fast enough to test in minutes, slow enough that a loaded 2-core machine renews its locks in time. */
export const TIMINGS = {
  /** A dead worker's job lock lapses after this… */
  lockDurationMs: 10_000,
  /** …and is noticed within this. */
  stalledIntervalMs: 1_000,
  /** A slot handled later than this after its time is missed (catch-up policy applies). */
  misfireGraceMs: 15_000,
  sweepIntervalMs: 2_000,
  sweepPendingAfterMs: 5_000,
};

export interface Workflows {
  /** log → whatsapp.send → log: the 2,000-run burst. */
  burst: string;
  /** log → delay 4 s → log: runs in flight when a worker is killed. */
  slow: string;
  /** log → delay 1.5 s → whatsapp.send → log: in flight during the Redis and PostgreSQL restarts. */
  fault: string;
  /** pdf.generate (receipt) → log: gives the pdf-worker work. */
  pdf: string;
  /** One log line: the throughput measurement. */
  tiny: string;
  /** log → log → log: the live-tail scenario's lines. */
  chatty: string;
  /** delay 200 ms → log: throughput bound by worker concurrency. */
  io: string;
}

export class Cluster {
  readonly dataDir = path.join(root, '.data', 'cluster');
  readonly logDir = path.join(this.dataDir, 'logs');
  pg!: Service;
  redisServer!: Service;
  pgPort!: number;
  redisPort!: number;
  env!: NodeJS.ProcessEnv;
  db!: PrismaClient;
  redis!: Redis;
  queues!: Queues;
  tenantId!: string;
  key!: string;
  /** Global ids, as partners see them. */
  workflows!: Workflows;
  apiPorts: number[] = [];
  apis: RoleProcess[] = [];
  workers: RoleProcess[] = [];
  pdf: RoleProcess | undefined;
  private workerSeq = 0;
  private all: RoleProcess[] = [];

  constructor(readonly say: (line: string) => void) {}

  async startServices(): Promise<void> {
    await removeDir(this.dataDir);
    [this.pgPort, this.redisPort] = [await freePort(), await freePort()];
    [this.pg, this.redisServer] = await Promise.all([this.startPg(), this.startRedisServer()]);
    await migrate(this.pg.url);
    this.db = createDb(this.pg.url, 4);
    this.redis = createRedis(this.redisServer.url);
    this.redis.on('error', () => {}); // the fault scenarios restart Redis under it
    this.queues = createQueues(this.redis, 'fd');
    // The scheduler scenarios use the shortest schedule there is (every second), which tenants
    // may not set by default (Tenant.minScheduleIntervalSeconds, 60): this one may.
    const tenant = await this.db.tenant.create({ data: { name: 'Cluster test', slug: 'cluster', minScheduleIntervalSeconds: 1 } });
    this.tenantId = tenant.id;
    this.key = (await createApiKey(this.db, { tenantId: tenant.id, name: 'cluster test', role: 'ADMIN' })).key;
    this.env = {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: this.pg.url,
      REDIS_URL: this.redisServer.url,
      ...throwawaySecrets(),
      FLOWDECK_DATA_DIR: this.dataDir,
      USE_SIMULATORS: 'true',
      RATE_LIMIT_PER_MINUTE: '0',
      SHUTDOWN_TIMEOUT_MS: '8000',
      WORKER_LOCK_DURATION_MS: String(TIMINGS.lockDurationMs),
      WORKER_STALLED_INTERVAL_MS: String(TIMINGS.stalledIntervalMs),
      SCHEDULE_MISFIRE_GRACE_MS: String(TIMINGS.misfireGraceMs),
      SWEEP_INTERVAL_MS: String(TIMINGS.sweepIntervalMs),
      SWEEP_PENDING_AFTER_MS: String(TIMINGS.sweepPendingAfterMs),
    };
  }

  startPg(): Promise<Service> {
    return startPostgres({ dataDir: path.join(this.dataDir, 'postgres'), port: this.pgPort, log: this.say });
  }

  startRedisServer(): Promise<Service> {
    return startRedis({ dataDir: path.join(this.dataDir, 'redis'), port: this.redisPort, log: this.say });
  }

  private async start(name: string, roles: Role[], port?: number): Promise<RoleProcess> {
    const p = await startRole({ name, roles, env: this.env, logDir: this.logDir, port, say: this.say });
    this.all.push(p);
    this.say(`${name} (${roles.join(',')}) pid ${p.pid}${port ? ` port ${port}` : ''} started in ${p.startedMs} ms`);
    return p;
  }

  /** api #slot (0 or 1), always on the same port so a restarted one is where it was. */
  async startApi(slot: number): Promise<RoleProcess> {
    this.apiPorts[slot] ??= await freePort();
    const p = await this.start(`api-${slot + 1}`, ['api'], this.apiPorts[slot]);
    this.apis[slot] = p;
    return p;
  }

  async startWorker(): Promise<RoleProcess> {
    const p = await this.start(`worker-${++this.workerSeq}`, ['worker']);
    this.workers.push(p);
    return p;
  }

  async startTopology(): Promise<void> {
    // The API processes first: the workers' schedulers then reconcile what the API created.
    await Promise.all([this.startApi(0), this.startApi(1)]);
    await Promise.all([this.startWorker(), this.startWorker()]);
    this.pdf = await this.start('pdf-1', ['pdf-worker']);
  }

  /** The running worker processes. */
  liveWorkers(): RoleProcess[] {
    return this.workers.filter((w) => w.alive());
  }

  async kill(p: RoleProcess): Promise<void> {
    await killHard(p);
    this.workers = this.workers.filter((w) => w !== p);
  }

  async stopWorker(p: RoleProcess): Promise<void> {
    await stopGracefully(p);
    this.workers = this.workers.filter((w) => w !== p);
  }

  api(slot: number): string {
    return `http://127.0.0.1:${this.apiPorts[slot]}`;
  }

  async createWorkflows(): Promise<void> {
    const create = async (input: Record<string, unknown>) => {
      const data = await gqlOk(this.api(0), this.key, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename ... on WorkflowPayload { workflow { id } } ... on ValidationError { message problems { path message } } } }`, { input });
      const wf = data.createWorkflow.workflow;
      if (!wf) throw new Error(`createWorkflow ${input.name as string}: ${JSON.stringify(data.createWorkflow)}`);
      return wf.id as string;
    };
    const phone = '{{phone}}';
    this.workflows = {
      burst: await create({
        name: 'burst',
        definition: {
          steps: [
            { id: 'start', type: 'log', config: { message: 'burst {{n}} start' } },
            { id: 'notify', type: 'whatsapp.send', config: { to: phone, text: 'Run {{n}} says hello' } },
            { id: 'done', type: 'log', config: { message: 'burst {{n}} done' } },
          ],
        },
      }),
      slow: await create({
        name: 'slow',
        definition: {
          steps: [
            { id: 'start', type: 'log', config: { message: 'slow {{n}} start' } },
            { id: 'wait', type: 'delay', config: { ms: 4000 } },
            { id: 'done', type: 'log', config: { message: 'slow {{n}} done' } },
          ],
        },
      }),
      fault: await create({
        name: 'fault',
        definition: {
          steps: [
            { id: 'start', type: 'log', config: { message: 'fault {{n}} start' } },
            { id: 'wait', type: 'delay', config: { ms: 1500 } },
            { id: 'notify', type: 'whatsapp.send', config: { to: phone, text: 'Fault run {{n}}' } },
            { id: 'done', type: 'log', config: { message: 'fault {{n}} done' } },
          ],
        },
      }),
      pdf: await create({
        name: 'pdf',
        definition: {
          steps: [
            {
              id: 'receipt',
              type: 'pdf.generate',
              config: {
                template: 'receipt',
                variables: { business_name: 'Cluster test', business_address: 'Manila', currency: 'PHP', customer_name: 'Run {{n}}', date: '2026-12-04', payment_method: 'cash', receipt_number: 'R-{{n}}', total: '100.00' },
              },
            },
            { id: 'done', type: 'log', config: { message: 'pdf {{n}} done' } },
          ],
        },
      }),
      tiny: await create({ name: 'tiny', definition: { steps: [{ id: 'only', type: 'log', config: { message: 'tiny {{n}}' } }] } }),
      io: await create({
        name: 'io',
        definition: { steps: [{ id: 'wait', type: 'delay', config: { ms: 200 } }, { id: 'done', type: 'log', config: { message: 'io {{n}}' } }] },
      }),
      chatty: await create({
        name: 'chatty',
        definition: {
          steps: [1, 2, 3].map((i) => ({ id: `line${i}`, type: 'log', config: { message: `chatty {{n}} line ${i}` } })),
        },
      }),
    };
  }

  rawWorkflowId(gid: string): string {
    return rawId(gid);
  }

  globalExecutionId(id: string): string {
    return globalId('Execution', id);
  }

  /** BullMQ's record of which worker process took each run job (WORKER_NAME). */
  async processedBy(executionIds: string[]): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>();
    for (let i = 0; i < executionIds.length; i += 200) {
      const ids = executionIds.slice(i, i + 200);
      const jobs = await Promise.all(ids.map((id) => this.queues.runs.getJob(id)));
      ids.forEach((id, j) => out.set(id, jobs[j]?.processedBy));
    }
    return out;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.filter((p) => p.alive()).map((p) => stopGracefully(p, 10_000)));
    await this.queues?.close().catch(() => {});
    this.redis?.disconnect();
    await this.db?.$disconnect().catch(() => {});
    await this.redisServer?.stop().catch(() => {});
    await this.pg?.stop().catch(() => {});
  }
}
