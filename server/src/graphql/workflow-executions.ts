// The first page of Workflow.executions for every workflow of a list, in two queries in total
// instead of one per workflow: the newest `first + 1` ids of each workflow (a LATERAL read of the
// (tenantId, workflowId, createdAt, id) index per workflow, which stops after those rows), then
// one findMany that loads them with the selection. Later pages (a cursor, or `last`) are rare — a
// detail page paging one workflow — and run as their own keyset query, in the same order.
// (A window function over the workflows' executions read and sorted every one of them: 490 ms
// for 20 workflows with 1,000,000 executions, against 0.25 ms this way.)
import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import { queryFromInfo } from '@pothos/plugin-prisma';
import { Prisma, type WorkflowExecution } from '../generated/prisma/client.ts';
import { firstPageOf, type Connection } from './connection.ts';
import { tenantOf, type GraphQLContext } from './context.ts';
import { executionKey, type ExecutionFilter } from './executions.ts';

type Page = Omit<Connection<WorkflowExecution>, 'totalCount'>;
type Loader = DataLoader<string, Page>;
const loaders = new WeakMap<GraphQLContext, Map<string, Loader>>();

function filterSql(filter: ExecutionFilter | null | undefined): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (filter?.statuses?.length) parts.push(Prisma.sql`AND "status"::text = ANY(${filter.statuses})`);
  if (filter?.triggers?.length) parts.push(Prisma.sql`AND "trigger"::text = ANY(${filter.triggers})`);
  if (filter?.since) parts.push(Prisma.sql`AND "createdAt" >= ${filter.since}`);
  if (filter?.until) parts.push(Prisma.sql`AND "createdAt" < ${filter.until}`);
  return parts.length ? Prisma.join(parts, ' ') : Prisma.empty;
}

export function firstExecutionsPage(
  ctx: GraphQLContext,
  info: GraphQLResolveInfo,
  workflowId: string,
  first: number,
  filter: ExecutionFilter | null | undefined,
  count: () => Promise<number>,
): Promise<Connection<WorkflowExecution>> {
  const selection = queryFromInfo({ context: ctx, info, path: ['edges', 'node'] });
  // One loader per distinct page shape in this request (aliases may ask differently).
  const key = JSON.stringify([first, filter ?? null, selection]);
  let byShape = loaders.get(ctx);
  if (!byShape) loaders.set(ctx, (byShape = new Map()));
  let loader = byShape.get(key);
  if (!loader) {
    loader = new DataLoader<string, Page>(async (workflowIds) => {
      const picked = await ctx.db.$queryRaw<{ id: string }[]>`
        SELECT "page"."id"::text AS "id"
        FROM unnest(${[...workflowIds]}::uuid[]) AS "wf"("workflowId")
        CROSS JOIN LATERAL (
          SELECT "id" FROM "WorkflowExecution"
          WHERE "tenantId" = ${tenantOf(ctx)}::uuid AND "WorkflowExecution"."workflowId" = "wf"."workflowId" ${filterSql(filter)}
          ORDER BY "createdAt" DESC, "id" DESC
          LIMIT ${first + 1}
        ) AS "page"`;
      const rows = picked.length
        ? await ctx.db.workflowExecution.findMany({ ...selection, where: { id: { in: picked.map((p) => p.id) } }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })
        : [];
      return workflowIds.map((wf) =>
        firstPageOf('Execution', rows.filter((r) => r.workflowId === wf), first, executionKey),
      );
    });
    byShape.set(key, loader);
  }
  // totalCount is per workflow and only counted when asked for.
  return loader.load(workflowId).then((conn) => ({ ...conn, totalCount: count }));
}
