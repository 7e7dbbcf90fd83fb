// The process's own logs: pino, JSON lines to stdout. (Workflow logs that users see go through
// logs/ into PostgreSQL; these are for operators of the process.) They pass through the same
// redaction as workflow logs: messages (and interpolated strings), the merged object, child
// bindings and serialized errors — operators' log pipelines are not a place for customers'
// phone numbers or a partner's API key echoed in an error.
import { pino, type DestinationStream, type Logger } from 'pino';
import { redactText, redactValue } from './logs/redact.ts';

export type { Logger };

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: (e: unknown) => redactValue(pino.stdSerializers.err(e as Error)) },
    formatters: {
      // Errors stay Errors here so the err serializer (which redacts) still sees their type.
      log: ({ err, ...rest }) => {
        const out = redactValue(rest) as Record<string, unknown>;
        if (err !== undefined) out.err = err instanceof Error ? err : redactValue(err);
        return out;
      },
    },
    hooks: {
      logMethod(args, method) {
        const safe = args.map((a, i) => (typeof a === 'string' ? redactText(a) : i > 0 ? redactValue(a) : a));
        return method.apply(this, safe as Parameters<typeof method>);
      },
    },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // pino skips the bindings formatter for children; children inherit this override (they are
  // created with Object.create(parent)), so grandchildren are covered too.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, redactValue(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}
