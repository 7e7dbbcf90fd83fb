// Chart library choice for the dashboard, measured rather than guessed: for each candidate
// (uPlot, ECharts tree-shaken, Recharts, visx) a minimal React 19 page that draws one
// 10,000-point time series is built with Vite, then
//   - bundle: gzip size of all the page's JavaScript minus that of the same page without a chart
//     (what the library adds to what a user downloads);
//   - render: time from root.render() to the first frame after the chart is drawn, in Debian's
//     headless Chromium (never a downloaded browser), median of RUNS fresh page loads, the
//     candidates interleaved so a busy moment on the shared machine does not hit one only.
// Run: node --import tsx tools/src/bench/chart-libs.ts  (or `npm run bench charts`); results go
// to bench/charts.md. CHART_BENCH_RUNS (default 9) and CHART_BENCH_POINTS (default 10000).
import { createServer, type Server } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import puppeteer from 'puppeteer-core';
import { build } from 'vite';
import { metric, percentile } from './bench-metrics.ts';

const RUNS = Number(process.env.CHART_BENCH_RUNS ?? 9);
const POINTS = Number(process.env.CHART_BENCH_POINTS ?? 10_000);
const root = path.resolve(import.meta.dirname, '../../..');
// Inside tools/ so the pages resolve react, vite and the libraries from tools/node_modules.
const work = path.join(root, 'tools', '.chart-bench');
const say = (msg: string) => process.stderr.write(`[chart-libs] ${msg}\n`);

// Each page: the same data and React shell; `mount` draws into `el` and `ready` says when the
// chart is on screen. Plain createElement (no JSX) so the pages need no React plugin.
const SHARED = `
import { createElement as h, useEffect, useRef } from 'react';
import { createRoot } from 'react-dom/client';
const N = ${POINTS};
const t0 = Date.UTC(2026, 0, 1) / 1000;
export const xs = new Float64Array(N), ys = new Float64Array(N);
for (let i = 0; i < N; i++) { xs[i] = t0 + i * 60; ys[i] = 50 + 30 * Math.sin(i / 300) + ((i * 7919) % 97) / 10; }
export const W = 800, H = 300;
export function start(Chart, ready) {
  const el = document.getElementById('root');
  const begin = performance.now();
  createRoot(el).render(h(Chart));
  const poll = () => (ready(el) ? requestAnimationFrame(() => (window.__rendered = performance.now() - begin)) : requestAnimationFrame(poll));
  requestAnimationFrame(poll);
}
export { h, useEffect, useRef };
`;

interface Candidate {
  name: string;
  version: string;
  page: string;
}

const pkgVersion = (name: string) => (JSON.parse(readFileSync(path.join(root, 'tools', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

const CANDIDATES: Candidate[] = [
  {
    name: 'none (baseline)',
    version: '',
    page: `import { start, h } from './shared.js';
start(() => h('div', { style: { width: 800, height: 300 } }, 'no chart'), (el) => el.textContent === 'no chart');`,
  },
  {
    name: 'uPlot',
    version: pkgVersion('uplot'),
    page: `import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { start, h, useEffect, useRef, xs, ys, W, H } from './shared.js';
function Chart() {
  const ref = useRef(null);
  useEffect(() => {
    const u = new uPlot({ width: W, height: H, series: [{}, { stroke: '#2563eb', label: 'value' }] }, [xs, ys], ref.current);
    return () => u.destroy();
  }, []);
  return h('div', { ref });
}
start(Chart, (el) => !!el.querySelector('canvas'));`,
  },
  {
    name: 'ECharts (echarts/core, line+bar, canvas)',
    version: pkgVersion('echarts'),
    page: `import * as echarts from 'echarts/core';
import { LineChart, BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, DataZoomComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { start, h, useEffect, useRef, xs, ys, W, H } from './shared.js';
echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, CanvasRenderer]);
function Chart() {
  const ref = useRef(null);
  useEffect(() => {
    const c = echarts.init(ref.current, null, { width: W, height: H });
    const data = Array.from(xs, (x, i) => [x * 1000, ys[i]]);
    c.setOption({ animation: false, tooltip: { trigger: 'axis' }, xAxis: { type: 'time' }, yAxis: { type: 'value' }, series: [{ type: 'line', showSymbol: false, data }] });
    return () => c.dispose();
  }, []);
  return h('div', { ref, style: { width: W, height: H } });
}
start(Chart, (el) => !!el.querySelector('canvas'));`,
  },
  {
    name: 'Recharts',
    version: pkgVersion('recharts'),
    page: `import { LineChart, Line, XAxis, YAxis, Tooltip } from 'recharts';
import { start, h, xs, ys, W, H } from './shared.js';
const data = Array.from(xs, (x, i) => ({ t: x * 1000, v: ys[i] }));
function Chart() {
  return h(LineChart, { width: W, height: H, data },
    h(XAxis, { dataKey: 't', type: 'number', scale: 'time', domain: ['dataMin', 'dataMax'] }),
    h(YAxis, null),
    h(Tooltip, null),
    h(Line, { dataKey: 'v', dot: false, isAnimationActive: false, stroke: '#2563eb' }));
}
start(Chart, (el) => (el.querySelector('.recharts-line-curve')?.getAttribute('d') ?? '').length > 100);`,
  },
  {
    name: 'visx (shape+scale+axis)',
    version: pkgVersion('@visx/shape'),
    page: `import { LinePath } from '@visx/shape';
import { scaleLinear, scaleTime } from '@visx/scale';
import { AxisBottom, AxisLeft } from '@visx/axis';
import { Group } from '@visx/group';
import { start, h, xs, ys, W, H } from './shared.js';
const data = Array.from(xs, (x, i) => [x * 1000, ys[i]]);
const m = { l: 40, b: 30 };
const x = scaleTime({ domain: [data[0][0], data[data.length - 1][0]], range: [m.l, W] });
const y = scaleLinear({ domain: [0, 100], range: [H - m.b, 0] });
function Chart() {
  return h('svg', { width: W, height: H },
    h(Group, null,
      h(LinePath, { data, x: (d) => x(d[0]), y: (d) => y(d[1]), stroke: '#2563eb', strokeWidth: 1 }),
      h(AxisBottom, { top: H - m.b, scale: x }),
      h(AxisLeft, { left: m.l, scale: y })));
}
start(Chart, (el) => !!el.querySelector('path'));`,
  },
];

const slug = (name: string) => name.split(' ')[0]!.toLowerCase();

/** Builds every page; returns the gzip size of each one's JavaScript. */
async function buildAll(): Promise<Map<string, number>> {
  rmSync(work, { recursive: true, force: true });
  const sizes = new Map<string, number>();
  for (const c of CANDIDATES) {
    const dir = path.join(work, slug(c.name));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'shared.js'), SHARED);
    writeFileSync(path.join(dir, 'main.js'), c.page);
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><html><body><div id="root"></div><script type="module" src="./main.js"></script></body></html>');
    await build({ root: dir, base: './', logLevel: 'warn', build: { outDir: 'dist', emptyOutDir: true }, define: { 'process.env.NODE_ENV': '"production"' } });
    const assets = path.join(dir, 'dist', 'assets');
    const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
    sizes.set(c.name, js.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(assets, f))).length, 0));
  }
  return sizes;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

