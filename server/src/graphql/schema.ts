// Loads every type file, then builds the schema. Add new type files here.
import { builder } from './builder.ts';
import './scalars.ts';
import './errors.ts';
import './viewer.ts';
import './workflows.ts';
import './executions.ts';
import './logs.ts';
import './integrations.ts';
import './api-keys.ts';
import './synced-data.ts';
import './maintenance.ts';
import './log-retention.ts';
import './bulk-operations.ts';
import './alert-destinations.ts';
import './stats.ts';
import './webhook-triggers.ts';
import './events.ts';
import './approvals.ts';

export const schema = builder.toSchema({ sortSchema: true });
