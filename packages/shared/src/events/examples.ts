import type { EventData, EventType } from './catalogue.js';

/** One valid `data` object per event type: documentation, demo and test material. */
export const EXAMPLE_EVENT_DATA: { readonly [T in EventType]: EventData<T> } = {
  'agent.step.completed': {
    id: 'step-6d1c7f2e-0b1a-4c1e-9a51-3f0f1b2c4d5e',
    status: 'success',
    stop_reason: 'end_turn',
    model: 'gpt-4o-mini',
    usage: { prompt_tokens: 812, completion_tokens: 64, total_tokens: 876 },
    run_id: 'run-2f4e8a10-7c3b-4e55-8d0a-1b2c3d4e5f60',
  },
  'agent.step.failed': {
    id: 'step-0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d',
    status: 'failed',
    stop_reason: 'llm_api_error',
    model: 'gpt-4o-mini',
    usage: { prompt_tokens: 812, completion_tokens: 0, total_tokens: 812 },
    error_type: 'RateLimitError',
    error_data: { message: 'provider rate limit reached' },
  },
  'agent.message.sent': {
    id: 'message-7e6d5c4b-3a29-4817-a6b5-c4d3e2f1a0b9',
    role: 'assistant',
    content: [{ type: 'text', text: 'Your order has shipped.' }],
    step_id: 'step-6d1c7f2e-0b1a-4c1e-9a51-3f0f1b2c4d5e',
    run_id: 'run-2f4e8a10-7c3b-4e55-8d0a-1b2c3d4e5f60',
  },
  'agent.tool.attached': {
    id: 'tool-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    name: 'web_search',
    tool_type: 'letta_builtin',
    description: 'Search the web',
  },
  'agent.tool.detached': {
    id: 'tool-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    name: 'web_search',
    tool_type: 'letta_builtin',
  },
  'agent.run.completed': {
    id: 'run-2f4e8a10-7c3b-4e55-8d0a-1b2c3d4e5f60',
    status: 'completed',
    completed_at: '2026-01-01T12:00:03.000Z',
    metadata: { source: 'api' },
    stop_reason: 'end_turn',
  },
  'agent.job.completed': {
    id: 'job-9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
    status: 'completed',
    completed_at: '2026-01-01T12:05:00.000Z',
    metadata: { kind: 'batch' },
    job_type: 'batch',
  },
  'tool.execution.completed': {
    tool_call_id: 'call_123',
    tool_name: 'web_search',
    status: 'success',
    func_return: { results: 3 },
    stdout: ['searching…'],
    stderr: [],
    duration_ms: 412,
  },
};
