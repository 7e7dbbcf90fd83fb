import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Viewer } from '../auth/authenticator.ts';

/** What every resolver receives. Built per request (HTTP) or per operation (WebSocket). */
export interface GraphQLContext {
  db: PrismaClient;
  /** null for an unauthenticated request; scope-auth refuses every field that needs one. */
  viewer: Viewer | null;
}
