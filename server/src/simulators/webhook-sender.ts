// A webhook sender like a partner's: signs a JSON body the way Flowdeck expects
// (triggers/webhook-signature.ts) and POSTs it over real HTTP. Used by the webhook tests, the
// Playwright spec and `npm run bench webhooks`.
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../triggers/webhook-signature.ts';

export interface WebhookSendOptions {
  /** Full URL of the trigger: <server>/hooks/<token>. */
  url: string;
  secret: string;
  payload: unknown;
  /** Unix seconds; default now. Tests pass old ones to check the replay window. */
  timestamp?: number;
  /** Extra headers, e.g. an idempotency key. */
  headers?: Record<string, string>;
  /** Sign this instead of the body sent (tests of a tampered body). */
  signBody?: string;
  /** The raw body to send instead of JSON.stringify(payload). */
  rawBody?: string;
  contentType?: string;
}

export interface WebhookSendResult {
  status: number;
  headers: Headers;
  body: any;
  /** The signed request, to replay it byte for byte. */
  sent: { body: string; timestamp: number; signature: string };
}

export function signedRequest(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  return { timestamp, signature: signWebhook(secret, timestamp, body) };
}

export async function sendWebhook(o: WebhookSendOptions): Promise<WebhookSendResult> {
  const body = o.rawBody ?? JSON.stringify(o.payload);
  const { timestamp, signature } = signedRequest(o.secret, o.signBody ?? body, o.timestamp);
  return replayWebhook(o.url, { body, timestamp, signature }, o.headers, o.contentType);
}

/** Sends an already signed request again, unchanged. */
export async function replayWebhook(url: string, sent: WebhookSendResult['sent'], headers: Record<string, string> = {}, contentType = 'application/json'): Promise<WebhookSendResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, [TIMESTAMP_HEADER]: String(sent.timestamp), [SIGNATURE_HEADER]: sent.signature, ...headers },
    body: sent.body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: res.status, headers: res.headers, body: parsed, sent };
}
