import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { useQuery } from 'urql';
import { graphql } from './graphql';
import type { ViewerQuery } from './graphql/graphql.ts';
import { ErrorState, Loading } from './components/states.tsx';

const ViewerDocument = graphql(`
  query Viewer {
    viewer {
      apiKeyId
      role
      tenant {
        id
        name
        slug
        timezone
      }
    }
  }
`);

export type Viewer = ViewerQuery['viewer'];
const ViewerContext = createContext<Viewer | null>(null);

function isUnauthenticated(error: { graphQLErrors: { extensions?: Record<string, unknown> }[]; response?: unknown }): boolean {
  const status = (error.response as Response | undefined)?.status;
  return status === 401 || error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

/** Loads the signed-in key's viewer; a key the server refuses sends the user back to sign-in. */
export function ViewerProvider({ children, onRejected }: { children: ReactNode; onRejected(message: string): void }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: ViewerDocument, requestPolicy: 'network-only' });
  const rejected = !!error && isUnauthenticated(error);
  useEffect(() => {
    if (rejected) onRejected('That API key was not accepted (unknown, revoked or expired).');
  }, [rejected, onRejected]);
  if (rejected) return <Loading label="Signing out…" />;
  if (error) return <ErrorState error={error} retry={() => refetch()} />;
  if (fetching || !data) return <Loading label="Signing in…" />;
  return <ViewerContext value={data.viewer}>{children}</ViewerContext>;
}

export function useViewer(): Viewer {
  const v = useContext(ViewerContext);
  if (!v) throw new Error('useViewer outside ViewerProvider');
  return v;
}
