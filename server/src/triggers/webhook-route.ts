// POST /hooks/<token>: an inbound webhook delivery. A signed JSON object becomes the input of a
// new run of the trigger's workflow (trigger WEBHOOK), answered 202 {executionId, duplicate}.
//
// Every refusal is typed JSON {error: {code, message, …}} and starts nothing:
//   404 not_found (unknown or disabled token) · 405 method_not_allowed · 415 unsupported_media_type
//   413 payload_too_large · 401 missing_signature / stale_timestamp / bad_signature
//   429 rate_limited (+ Retry-After) · 400 invalid_json / not_an_object
//   422 schema_invalid (+ problems with JSON paths) · 409 conflict (the workflow is disabled)
//
// Order of checks: the token, then size and type, then the signature, and only then the rate
// limit, so a forger cannot spend a sender's budget; the payload is parsed only once signed.
//
// Idempotency: the key is the configured header's value or payload path's value, or else the
// signature itself, so a replay of a captured request within the window returns the first run
// (202, duplicate: true) instead of starting another. Keys live as the run's idempotency key
// (`wh:<trigger>:<key>`, unique per tenant for 24 h), which costs the delivery no extra statement.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { triggerExecution, type EngineDeps } from '../engine/executions.ts';
import { RateLimiter } from '../graphql/plugins/rate-limit.ts';
import { globalId } from '../graphql/ids.ts';
import { INPUT_LIMITS } from '../security/input-limits.ts';
import type { RouteHandler } from '../http/server.ts';
import { SIGNATURE_HEADER, signatureMatches, TIMESTAMP_HEADER, timestampProblem } from './webhook-signature.ts';
import { WEBHOOK_PATH_PREFIX, webhookViews, type WebhookView } from './webhook-triggers.ts';

/** The largest body accepted: a payload becomes the run's input, which has this limit. */
export const WEBHOOK_MAX_BODY_BYTES = INPUT_LIMITS.contextBytes;

