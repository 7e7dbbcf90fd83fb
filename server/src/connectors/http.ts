// Request plumbing shared by the connector clients: timeouts that are told apart from
// cancellation, abortable sleeps, and capped exponential backoff with full jitter.

/** Thrown when the step's signal fired (cancel or shutdown): never retried. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** A failure below HTTP: refused, reset, DNS, or our timeout (`timedOut`: the server may have acted). */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CancelledError());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Full jitter: a random wait in [0, min(cap, base·2^(attempt-1))], never below base/2. */
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.max(baseMs / 2, Math.random() * ceiling);
}

export interface RawResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body is JSON, else the text. */
  body: any;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  signal?: AbortSignal;
  timeoutMs: number;
}

/** One HTTP exchange: never retries, tells timeouts (NetworkError) from cancellation (CancelledError). */
export async function send(url: string, opts: SendOptions): Promise<RawResponse> {
  if (opts.signal?.aborted) throw new CancelledError();
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await fetch(url, { method: opts.method ?? 'GET', headers: opts.headers, body: opts.body, signal });
    const text = await res.text();
    let body: any = text;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.status, headers: res.headers, body };
  } catch (err) {
    if (opts.signal?.aborted) throw new CancelledError();
    if (timeout.aborted) throw new NetworkError(`timed out after ${opts.timeoutMs} ms`, true);
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new NetworkError(`network error${cause ? ` (${cause})` : ''}: ${(err as Error).message}`, false);
  }
}