function serve(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const file = path.join(work, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(work)) return void res.writeHead(403).end();
    try {
      const body = readFileSync(file.endsWith('/') ? path.join(file, 'index.html') : file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file) || '.html'] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

async function measureRenders(url: string): Promise<Map<string, number[]>> {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const times = new Map<string, number[]>(CANDIDATES.map((c) => [c.name, []]));
  try {
    // One warm-up load each (the browser's own first-use costs), then RUNS rounds.
    for (let round = -1; round < RUNS; round++) {
      for (const c of CANDIDATES) {
        const page = await browser.newPage();
        await page.setViewport({ width: 1000, height: 600 });
        await page.goto(`${url}/${slug(c.name)}/dist/index.html`);
        const ms = (await (await page.waitForFunction(() => (window as { __rendered?: number }).__rendered, { timeout: 30_000 })).jsonValue()) as number;
        if (round >= 0) times.get(c.name)!.push(ms);
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
  return times;
}

async function main(): Promise<void> {
  say(`building ${CANDIDATES.length} pages with Vite…`);
  const sizes = await buildAll();
  const { server, url } = await serve();
  say(`rendering ${POINTS.toLocaleString('en-US')} points, ${RUNS} runs each, in Chromium…`);
  const times = await measureRenders(url).finally(() => server.close());
  const base = sizes.get(CANDIDATES[0]!.name)!;
  const baseMs = percentile(times.get(CANDIDATES[0]!.name)!, 50);
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const rows = CANDIDATES.slice(1).map((c) => {
    const t = times.get(c.name)!;
    return { c, added: sizes.get(c.name)! - base, median: percentile(t, 50), min: Math.min(...t), max: Math.max(...t) };
  });
  const lines = [
    `| library | version | gzip JS added | first render of ${POINTS.toLocaleString('en-US')} points (median) | min – max |`,
    '| --- | --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.c.name} | ${r.c.version} | +${kb(r.added)} | ${r.median.toFixed(1)} ms | ${r.min.toFixed(1)} – ${r.max.toFixed(1)} ms |`),
  ];
  const machine = `${os.cpus()[0]?.model ?? 'CPU'} · ${os.cpus().length} cores · load ${os.loadavg()[0]!.toFixed(1)} · Chromium headless · ${RUNS} runs each`;
  const table = `${lines.join('\n')}\n\nBaseline page (React 19, no chart): ${kb(base)} gzip, ${baseMs.toFixed(1)} ms to first frame. ${machine}. Measured ${new Date().toISOString().slice(0, 16)}Z.`;
  process.stdout.write(`\n${table}\n\n`);
  for (const r of rows) {
    metric('charts', `${slug(r.c.name)} gzip added`, r.added / 1024, 'KB', 'lower');
    metric('charts', `${slug(r.c.name)} render ${POINTS} points`, r.median, 'ms', 'lower');
  }
  const md = path.join(root, 'bench', 'charts.md');
  const intro = readFileSync(md, { encoding: 'utf8', flag: 'a+' }).split('<!-- table -->')[0] || '# Chart libraries\n\n';
  writeFileSync(md, `${intro.trimEnd()}\n\n<!-- table -->\n${table}\n`);
  say(`wrote ${path.relative(root, md)}`);
}

await main();
