// `npm start`: the whole product on its embedded defaults. Starts a private PostgreSQL and
// Redis under .data/ (unless DATABASE_URL / REDIS_URL are set), applies migrations, seeds the
// demo tenant, and runs every role in this process. Ctrl-C drains the app, then stops the
// services; a second start reuses .data/ and loses nothing.
import path from 'node:path';
import { findRunning, startEmbedded, type EmbeddedServices } from './embedded.ts';
import { freePort } from './services.ts';
import { ensureDevSecrets } from './secrets.ts';
import { seedDemo } from './seed.ts';
import { ensureClientBuild } from './client-build.ts';
import { migrate } from '../migrate.ts';

const t0 = performance.now();
const dataDir = path.resolve(process.env.FLOWDECK_DATA_DIR ?? '.data');
process.env.FLOWDECK_DATA_DIR = dataDir;
const say = (msg: string) => process.stderr.write(`[flowdeck] ${msg}\n`);
let embedded: EmbeddedServices | undefined;

async function stopServices() {
  await embedded?.stop();
}

// A Ctrl-C while starting must not kill the process mid-way (it would orphan the services
// started so far): note it, finish starting, then drain as usual.
let stopRequested = false;
const duringStartUp = () => {
  if (!stopRequested) say('stopping as soon as start-up has finished…');
  stopRequested = true;
};
process.on('SIGINT', duringStartUp);
process.on('SIGTERM', duringStartUp);

try {
  ensureDevSecrets(dataDir);
  await ensureClientBuild(say);
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
    const other = await findRunning(dataDir);
    if (other) throw new Error(`Flowdeck is already running from ${dataDir} (pid ${other.pid}); stop it first`);
    embedded = await startEmbedded(dataDir, say);
    process.env.DATABASE_URL ??= embedded.databaseUrl;
    process.env.REDIS_URL ??= embedded.redisUrl;
    say(`PostgreSQL at ${embedded.databaseUrl}, Redis at ${embedded.redisUrl} (data in ${dataDir})`);
  }
  const { applied } = await migrate(process.env.DATABASE_URL!, { log: say });
  if (!applied.length) say('database schema is up to date');

  const { getDb } = await import('../db.ts');
  const { getConfig } = await import('../config.ts');
  // The seed (on a first start it writes 14 days of demo history, 0.5–1 s) runs while the app's
  // modules load (~2 s, no database needed): PostgreSQL's share of the work overlaps with ours.
  // main() itself waits for the seed: its scheduler must find the live demo workflow.
  const live = getConfig().connectors.useSimulators;
  const [seeded, { main, stopOnSignals }] = await Promise.all([seedDemo(getDb(), { live }), import('../main.ts')]);
  if (seeded.history) {
    const h = seeded.history;
    say(`demo history: ${h.executions} runs, ${h.steps} step runs, ${h.logs} log lines over 14 days, written in ${h.ms} ms alongside the start-up (remove: npm run admin -- demo clear --tenant demo)`);
  }
  // PORT=0 means "any free port": pick it now, so PUBLIC_URL (and every signed link built from
  // it) names the port the server really listens on.
  if (process.env.PORT === '0') process.env.PORT = String(await freePort());
  const app = await main(process.env, ['all']);
  const base = `http://localhost:${app.port}`;
  say(`ready in ${Math.round(performance.now() - t0)} ms — dashboard: ${base}/ — GraphiQL: ${base}/graphql`);
  if (seeded.apiKey) {
    say('demo tenant created. Its ADMIN API key (shown once, stored only as a hash):');
    process.stderr.write(`\n    ${seeded.apiKey}\n\n`);
    say(`try: curl -s ${base}/graphql -H 'authorization: Bearer ${seeded.apiKey}' -H 'content-type: application/json' -d '{"query":"{ viewer { role tenant { name timezone } } }"}'`);
  } else {
    say('demo tenant exists; its key was printed on the first start. New key: npm run admin -- keys create --tenant demo --role ADMIN');
  }
  process.off('SIGINT', duringStartUp);
  process.off('SIGTERM', duringStartUp);
  stopOnSignals(app, () => {
    void stopServices().then(() => {
      say('stopped');
      process.exit(0);
    });
  });
  if (stopRequested) process.kill(process.pid, 'SIGTERM');
} catch (err) {
  say(`start failed: ${err instanceof Error ? err.message : String(err)}`);
  await stopServices();
  process.exit(1);
}
