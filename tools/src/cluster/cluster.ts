// `npm run cluster`: Flowdeck as a deployment on this machine, then its scenarios. One
// PostgreSQL and one Redis (under .data/cluster, wiped first), 2 api processes, 2 worker
// processes (each also schedules) and 1 pdf-worker, each its own OS process started the way a
// deployment starts it (processes.ts: roleCommand). Every scenario asserts; the report is
// printed and written to .data/cluster/report.md, and the exit code is non-zero when any check
// fails. `--only burst,tail,…` runs a subset (the ticker always runs).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildIsStale, roleCommand } from './processes.ts';
import { Report } from './report.ts';
import { burstScenario } from './scenario-burst.ts';
import { faultScenario } from './scenario-faults.ts';
import { tailScenario } from './scenario-tail.ts';
import { throughputScenario } from './scenario-throughput.ts';
import { allWorkersDownScenario, startTicker, tickerChecks, workerKillScenario } from './scenario-workers.ts';
import { Cluster } from './topology.ts';

const t0 = Date.now();
const say = (m: string) => process.stderr.write(`[cluster ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
const { values } = parseArgs({ options: { only: { type: 'string' } } });
const only = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : undefined;
const wants = (s: string) => !only || only.has(s);

const report = new Report(say);
const cluster = new Cluster(say);
let status = 1;
try {
  const { built } = roleCommand(['api']);
  say(`roles start from ${built ? 'the build (node server/dist/main.js)' : 'the sources through tsx (no server/dist/main.js; npm run build makes it)'}`);
  if (built && buildIsStale()) say('WARNING: server/src has changed since server/dist was built; run npm run build first to test this code');
  await cluster.startServices();
  await cluster.startTopology();
  for (const p of [...cluster.apis, ...cluster.workers, cluster.pdf!]) report.figure('start-up', `${p.name} ready (ms, shared 2-core machine)`, p.startedMs);
  await cluster.createWorkflows();
  const ticker = await startTicker(cluster);
  const scenarios: [string, () => Promise<void>][] = [
    ['burst', () => burstScenario(cluster, report)],
    ['kill', () => workerKillScenario(cluster, report, ticker)],
    ['tail', () => tailScenario(cluster, report)],
    ['redis', () => faultScenario(cluster, report, 'redis')],
    ['postgres', () => faultScenario(cluster, report, 'postgres')],
    ['catchup', () => allWorkersDownScenario(cluster, report, ticker)],
    ['throughput', () => throughputScenario(cluster, report)],
  ];
  for (const [name, run] of scenarios) {
    if (!wants(name)) continue;
    say(`— ${name} —`);
    const started = Date.now();
    await run().catch((err) => report.crashed(name, err));
    report.figure(name, 'scenario duration (s)', ((Date.now() - started) / 1000).toFixed(0));
  }
  await tickerChecks(cluster, report, ticker).catch((err) => report.crashed('scheduler', err));
  status = report.failed.length ? 1 : 0;
} catch (err) {
  report.crashed('setup', err);
} finally {
  await cluster.stopAll().catch((err) => say(`stopping: ${(err as Error).message}`));
}
const md = report.markdown(`# Cluster test (${new Date().toISOString()}, ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
mkdirSync(cluster.dataDir, { recursive: true });
writeFileSync(path.join(cluster.dataDir, 'report.md'), md + '\n');
process.stdout.write('\n' + md + '\n');
if (report.failed.length) say(`${report.failed.length} check(s) failed; process logs in ${cluster.logDir}`);
process.exit(report.failed.length ? 1 : status);
