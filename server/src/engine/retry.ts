// Backoff between attempts and a sleep that a cancel or shutdown cuts short: the engine's step
// retries and the connector clients' request retries (connectors/http.ts) both use these.

export const DEFAULT_STEP_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of
 * many runs that failed together (an outage) spread out instead of returning in lockstep.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs = MAX_BACKOFF_MS, random: () => number = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class AbortedError extends Error {
  constructor(readonly reason: unknown) {
    super(`aborted: ${String(reason)}`);
    this.name = 'AbortError';
  }
}

function abortError(signal: AbortSignal): AbortedError {
  return new AbortedError(signal.reason);
}
