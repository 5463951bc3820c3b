import { describe, expect, it } from '@jest/globals';
import {
  EVENT_TYPES,
  EXAMPLE_EVENT_DATA,
  eventDataSchemas,
  eventTypeFilterSchema,
  filterMatches,
  subscribes,
} from '../src/index.js';

describe('event catalogue', () => {
  it('has the eight event types of the design', () => {
    expect(EVENT_TYPES).toEqual([
      'agent.step.completed',
      'agent.step.failed',
      'agent.message.sent',
      'agent.tool.attached',
      'agent.tool.detached',
      'agent.run.completed',
      'agent.job.completed',
      'tool.execution.completed',
    ]);
  });

  it.each(EVENT_TYPES)('accepts the example data of %s and keeps unknown fields', (type) => {
    const data = { ...EXAMPLE_EVENT_DATA[type], added_by_newer_letta: 1 };
    expect(eventDataSchemas[type].parse(data)).toEqual(data);
  });

  it('names the failing field of bad data', () => {
    const result = eventDataSchemas['agent.step.completed'].safeParse({
      ...EXAMPLE_EVENT_DATA['agent.step.completed'],
      id: 'run-1',
      usage: { prompt_tokens: -1, completion_tokens: 1, total_tokens: 1 },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'id',
      'usage.prompt_tokens',
    ]);
  });
});

describe('subscriptions', () => {
  it.each([
    ['*', 'tool.execution.completed', true],
    ['agent.*', 'agent.step.completed', true],
    ['agent.*', 'tool.execution.completed', false],
    ['agent.tool.*', 'agent.tool.detached', true],
    ['agent.tool.*', 'agent.step.completed', false],
    ['agent.step.completed', 'agent.step.completed', true],
    ['agent.step.completed', 'agent.step.failed', false],
  ])('%s matches %s: %s', (filter, type, expected) => {
    expect(filterMatches(filter, type)).toBe(expected);
  });

  it('matches when any filter matches', () => {
    expect(subscribes(['agent.run.completed', 'tool.*'], 'tool.execution.completed')).toBe(true);
    expect(subscribes(['agent.run.completed'], 'agent.job.completed')).toBe(false);
  });

  it.each(['agent.*', 'agent.tool.*', 'tool.*', '*', 'agent.job.completed'])(
    'accepts filter %s',
    (filter) => {
      expect(eventTypeFilterSchema.safeParse(filter).success).toBe(true);
    },
  );

  it.each(['agent.unknown', 'nothing.*', 'agent*', 'agent.', '', '**', 'AGENT.*'])(
    'rejects filter %j',
    (filter) => {
      expect(eventTypeFilterSchema.safeParse(filter).success).toBe(false);
    },
  );
});
