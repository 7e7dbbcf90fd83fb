import type { CombinedError } from 'urql';
import type { ReactNode } from 'react';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function errorMessage(error: CombinedError | Error | string): string {
  if (typeof error === 'string') return error;
  if ('graphQLErrors' in error && error.graphQLErrors.length) return error.graphQLErrors.map((e) => e.message).join('; ');
  if ('networkError' in error && error.networkError) return `Cannot reach the server: ${error.networkError.message}`;
  return error.message;
}

/**
 * A mutation's answer when it is one of the union's error types. Each document spells out
 * `... on ValidationError { message problems { path message } } ... on Error { message }`
 * rather than sharing a fragment on the Error interface: graphcache runs without the schema, so
 * it cannot tell that ValidationError implements Error, and such a fragment's fields come back
 * empty (tried: the alerts page then showed "failed" instead of the refused URL's problem).
 */
export type MutationResult = { __typename?: string; message?: string; problems?: { path: string; message: string }[] } | null | undefined;

/**
 * What to show for a mutation answer that is not `ok`: every problem of a ValidationError with
 * its path (an argument's own prefix, `input.`, dropped), or the error's message; null when it is `ok`.
 */
export function payloadProblem(r: MutationResult, ok: string): string | null {
  if (!r || r.__typename === ok) return null;
  return r.problems?.length ? r.problems.map((p) => `${p.path.replace(/^input\./, '')}: ${p.message}`).join('; ') : (r.message ?? 'failed');
}

export function ErrorState({ error, retry }: { error: CombinedError | Error | string; retry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <strong>Something went wrong.</strong> {errorMessage(error)}
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}
