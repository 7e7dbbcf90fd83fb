// GET /api/v1/logs/export?format=ndjson|csv&workflowId=&executionId=&levels=WARN,ERROR&since=&until=&search=
// with `Authorization: Bearer <api key>`: every matching log line of the key's tenant, newest
// first, streamed. Rows are read in keyset pages (the same query as the `logs` connection) and
// the next page is read only after the socket has drained, so memory stays at one page
// whatever the export's size, and a slow or vanished client stops the reads.
//
// Threat model: exports are opened in spreadsheets, so CSV cells that begin with a formula
// character are prefixed with an apostrophe (CSV injection); lines were redacted when written.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { LogEntry } from '../generated/prisma/client.ts';
import type { LogLevel } from '../generated/prisma/enums.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { ValidationError } from '../errors.ts';
import { encodeLogCursor, queryLogs, type LogFilter } from '../logs/query.ts';
import type { RouteHandler } from './server.ts';

export const LOG_EXPORT_PATH = '/api/v1/logs/export';
const PAGE = 1000;
const CSV_COLUMNS = ['id', 'createdAt', 'level', 'workflowId', 'executionId', 'step', 'message', 'metadata'] as const;

export interface LogExportDeps {
  db: PrismaClient;
  authenticator: Authenticator;
  /** Called after each page is written (tests observe streaming through it). */
  onPage?: (rows: number) => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function parseDate(v: string | null, path: string, problems: { path: string; message: string }[]): Date | undefined {
  if (v === null || v === '') return undefined;
  const d = new Date(v);
  if (!Number.isFinite(d.getTime())) problems.push({ path, message: 'is not an ISO 8601 date-time' });
  return d;
}

/** The same filters as the `logs` query, from the query string. */
export function parseExportQuery(url: URL): { format: 'ndjson' | 'csv'; filter: LogFilter } {
  const q = url.searchParams;
  const problems: { path: string; message: string }[] = [];
  // PostgreSQL text cannot hold U+0000: a NUL in any parameter would fail the query (a 500).
  for (const [name, value] of q) if (value.includes('\0')) problems.push({ path: name, message: 'contains a NUL character (U+0000), which is not accepted' });
  const format = q.get('format') ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv') problems.push({ path: 'format', message: 'must be ndjson or csv' });
  const levels = [...q.getAll('levels'), ...q.getAll('level')].flatMap((v) => v.split(',')).map((v) => v.trim().toUpperCase()).filter(Boolean);
  const filter: LogFilter = {
    workflowId: q.get('workflowId') || undefined,
    executionId: q.get('executionId') || undefined,
    levels: levels.length ? (levels as LogLevel[]) : undefined,
    since: parseDate(q.get('since'), 'since', problems),
    until: parseDate(q.get('until'), 'until', problems),
    search: q.get('search') || undefined,
  };
  if (problems.length) throw new ValidationError(problems);
  return { format: format as 'ndjson' | 'csv', filter };
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csvRow(e: LogEntry): string {
  return `${CSV_COLUMNS.map((c) => csvCell(e[c])).join(',')}\r\n`;
}

function ndjsonRow(e: LogEntry): string {
  return `${JSON.stringify({ id: e.id, createdAt: e.createdAt.toISOString(), level: e.level, workflowId: e.workflowId, executionId: e.executionId, step: e.step, message: e.message, metadata: e.metadata, piiRedacted: e.piiRedacted })}\n`;
}

export function createLogExportRoute({ db, authenticator, onPage }: LogExportDeps): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname !== LOG_EXPORT_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { error: 'method not allowed' });
      return true;
    }
    const viewer = await authenticator.authenticate(req.headers.authorization);
    if (!viewer) {
      res.setHeader('www-authenticate', 'Bearer');
      sendJson(res, 401, { error: 'a valid API key is required (Authorization: Bearer fd_…)' });
      return true;
    }
    let format: 'ndjson' | 'csv';
    let filter: LogFilter;
    try {
      ({ format, filter } = parseExportQuery(url));
      // Validates the filter (ids, levels) before the 200 is sent.
      await queryLogs(db, viewer.tenantId, filter, { first: 0 });
    } catch (err) {
      if (err instanceof ValidationError) {
        sendJson(res, 400, { error: 'invalid export request', problems: err.problems });
        return true;
      }
      throw err;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="logs-${stamp}.${format}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    let closed = false;
    res.once('close', () => (closed = true));
    if (format === 'csv') res.write(`${CSV_COLUMNS.join(',')}\r\n`);
    let after: string | undefined;
    for (;;) {
      const page = await queryLogs(db, viewer.tenantId, filter, { first: PAGE, after });
      if (closed) return true;
      const chunk = page.entries.map(format === 'csv' ? csvRow : ndjsonRow).join('');
      const flushed = chunk.length === 0 || res.write(chunk);
      onPage?.(page.entries.length);
      if (!page.hasNextPage) break;
      after = encodeLogCursor(page.entries.at(-1)!);
      if (!flushed) {
        await Promise.race([once(res, 'drain'), once(res, 'close')]);
        if (closed) return true;
      }
    }
    res.end();
    return true;
  };
}