export interface WebhookRouteDeps {
  engine: EngineDeps;
  encryptionKey: Buffer;
  now?: () => number;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new Refusal(413, 'payload_too_large', `The body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Refusal(413, 'payload_too_large', `The body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function valueAt(payload: Record<string, unknown>, path: string): unknown {
  let at: unknown = payload;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** The caller's idempotency key, else the signature (see the top of the file). */
function idempotencyKeyOf(view: WebhookView, req: IncomingMessage, payload: Record<string, unknown>, signature: string): string {
  let key: string | undefined;
  if (view.idempotencyKeyHeader) key = header(req, view.idempotencyKeyHeader);
  else if (view.idempotencyKeyPath) {
    const v = valueAt(payload, view.idempotencyKeyPath);
    if (typeof v === 'string' || typeof v === 'number') key = String(v);
  }
  const raw = key ? `k:${key}` : `s:${signature.replace(/^sha256=/, '').toLowerCase()}`;
  // Bounded to the column's 200 characters; long keys are hashed (collisions are not a concern).
  return `wh:${view.id}:${raw.length <= 120 ? raw : createHash('sha256').update(raw).digest('hex')}`;
}

function verify(view: WebhookView, req: IncomingMessage, body: Buffer, nowMs: number): string {
  const timestamp = header(req, TIMESTAMP_HEADER);
  const signature = header(req, SIGNATURE_HEADER);
  const tsProblem = timestampProblem(timestamp, nowMs);
  if (!signature || tsProblem === 'missing') throw new Refusal(401, 'missing_signature', `Sign the request: ${TIMESTAMP_HEADER} (unix seconds) and ${SIGNATURE_HEADER} (sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">)`);
  if (tsProblem === 'stale') throw new Refusal(401, 'stale_timestamp', `${TIMESTAMP_HEADER} is more than 5 minutes from the server's clock`);
  // The current secret, else the previous one while its overlap lasts; every candidate is checked
  // so the time taken does not say which one matched.
  let ok = false;
  for (const s of view.secrets) if ((s.until === null || s.until > nowMs) && signatureMatches(s.secret, timestamp!, body, signature)) ok = true;
  if (!ok) throw new Refusal(401, 'bad_signature', 'The signature does not match this webhook\'s secret');
  return signature;
}

async function rateLimit(deps: WebhookRouteDeps, view: WebhookView): Promise<void> {
  if (view.rateLimitPerMinute === 0) return;
  try {
    await new RateLimiter(deps.engine.redis, `${deps.engine.redisPrefix}:hooks`, view.rateLimitPerMinute, deps.now).consume(view.id);
  } catch (err) {
    if (!(err instanceof GraphQLError) || err.extensions.code !== 'RATE_LIMITED') throw err;
    const retryAfterMs = Number(err.extensions.retryAfterMs);
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    throw new Refusal(429, 'rate_limited', `More than ${view.rateLimitPerMinute} deliveries a minute; retry in ${seconds} s`, { retryAfterMs }, { 'retry-after': String(seconds) });
  }
}

/** Handles one delivery; returns the status and body sent. */
export async function deliverWebhook(deps: WebhookRouteDeps, token: string, req: IncomingMessage): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
  const nowMs = (deps.now ?? Date.now)();
  try {
    if (req.method !== 'POST') throw new Refusal(405, 'method_not_allowed', 'Deliver with POST', {}, { allow: 'POST' });
    const view = token ? await webhookViews(deps.engine.db).get(token, deps.encryptionKey, nowMs) : null;
    if (!view || !view.enabled) throw new Refusal(404, 'not_found', 'No enabled webhook has this URL');
    const type = header(req, 'content-type') ?? '';
    if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) throw new Refusal(415, 'unsupported_media_type', 'Send Content-Type: application/json');
    const body = await readBody(req, WEBHOOK_MAX_BODY_BYTES);
    const signature = verify(view, req, body, nowMs);
    await rateLimit(deps, view);
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new Refusal(400, 'invalid_json', 'The body is not valid JSON');
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new Refusal(400, 'not_an_object', 'The body must be a JSON object (it becomes the run\'s input)');
    if (view.validator && !view.validator(payload)) {
      const problems = (view.validator.errors ?? []).map((e) => ({ path: e.instancePath || '/', message: e.message ?? 'is invalid', keyword: e.keyword, params: e.params }));
      throw new Refusal(422, 'schema_invalid', 'The payload does not match the webhook\'s JSON Schema', { problems });
    }
    const { execution, created } = await triggerExecution(deps.engine, {
      tenantId: view.tenantId,
      workflowId: view.workflowId,
      trigger: 'WEBHOOK',
      context: payload as Record<string, unknown>,
      idempotencyKey: idempotencyKeyOf(view, req, payload as Record<string, unknown>, signature),
    });
    return { status: 202, body: { executionId: globalId('Execution', execution.id), duplicate: !created } };
  } catch (err) {
    if (err instanceof Refusal) return { status: err.status, body: { error: { code: err.code, message: err.message, ...err.extra } }, headers: err.headers };
    if (err instanceof ValidationError) return { status: 422, body: { error: { code: 'invalid_input', message: err.message, problems: err.problems } } };
    if (err instanceof ConflictError) return { status: 409, body: { error: { code: 'conflict', message: err.message } } };
    if (err instanceof NotFoundError) return { status: 404, body: { error: { code: 'not_found', message: 'No enabled webhook has this URL' } } };
    throw err;
  }
}

export function createWebhookRoute(deps: WebhookRouteDeps): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!url.pathname.startsWith(WEBHOOK_PATH_PREFIX)) return false;
    const token = url.pathname.slice(WEBHOOK_PATH_PREFIX.length);
    const { status, body, headers } = await deliverWebhook(deps, /^[A-Za-z0-9_-]{1,100}$/.test(token) ? token : '', req);
    // An early refusal leaves the body unread; closing the connection avoids reading megabytes of it.
    send(res, status, body, status === 413 ? { ...headers, connection: 'close' } : headers);
    return true;
  };
}
