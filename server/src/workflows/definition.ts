// The workflow definition contract: one JSON Schema (definition.schema.json), compiled by AJV
// once when this module loads. Every problem comes back with its JSON path, so a client can
// point at the exact field.
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import schema from './definition.schema.json' with { type: 'json' };
import { INPUT_LIMITS, jsonTooLarge } from '../security/input-limits.ts';
import { checkExpression } from './expression.ts';

export type StepType = 'whatsapp.send' | 'pdf.generate' | 'meta.insights.sync' | 'pos.orders.sync' | 'sales.daily.sync' | 'delay' | 'log' | 'wait.approval' | 'wait.event';

export type DateRangeSpec =
  | { kind: 'rolling'; offsetDays?: number }
  | { kind: 'relative'; days: number }
  | { kind: 'absolute'; since: string; until: string };

export interface StepDefinition {
  type: StepType;
  id?: string;
  name?: string;
  retry?: { attempts?: number; backoffMs?: number };
  config?: Record<string, unknown>;
}

export interface WorkflowDefinition {
  version?: 1;
  description?: string;
  variables?: Record<string, unknown>;
  dateRange?: DateRangeSpec;
  steps: StepDefinition[];
  concurrency?: ConcurrencySpec;
  triggers?: { events?: EventTriggerDefinition[] };
}

/** Starts a run when an event of this name arrives and `filter` (over `event`) holds. */
export interface EventTriggerDefinition {
  name: string;
  filter?: string;
}

/** How many runs may run at once (engine/concurrency.ts). */
export interface ConcurrencySpec {
  /** Runs of the workflow at once, all keys together; absent (only with a key): no workflow-wide limit. */
  limit?: number;
  /** An expression over `input` whose value groups runs. */
  key?: string;
  /** Runs per key value at once; default 1. */
  keyLimit?: number;
}

export interface DefinitionProblem {
  /** JSON Pointer into the definition, e.g. /steps/0/config/to ("" for the root). */
  path: string;
  message: string;
}

export type DefinitionValidation =
  | { ok: true; definition: WorkflowDefinition }
  | { ok: false; problems: DefinitionProblem[] };

// ajv-formats is CommonJS with a default export.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

const ajv = new Ajv({ allErrors: true, discriminator: true, strict: true, strictRequired: false, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile<WorkflowDefinition>(schema);

function describe(e: ErrorObject): DefinitionProblem {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: `${e.instancePath}/${String(params.additionalProperty)}`, message: 'is not a known property' };
    case 'required':
      return { path: `${e.instancePath}/${String(params.missingProperty)}`, message: 'is required' };
    case 'discriminator':
      return {
        path: `${e.instancePath}/${String(params.tag)}`,
        message: params.tagValue === undefined ? 'is required' : `"${String(params.tagValue)}" is not a known value`,
      };
    default:
      return { path: e.instancePath, message: e.message ?? 'is invalid' };
  }
}

