// A tenant's log retention per level: the effective policy, setting it (ADMIN), and a preview of
// what retention would remove for this tenant. The maintenance run's own dry run
// (runLogMaintenance) is process-wide — its report names every tenant — so the preview counts
// this tenant's rows instead, through the (tenantId, level, createdAt) index.
import { Prisma } from '../generated/prisma/client.ts';
import { LogLevel } from '../generated/prisma/enums.ts';
import { ValidationError } from '../errors.ts';
import { effectiveRetention, validateRetention, type RetentionPolicy } from '../logs/retention.ts';
import { builder } from './builder.ts';
import { tenantOf, type GraphQLContext } from './context.ts';
import { LogLevelEnum } from './enums.ts';
import { MUTATION_ERRORS } from './errors.ts';

const LEVELS = Object.values(LogLevel);
const DAY_MS = 86_400_000;
/** The preview stops counting a level here, so a huge backlog costs a bounded index scan. */
export const PREVIEW_COUNT_LIMIT = 100_000;

interface Retention {
  policy: RetentionPolicy;
  custom: Partial<RetentionPolicy>;
  defaultDays: number;
}

const LogRetentionRef = builder.objectRef<Retention>('LogRetention').implement({
  description: 'Days log lines are kept, per level. Levels you have not set use the deployment default (LOG_RETENTION_DAYS).',
  fields: (t) => ({
    ...Object.fromEntries(LEVELS.map((l) => [l, t.int({ description: `Days ${l} lines are kept.`, resolve: (r) => r.policy[l] })])),
    defaultDays: t.int({ description: 'The deployment default (LOG_RETENTION_DAYS), used for every level you have not set.', resolve: (r) => r.defaultDays }),
    customLevels: t.field({ type: [LogLevelEnum], description: 'The levels with a setting of their own.', resolve: (r) => LEVELS.filter((l) => r.custom[l] !== undefined) }),
  }),
});

async function retentionOf(ctx: GraphQLContext): Promise<Retention> {
  const tenant = await ctx.db.tenant.findUniqueOrThrow({ where: { id: tenantOf(ctx) }, select: { logRetention: true } });
  const defaultDays = ctx.ops.defaultLogRetentionDays;
  let custom: Partial<RetentionPolicy> = {};
  try {
    custom = validateRetention(tenant.logRetention);
  } catch {
    // effectiveRetention ignores an invalid stored value the same way.
  }
  return { policy: effectiveRetention(tenant.logRetention, defaultDays), custom, defaultDays };
}

interface LevelPreview {
  level: LogLevel;
  days: number;
  before: Date;
  rows: number;
}

const LogRetentionPreviewRef = builder.objectRef<LevelPreview>('LogRetentionPreview').implement({
  description: 'The lines of one level that retention would remove now.',
  fields: (t) => ({
    level: t.expose('level', { type: LogLevelEnum, description: 'The level.' }),
    days: t.exposeInt('days', { description: 'Its retention in days.' }),
    before: t.expose('before', { type: 'DateTime', description: 'Lines created before this instant are past their retention.' }),
    rows: t.exposeInt('rows', { description: `Your lines of this level past retention, counted up to ${PREVIEW_COUNT_LIMIT}.` }),
    exact: t.boolean({ description: `false when there are more than ${PREVIEW_COUNT_LIMIT} (rows is then a lower bound).`, resolve: (p) => p.rows < PREVIEW_COUNT_LIMIT }),
  }),
});

builder.queryFields((t) => ({
  logRetention: t.field({
    type: LogRetentionRef,
    authScopes: { viewer: true },
    description: 'How long your log lines are kept, per level.',
    resolve: (_root, _args, ctx) => retentionOf(ctx),
  }),
  logRetentionPreview: t.field({
    type: [LogRetentionPreviewRef],
    authScopes: { role: 'ADMIN' },
    description:
      'What log retention would remove for your tenant, per level, as of now; changes nothing. The nightly run removes these lines, except that for the longest retention in the deployment whole days go at once (up to a day later).',
    resolve: async (_root, _args, ctx) => {
      const { policy } = await retentionOf(ctx);
      const now = Date.now();
      return Promise.all(
        LEVELS.map(async (level) => {
          const before = new Date(now - policy[level] * DAY_MS);
          const [r] = await ctx.db.$queryRaw<{ n: bigint }[]>`
            SELECT count(*) AS n FROM (
              SELECT 1 FROM "LogEntry"
              WHERE "tenantId" = ${tenantOf(ctx)}::uuid AND "level" = ${level}::"LogLevel" AND "createdAt" < ${before}
              LIMIT ${PREVIEW_COUNT_LIMIT}) expired`;
          return { level, days: policy[level], before, rows: Number(r?.n ?? 0) };
        }),
      );
    },
  }),
}));

const LogRetentionInput = builder.inputType('LogRetentionInput', {
  description: 'Days to keep each level, 1 to 3650; a level left out or null uses the deployment default.',
  fields: (t) => Object.fromEntries(LEVELS.map((l) => [l, t.int({ description: `Days to keep ${l} lines; null = the default.` })])) as Record<LogLevel, ReturnType<typeof t.int>>,
});

const SetLogRetentionPayload = builder.objectRef<Retention>('SetLogRetentionPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({ logRetention: t.field({ type: LogRetentionRef, description: 'The settings as they are now.', resolve: (r) => r }) }),
});

builder.mutationField('setLogRetention', (t) =>
  t.field({
    type: SetLogRetentionPayload,
    authScopes: { role: 'ADMIN' },
    description: 'Replaces your retention settings. Shorter retention takes effect at the next nightly maintenance run.',
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'SetLogRetentionResult' } },
    args: { input: t.arg({ type: LogRetentionInput, required: true, description: 'The values to write (see the input type).' }) },
    resolve: async (_root, { input }, ctx) => {
      const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v != null));
      let custom: Partial<RetentionPolicy>;
      try {
        custom = validateRetention(given);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        throw new ValidationError(err.problems.map((p) => ({ ...p, path: p.path.replace(/^logRetention\./, 'input.') })));
      }
      await ctx.db.tenant.update({
        where: { id: tenantOf(ctx) },
        data: { logRetention: Object.keys(custom).length ? (custom as Prisma.InputJsonObject) : Prisma.DbNull },
      });
      return retentionOf(ctx);
    },
  }),
);
