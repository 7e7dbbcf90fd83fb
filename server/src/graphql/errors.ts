// The expected failures of mutations, as GraphQL types (plugin-errors turns a thrown instance of
// these classes into a member of the field's result union). Anything else thrown is masked.
import { ConflictError, NotFoundError, ValidationError, type InputProblem } from '../errors.ts';
import { builder } from './builder.ts';

export const ErrorInterface = builder.interfaceRef<Error & { code: string }>('Error').implement({
  description: 'An expected failure the caller can act on.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, for people.' }),
    code: t.exposeString('code', { description: 'Stable machine-readable code, the same as extensions.code elsewhere.' }),
  }),
});

export const ProblemRef = builder.objectRef<InputProblem>('Problem').implement({
  description: 'One thing wrong with an input.',
  fields: (t) => ({
    path: t.exposeString('path', { description: 'JSON Pointer into the definition (e.g. /steps/0/config/to) or the input field name.' }),
    message: t.exposeString('message', { description: 'What is wrong there.' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input is invalid; every problem is listed with its path. Nothing was written.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ValidationError,
  fields: (t) => ({ problems: t.field({ type: [ProblemRef], description: 'Every problem, each at its path.', resolve: (e) => e.problems }) }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'No such object in your tenant (the same answer whether it never existed or belongs to someone else).',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof NotFoundError,
  fields: (t) => ({ entity: t.exposeString('entity', { description: 'The kind of object that was not found, e.g. Workflow.' }) }),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The object is not in a state that allows this (e.g. cancelling a finished run, a stale version).',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ConflictError,
  fields: () => ({}),
});

/** The error types every mutation may return. */
export const MUTATION_ERRORS = [ValidationError, NotFoundError, ConflictError];
