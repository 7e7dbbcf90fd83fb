// The hook pair of the plugins that may refuse an operation once its variables are known (cost,
// input guards): the same check before an execution (HTTP) and before a subscription (SSE and
// WebSocket, which executes through the same envelope), answering the refusal as the result.
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

type OperationArgs = Parameters<NonNullable<Plugin['onExecute']>>[0]['args'];

export function refuseOperations(check: (args: OperationArgs) => ExecutionResult | undefined): Pick<Plugin, 'onExecute' | 'onSubscribe'> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = check(args);
      if (refused) setResultAndStopExecution(refused);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = check(args);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}
