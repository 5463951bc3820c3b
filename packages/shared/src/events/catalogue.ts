import { z } from 'zod';

// Schemas follow Letta's Step, Run, Job, Message and Tool objects. They are
// loose objects: the listed fields are checked, extra fields a newer Letta
// adds are kept and delivered rather than silently dropped.

const isoDateTime = z.iso.datetime({ offset: true });
const metadata = z.record(z.string(), z.unknown());

/** Why an agent loop stopped (Letta's `StopReasonType`). */
export const stopReasonSchema = z.enum([
  'end_turn',
  'error',
  'llm_api_error',
  'invalid_llm_response',
  'invalid_tool_call',
  'max_steps',
  'max_tokens_exceeded',
  'no_tool_call',
  'tool_rule',
  'cancelled',
  'requires_approval',
]);

/** Token usage of one step (Letta's `UsageStatistics`). */
export const usageSchema = z.looseObject({
  prompt_tokens: z.int().nonnegative(),
  completion_tokens: z.int().nonnegative(),
  total_tokens: z.int().nonnegative(),
});

/** A Letta step: one LLM call and the tool calls it made. */
export const stepSchema = z.looseObject({
  id: z.string().regex(/^step-/, 'must start with "step-"'),
  status: z.enum(['pending', 'success', 'failed', 'cancelled']),
  stop_reason: stopReasonSchema.nullable().optional(),
  model: z.string().min(1).nullable(),
  usage: usageSchema,
  run_id: z.string().nullable().optional(),
  error_type: z.string().nullable().optional(),
  error_data: metadata.nullable().optional(),
});

const textContentSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

/** A message an agent sent or received (Letta's `Message`). */
export const messageSchema = z.looseObject({
  id: z.string().regex(/^message-/, 'must start with "message-"'),
  role: z.enum(['user', 'assistant', 'system', 'tool', 'approval']),
  content: z.union([
    z.string(),
    z.array(z.union([textContentSchema, z.looseObject({ type: z.string() })])),
  ]),
  step_id: z.string().nullable().optional(),
  run_id: z.string().nullable().optional(),
  created_at: isoDateTime.optional(),
});

/** A tool attached to or detached from an agent (Letta's `Tool`). */
export const toolSchema = z.looseObject({
  id: z.string().regex(/^tool-/, 'must start with "tool-"'),
  name: z.string().min(1),
  tool_type: z.enum([
    'custom',
    'letta_core',
    'letta_memory_core',
    'letta_multi_agent_core',
    'letta_sleeptime_core',
    'letta_voice_sleeptime_core',
    'letta_builtin',
    'letta_files_core',
    'external_composio',
    'external_mcp',
  ]),
  description: z.string().nullable().optional(),
});

const lifecycleStatus = z.enum([
  'created',
  'running',
  'completed',
  'failed',
  'cancelled',
  'expired',
]);

/** A finished agent run (Letta's `Run`). */
export const runSchema = z.looseObject({
  id: z.string().regex(/^run-/, 'must start with "run-"'),
  status: lifecycleStatus,
  completed_at: isoDateTime.nullable(),
  metadata: metadata.nullable().optional(),
  stop_reason: stopReasonSchema.nullable().optional(),
});

/** A finished background job (Letta's `Job`). */
export const jobSchema = z.looseObject({
  id: z.string().regex(/^job-/, 'must start with "job-"'),
  status: lifecycleStatus,
  completed_at: isoDateTime.nullable(),
  metadata: metadata.nullable().optional(),
  stop_reason: stopReasonSchema.nullable().optional(),
  job_type: z.string().optional(),
});

/** The result of one tool execution (Letta's `ToolExecutionResult`). */
export const toolExecutionSchema = z.looseObject({
  tool_call_id: z.string().optional(),
  tool_id: z.string().optional(),
  tool_name: z.string().min(1),
  status: z.enum(['success', 'error']),
  func_return: z.unknown(),
  stdout: z.array(z.string()).nullable(),
  stderr: z.array(z.string()).nullable(),
  duration_ms: z.number().nonnegative(),
});

/** The `data` schema of each event type. The keys are the whole catalogue. */
export const eventDataSchemas = {
  'agent.step.completed': stepSchema,
  'agent.step.failed': stepSchema,
  'agent.message.sent': messageSchema,
  'agent.tool.attached': toolSchema,
  'agent.tool.detached': toolSchema,
  'agent.run.completed': runSchema,
  'agent.job.completed': jobSchema,
  'tool.execution.completed': toolExecutionSchema,
} as const;

/** Every event type, in catalogue order. */
export const EVENT_TYPES = Object.keys(eventDataSchemas) as EventType[];

/** One of the event types in the catalogue. */
export type EventType = keyof typeof eventDataSchemas;

/** An event type of the catalogue, as a zod enum (wire schemas, filters, job data). */
export const eventTypeSchema = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);

/** The `data` object a producer passes for event type `T`. */
export type EventData<T extends EventType> = z.input<(typeof eventDataSchemas)[T]>;

/** True when `value` names an event type in the catalogue. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(eventDataSchemas, value);
}
