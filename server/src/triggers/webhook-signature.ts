// How an inbound webhook request is signed, shared by the server (webhooks.ts) and every sender
// (simulators/webhook-sender.ts, the README's curl recipe).
//
//   x-flowdeck-timestamp: <unix seconds>
//   x-flowdeck-signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" under the secret>
//
// Threat model: the URL token is not a credential (it shows up in logs and dashboards); the
// signature is. The timestamp is signed with the body, so an old captured request cannot be
// re-sent after REPLAY_WINDOW_MS; within the window a replay carries the same signature, which
// is the default idempotency key, so it returns the first run instead of starting another.
// Comparison is constant-time so a forger learns nothing from response timing.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-flowdeck-timestamp';
export const SIGNATURE_HEADER = 'x-flowdeck-signature';
export const REPLAY_WINDOW_MS = 5 * 60_000;

/** The signature header's value for this body at this time (unix seconds). */
export function signWebhook(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/** Whether `given` (with or without the sha256= prefix) is this secret's signature of the request. */
export function signatureMatches(secret: string, timestamp: string, rawBody: Buffer, given: string): boolean {
  const hex = given.startsWith('sha256=') ? given.slice(7) : given;
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}

/** Null when the timestamp header is a unix time within the replay window of now, else why not. */
export function timestampProblem(header: string | undefined, nowMs: number): 'missing' | 'stale' | null {
  if (!header || !/^\d{1,12}$/.test(header)) return 'missing';
  return Math.abs(nowMs - Number(header) * 1000) > REPLAY_WINDOW_MS ? 'stale' : null;
}
