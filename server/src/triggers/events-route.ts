// POST /events with `Authorization: Bearer <api key>` (OPERATOR or ADMIN), body
// {name, payload, idempotencyKey?}: the same as the sendEvent mutation, for senders that do not
// speak GraphQL. 202 {eventId, duplicate, executionIds} (global ids); refusals are typed JSON:
// 401 unauthenticated · 403 forbidden · 413 payload_too_large · 415 unsupported_media_type ·
// 400 invalid_json · 422 invalid_input (+ problems).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../auth/authenticator.ts';
import { roleAtLeast } from '../auth/api-keys.ts';
import type { EngineDeps } from '../engine/executions.ts';
import { ValidationError } from '../errors.ts';
import { globalId } from '../graphql/ids.ts';
import type { RouteHandler } from '../http/server.ts';
import { sendEvent } from './send-event.ts';

export const EVENTS_PATH = '/events';
const MAX_BODY = 128 * 1024;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

const refuse = (res: ServerResponse, status: number, code: string, message: string, extra: Record<string, unknown> = {}) => send(res, status, { error: { code, message, ...extra } }, status === 413 ? { connection: 'close' } : {});

export function createEventsRoute({ engine, authenticator }: { engine: EngineDeps; authenticator: Authenticator }): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname !== EVENTS_PATH) return false;
    if (req.method !== 'POST') return (send(res, 405, { error: { code: 'method_not_allowed', message: 'Send events with POST' } }, { allow: 'POST' }), true);
    const viewer = await authenticator.authenticate(req.headers.authorization);
    if (!viewer) return (refuse(res, 401, 'unauthenticated', 'A valid API key is required (Authorization: Bearer <key>)'), true);
    if (!roleAtLeast(viewer.role, 'OPERATOR')) return (refuse(res, 403, 'forbidden', 'Sending events needs an OPERATOR or ADMIN key'), true);
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return (refuse(res, 415, 'unsupported_media_type', 'Send Content-Type: application/json'), true);
    if (Number(req.headers['content-length']) > MAX_BODY) return (refuse(res, 413, 'payload_too_large', `The body is larger than ${MAX_BODY} bytes`), true);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) return (refuse(res, 413, 'payload_too_large', `The body is larger than ${MAX_BODY} bytes`), true);
      chunks.push(chunk as Buffer);
    }
    let body: { name?: unknown; payload?: unknown; idempotencyKey?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return (refuse(res, 400, 'invalid_json', 'The body is not valid JSON'), true);
    }
    if (body === null || typeof body !== 'object') return (refuse(res, 400, 'invalid_json', 'The body must be {name, payload, idempotencyKey?}'), true);
    try {
      const r = await sendEvent(engine, viewer.tenantId, { name: body.name as string, payload: body.payload, idempotencyKey: body.idempotencyKey as string | undefined });
      send(res, 202, { eventId: globalId('Event', r.event.id), duplicate: r.duplicate, executionIds: r.executionIds.map((id) => globalId('Execution', id)) });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      refuse(res, 422, 'invalid_input', err.message, { problems: err.problems });
    }
    return true;
  };
}