export function validateDefinition(input: unknown): DefinitionValidation {
  // Checked first: a definition is stored, copied into every revision and read by every run.
  const tooLarge = jsonTooLarge(input, '', INPUT_LIMITS.definitionBytes);
  if (tooLarge) return { ok: false, problems: [tooLarge] };
  if (validate(input)) {
    const problems = extraChecks(input);
    return problems.length ? { ok: false, problems } : { ok: true, definition: input };
  }
  const errors = validate.errors ?? [];
  // A failed anyOf/oneOf reports every branch's miss; say it once, listing the alternatives.
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const inBranch = (e: ErrorObject) => anyOfs.some((a) => e !== a && e.schemaPath.startsWith(`${a.schemaPath}/`));
  // The discriminator's own message is clearer than the enum on the same tag.
  const tagged = new Set(errors.filter((e) => e.keyword === 'discriminator').map((e) => `${e.instancePath}/${String((e.params as { tag: string }).tag)}`));
  const seen = new Set<string>();
  const problems = errors
    .filter((e) => !inBranch(e) && !(e.keyword === 'enum' && tagged.has(e.instancePath)))
    .map((e) => {
      if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') return describe(e);
      const options = errors
        .filter((b) => b.keyword === 'required' && b.schemaPath.startsWith(`${e.schemaPath}/`))
        .map((b) => String((b.params as { missingProperty: string }).missingProperty));
      const quantity = e.keyword === 'oneOf' ? 'exactly one of' : 'one of';
      return { path: e.instancePath, message: options.length ? `needs ${quantity}: ${options.join(', ')}` : (e.message ?? 'is invalid') };
    })
    .filter((p) => {
    const key = `${p.path} ${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ok: false, problems };
}

/** Validations kept per revision (a key and the time it was written), so the runs of a workflow share one. */
const revisions = new Map<string, DefinitionValidation>();
const REVISION_CACHE_SIZE = 1000;

/**
 * validateDefinition() of a stored definition, cached per revision: `key` names it (a workflow,
 * or a workflow version) and `at` moves whenever it is rewritten (Workflow.updatedAt,
 * WorkflowRevision.recordedAt).
 * `read` is only called when the revision is not cached (the run path reads the JSON as text and
 * parses it only then). The result is shared; callers must not change the definition it holds.
 */
export function validateRevision(key: string, at: Date, read: () => unknown): DefinitionValidation {
  const revision = `${key}@${at.getTime()}`;
  let v = revisions.get(revision);
  if (!v) {
    v = validateDefinition(read());
    if (revisions.size >= REVISION_CACHE_SIZE) revisions.delete(revisions.keys().next().value!);
    revisions.set(revision, v);
  }
  return v;
}

/** What a wait.event `match` expression may read. */
export const WAIT_EVENT_ROOTS = ['event', 'input', 'steps'] as const;

/** Rules JSON Schema cannot say: unique step ids, absolute ranges in order. */
function extraChecks(def: WorkflowDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const ids = new Map<string, number>();
  def.steps.forEach((s, i) => {
    if (s.id === undefined) return;
    const first = ids.get(s.id);
    if (first !== undefined) problems.push({ path: `/steps/${i}/id`, message: `duplicates the id of step ${first}` });
    else ids.set(s.id, i);
  });
  def.steps.forEach((s, i) => {
    // wait.event matches read the event, the run's input and earlier steps' outputs (engine/waits/).
    const match = s.type === 'wait.event' ? s.config?.match : undefined;
    const problem = typeof match === 'string' ? checkExpression(match, WAIT_EVENT_ROOTS) : null;
    if (problem) problems.push({ path: `/steps/${i}/config/match`, message: problem });
  });
  if (def.dateRange?.kind === 'absolute' && def.dateRange.since > def.dateRange.until) {
    problems.push({ path: '/dateRange/until', message: 'must not be before since' });
  }
  problems.push(...concurrencyProblems(def.concurrency));
  // Event filters read only the event (the run does not exist yet when they are evaluated).
  def.triggers?.events?.forEach((t, i) => {
    const problem = t.filter === undefined ? null : checkExpression(t.filter, ['event']);
    if (problem) problems.push({ path: `/triggers/events/${i}/filter`, message: problem });
  });
  return problems;
}

/** A step's stable key within its workflow: its id, or its position. */
export function stepKey(step: StepDefinition, index: number): string {
  return step.id ?? `step${index}`;
}

/** A concurrency key reads the run's input only; keyLimit means nothing without a key. */
function concurrencyProblems(spec: ConcurrencySpec | undefined): DefinitionProblem[] {
  if (!spec) return [];
  if (spec.key === undefined) return spec.keyLimit === undefined ? [] : [{ path: '/concurrency/keyLimit', message: 'needs a key' }];
  const problem = checkExpression(spec.key, ['input']);
  return problem ? [{ path: '/concurrency/key', message: problem }] : [];
}
