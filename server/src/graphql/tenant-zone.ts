import { tenantOf, type GraphQLContext } from './context.ts';

/** The caller's tenant's zone, read once per request however many workflows ask for it. */
const tenantZones = new WeakMap<GraphQLContext, Promise<string>>();
export function tenantTimezone(ctx: GraphQLContext): Promise<string> {
  let zone = tenantZones.get(ctx);
  if (!zone) {
    zone = ctx.db.tenant.findUniqueOrThrow({ where: { id: tenantOf(ctx) }, select: { timezone: true } }).then((t) => t.timezone);
    tenantZones.set(ctx, zone);
  }
  return zone;
}
