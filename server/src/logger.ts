// The process's own logs: pino, JSON lines to stdout. (Workflow logs that users see go through
// logs/ into PostgreSQL; these are for operators of the process.)
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

let shared: Logger | undefined;

export function getLogger(): Logger {
  shared ??= createLogger();
  return shared;
}
