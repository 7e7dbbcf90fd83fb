import { graphql } from './graphql';

export const ExecutionSummaryFragment = graphql(`
  fragment ExecutionSummary on Execution {
    id
    status
    trigger
    createdAt
    startedAt
    finishedAt
    scheduledFor
    driftMs
    cancelRequestedAt
    error
    workflow {
      id
      name
    }
    progress {
      stepsTotal
      stepsCompleted
      percent
      counters
    }
  }
`);

export const ExecutionsLiveDocument = graphql(`
  subscription ExecutionsLive($workflowId: ID) {
    executionUpdated(workflowId: $workflowId) {
      ...ExecutionSummary
    }
  }
`);
