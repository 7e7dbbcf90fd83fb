// `log`: writes one workflow log line; with `fail: true` it then fails (to exercise fail-fast).
import type { LogLevel } from '../../generated/prisma/enums.ts';
import { StepError, type StepRunner } from './types.ts';

export interface LogStepConfig {
  message: string;
  level?: LogLevel;
  metadata?: Record<string, unknown>;
  fail?: boolean;
}

export const logStep: StepRunner<LogStepConfig> = {
  type: 'log',
  retrySafe: true,
  async run(ctx, config) {
    ctx.log({ level: config.level ?? 'INFO', message: config.message, metadata: config.metadata });
    if (config.fail) throw new StepError(config.message, { retryable: false, source: 'log' });
    return { logged: true };
  },
};
