// The worker half of the engine benchmark's two-process runs: deployed, the api role triggers
// and the worker role runs, each a process of its own. `raw <n>` consumes no-op BullMQ jobs and
// prints `done` after n; `engine` runs executions with a no-op step until SIGTERM. Prints
// `ready` once it takes jobs.
import { Worker } from 'bullmq';
import { createDb } from '../../../server/src/db.ts';
import { createRedis } from '../../../server/src/redis.ts';
import { createLogger } from '../../../server/src/logger.ts';
import { bullPrefix } from '../../../server/src/engine/queues.ts';
import { RunWorker } from '../../../server/src/engine/run-worker.ts';
import { StepRegistry } from '../../../server/src/engine/steps/registry.ts';
import { noopStep, RAW_QUEUE, REDIS_PREFIX, WORKER_CONCURRENCY } from './bench-engine-shared.ts';

const [mode, count] = process.argv.slice(2);
const redisUrl = process.env.REDIS_URL!;

if (mode === 'raw') {
  const target = Number(count);
  let done = 0;
  const worker = new Worker(RAW_QUEUE, async () => null, { connection: createRedis(redisUrl), prefix: bullPrefix(REDIS_PREFIX), concurrency: WORKER_CONCURRENCY });
  worker.on('completed', () => {
    if (++done === target) {
      console.log('done');
      void worker.close().then(() => process.exit(0));
    }
  });
  await worker.waitUntilReady();
  console.log('ready');
} else {
  const db = createDb(process.env.DATABASE_URL!, Math.min(90, WORKER_CONCURRENCY + 20));
  const connect = () => createRedis(redisUrl);
  const runWorker = new RunWorker({
    db, redis: connect(), redisPrefix: REDIS_PREFIX, registry: new StepRegistry().register(noopStep), logSink: { log: () => {} },
    logger: createLogger('error'), driftWarnMs: 60_000, concurrency: WORKER_CONCURRENCY, stalledIntervalMs: 30_000,
    lockDurationMs: 30_000, drainMs: 5000, connect,
  });
  await runWorker.start();
  console.log('ready');
  process.once('SIGTERM', () => void runWorker.stop().then(() => db.$disconnect()).then(() => process.exit(0)));
}
