import { createContext, useContext } from 'react';
import type { Client } from 'urql';

/** A client without graphcache, for long append-only lists (logs) managed in component state. */
export const RawClientContext = createContext<Client | null>(null);

export function useRawClient(): Client {
  const c = useContext(RawClientContext);
  if (!c) throw new Error('useRawClient outside RawClientContext');
  return c;
}
