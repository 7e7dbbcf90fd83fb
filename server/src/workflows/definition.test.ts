import { describe, expect, it } from 'vitest';
import { DEMO_WORKFLOWS } from '../dev/seed.ts';
import { validateDefinition } from './definition.ts';

describe('validateDefinition', () => {
  it('accepts every demo workflow', () => {
    for (const wf of DEMO_WORKFLOWS) expect(validateDefinition(wf.definition)).toEqual({ ok: true, definition: wf.definition });
  });

  it('lists every problem with its JSON path', () => {
    const result = validateDefinition({
      extra: 1,
      dateRange: { kind: 'absolute', since: '2026-01-02' },
      steps: [
        { type: 'whatsapp.send', config: {} },
        { type: 'nope' },
        { type: 'pdf.generate', config: {} },
        { type: 'delay', config: { ms: -5 } },
      ],
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: '/extra', message: 'is not a known property' },
        { path: '/dateRange/until', message: 'is required' },
        { path: '/steps/0/config', message: 'needs one of: text, template, flowId, media' },
        { path: '/steps/0/config/to', message: 'is required' },
        { path: '/steps/1/type', message: '"nope" is not a known value' },
        { path: '/steps/2/config', message: 'needs exactly one of: template, url' },
        { path: '/steps/3/config/ms', message: 'must be >= 0' },
      ],
    });
  });

  it('rejects duplicate step ids and reversed absolute ranges', () => {
    expect(
      validateDefinition({
        dateRange: { kind: 'absolute', since: '2026-02-01', until: '2026-01-01' },
        steps: [
          { id: 'a', type: 'log', config: { message: 'x' } },
          { id: 'a', type: 'log', config: { message: 'y' } },
        ],
      }),
    ).toEqual({
      ok: false,
      problems: [
        { path: '/steps/1/id', message: 'duplicates the id of step 0' },
        { path: '/dateRange/until', message: 'must not be before since' },
      ],
    });
  });

  it('rejects non-objects and empty step lists', () => {
    expect(validateDefinition(null)).toMatchObject({ ok: false });
    expect(validateDefinition({ steps: [] })).toEqual({ ok: false, problems: [{ path: '/steps', message: 'must NOT have fewer than 1 items' }] });
  });
});
