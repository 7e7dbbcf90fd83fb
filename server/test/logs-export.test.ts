import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKey, createTestTenant } from './helpers.ts';
import { startTestApp } from './app.ts';
import { createServer } from 'node:http';
import { Authenticator } from '../src/auth/authenticator.ts';
import { createLogExportRoute, csvCell } from '../src/http/logs-export.ts';
import { logWhere } from '../src/logs/query.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let tenantId: string;
let key: string;
const ROWS = 40_000;

beforeAll(async () => {
  app = await startTestApp(['api']);
  tenantId = (await createTestTenant(app.db)).id;
  key = await createTestKey(app.db, tenantId, 'VIEWER');
  // Messages with every character CSV must escape, and one that a spreadsheet would run.
  await app.db.$executeRawUnsafe(
    `INSERT INTO "LogEntry" ("id","tenantId","level","message","metadata","step","createdAt")
     SELECT md5($1 || g)::uuid, $1::uuid, (ARRAY['INFO','WARN','ERROR'])[1 + g % 3]::"LogLevel",
            CASE WHEN g % 1000 = 0 THEN '=HYPERLINK("x")' ELSE 'line ' || g || ', with "quotes",' || chr(10) || 'and a newline' END,
            jsonb_build_object('g', g), 'step,' || (g % 7), now() - g * interval '1 second'
     FROM generate_series(1, ${ROWS}) g`,
    tenantId,
  );
  const other = await createTestTenant(app.db);
  await app.db.logEntry.create({ data: { tenantId: other.id, level: 'ERROR', message: 'other tenant' } });
});
afterAll(() => app.stop());

const get = (query: string, auth: string | null = key) => fetch(`${app.url}/api/v1/logs/export?${query}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });

/** RFC 4180 parser, enough to read back what the route wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  return rows;
}

describe('GET /api/v1/logs/export', () => {
  it('needs a valid API key and rejects bad filters before streaming', async () => {
    expect((await get('format=csv', null)).status).toBe(401);
    expect((await get('format=csv', 'fd_nope')).status).toBe(401);
    const bad = await get('format=xml&levels=LOUD&since=yesterday');
    expect(bad.status).toBe(400);
    expect((await bad.json()).problems.map((p: { path: string }) => p.path).sort()).toEqual(['format', 'since']);
    expect((await get('levels=LOUD')).status).toBe(400);
    expect((await get('workflowId=x')).status).toBe(400);
  });

  it('streams every line of the tenant as NDJSON, newest first, in pages', async () => {
    const res = await get('format=ndjson');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    let chunks = 0;
    let text = '';
    const decoder = new TextDecoder();
    const reader = res.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks++;
      text += decoder.decode(r.value, { stream: true });
    }
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(ROWS);
    expect(chunks).toBeGreaterThan(10);
    expect(lines.map((l) => l.metadata.g)).toEqual([...Array(ROWS).keys()].map((i) => i + 1));
    expect(lines.every((l) => l.message !== 'other tenant')).toBe(true);
  });

  it('applies the same filters as the logs query', async () => {
    const since = new Date(Date.now() - 100_500).toISOString();
    const text = await (await get(`format=ndjson&levels=ERROR,WARN&since=${encodeURIComponent(since)}`)).text();
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    const expected = await app.db.logEntry.count({ where: { tenantId, level: { in: ['ERROR', 'WARN'] }, createdAt: { gte: new Date(since) } } });
    expect(lines.length).toBe(expected);
    expect(lines.every((l) => ['ERROR', 'WARN'].includes(l.level))).toBe(true);
  });

  it('writes CSV that parses back to the stored rows, formulas neutralised', async () => {
    const res = await get('format=csv&search=line%201999');
    expect(res.headers.get('content-type')).toContain('text/csv');
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual(['id', 'createdAt', 'level', 'workflowId', 'executionId', 'step', 'message', 'metadata']);
    const stored = await app.db.logEntry.findMany({ where: logWhere(tenantId, { search: 'line 1999' }), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    expect(stored.length).toBeGreaterThan(1);
    expect(rows.slice(1)).toEqual(stored.map((e) => [e.id, e.createdAt.toISOString(), e.level, '', '', e.step, e.message, JSON.stringify(e.metadata)]));
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-1')).toBe(`'-1`);
  });

  it('reads the next page only as the client reads (backpressure)', async () => {
    // The route on a bare server, to count the pages it has read from the database.
    let pages = 0;
    const route = createLogExportRoute({ db: app.db, authenticator: new Authenticator(app.db), onPage: () => pages++ });
    const server = createServer((req, res) => void route(req, res, new URL(req.url!, 'http://x')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/logs/export?format=ndjson`, { headers: { authorization: `Bearer ${key}` } });
      const reader = res.body!.getReader();
      await reader.read();
      // The client stalls: the server fills the socket buffers, then waits for 'drain'.
      await new Promise((r) => setTimeout(r, 700));
      const whileStalled = pages;
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
      }
      console.log(`export: ${whileStalled} of ${pages} pages read while the client stalled; ${bytes} bytes streamed`);
      expect(pages).toBe(ROWS / 1000);
      expect(whileStalled).toBeLessThan(pages * 0.6);
      expect(bytes).toBeGreaterThan(5_000_000);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
