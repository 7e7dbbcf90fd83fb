import { builder } from './builder.ts';

builder.prismaObject('Tenant', {
  description: 'The organisation an API key belongs to. Everything a key can see belongs to its tenant.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    slug: t.exposeString('slug'),
    timezone: t.exposeString('timezone', { description: 'IANA zone used for schedules and date ranges by default.' }),
    defaultCountry: t.exposeString('defaultCountry'),
    minScheduleIntervalSeconds: t.exposeInt('minScheduleIntervalSeconds', {
      description: 'Shortest time allowed between two fire times of a workflow schedule; a schedule that fires more often is refused.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const ViewerRef = builder.objectRef<{ tenantId: string; apiKeyId: string; role: string }>('Viewer');

ViewerRef.implement({
  description: 'The caller: its tenant and the role of its API key.',
  fields: (t) => ({
    role: t.exposeString('role'),
    apiKeyId: t.exposeID('apiKeyId'),
    tenant: t.prismaField({
      type: 'Tenant',
      resolve: (query, viewer, _args, ctx) => ctx.db.tenant.findUniqueOrThrow({ ...query, where: { id: viewer.tenantId } }),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    authScopes: { viewer: true },
    resolve: (_root, _args, ctx) => ctx.viewer!,
  }),
);
