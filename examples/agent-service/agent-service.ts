// An agent service that publishes its lifecycle as webhooks: the shape a
// platform team copies. The service does its own work (here, simulated) and
// calls `publish` at each point a customer may care about.
import { randomUUID } from 'node:crypto';
import {
  isWebhookError,
  type EventData,
  type EventType,
  type Producer,
  type PublishResult,
} from '@letta-webhooks/producer';

type Tool = EventData<'agent.tool.attached'>;

/** What one agent turn produced. */
export interface TurnResult {
  readonly runId: string;
  readonly published: readonly PublishResult[];
}

/** A toy agent service wired to the webhook producer. */
export class AgentService {
  readonly #webhooks: Producer;
  readonly #organizationId: string;
  readonly #tools = new Map<string, Tool[]>();

  constructor(webhooks: Producer, organizationId: string) {
    this.#webhooks = webhooks;
    this.#organizationId = organizationId;
  }

  /**
   * Publishes one event. The event id is derived from the resource and what
   * happened to it, so publishing again after a crash or a retry creates no
   * duplicate delivery.
   */
  async #publish<T extends EventType>(
    agentId: string,
    type: T,
    data: EventData<T>,
    key: string,
    callbackUrl?: string,
  ) {
    try {
      return await this.#webhooks.publishEvent(agentId, type, data, {
        organizationId: this.#organizationId,
        eventId: `evt_${key}`,
        ...(callbackUrl === undefined ? {} : { callbackUrl }),
      });
    } catch (error) {
      // Redis down: the caller decides (retry, or fail the request). Bad input is a bug here.
      if (isWebhookError(error, 'QUEUE_UNAVAILABLE'))
        console.error(`webhook not published yet: ${error.message}`);
      throw error;
    }
  }

  async attachTool(agentId: string, tool: Tool): Promise<PublishResult> {
    this.#tools.set(agentId, [...(this.#tools.get(agentId) ?? []), tool]);
    return this.#publish(agentId, 'agent.tool.attached', tool, `${tool.id}_attached_${agentId}`);
  }

  async detachTool(agentId: string, toolId: string): Promise<PublishResult | undefined> {
    const tool = this.#tools.get(agentId)?.find((t) => t.id === toolId);
    if (!tool) return undefined;
    this.#tools.set(
      agentId,
      (this.#tools.get(agentId) ?? []).filter((t) => t.id !== toolId),
    );
    return this.#publish(agentId, 'agent.tool.detached', tool, `${tool.id}_detached_${agentId}`);
  }

  /**
   * One turn: a step that calls a tool (fails once, then succeeds), the
   * assistant's reply, and the run's completion — delivered to subscribed
   * endpoints and, if given, to the caller's one-off callback URL.
   */
  async runTurn(agentId: string, userText: string, callbackUrl?: string): Promise<TurnResult> {
    const runId = `run-${randomUUID()}`;
    const published: PublishResult[] = [];
    const usage = {
      prompt_tokens: 120 + userText.length,
      completion_tokens: 24,
      total_tokens: 144 + userText.length,
    };

    const failedStep = `step-${randomUUID()}`;
    published.push(
      await this.#publish(
        agentId,
        'agent.step.failed',
        {
          id: failedStep,
          status: 'failed',
          stop_reason: 'llm_api_error',
          model: 'gpt-4o-mini',
          usage,
          run_id: runId,
          error_type: 'Timeout',
        },
        `${failedStep}_failed`,
      ),
    );

    const stepId = `step-${randomUUID()}`;
    const tool = this.#tools.get(agentId)?.[0];
    if (tool) {
      published.push(
        await this.#publish(
          agentId,
          'tool.execution.completed',
          {
            tool_id: tool.id,
            tool_name: tool.name,
            status: 'success',
            func_return: { ok: true },
            stdout: [],
            stderr: [],
            duration_ms: 37,
          },
          `${stepId}_tool_${tool.id}`,
        ),
      );
    }
    published.push(
      await this.#publish(
        agentId,
        'agent.step.completed',
        {
          id: stepId,
          status: 'success',
          stop_reason: 'end_turn',
          model: 'gpt-4o-mini',
          usage,
          run_id: runId,
        },
        `${stepId}_completed`,
      ),
    );
    const messageId = `message-${randomUUID()}`;
    published.push(
      await this.#publish(
        agentId,
        'agent.message.sent',
        {
          id: messageId,
          role: 'assistant',
          content: `You said: ${userText}`,
          step_id: stepId,
          run_id: runId,
        },
        `${messageId}_sent`,
      ),
    );
    published.push(
      await this.#publish(
        agentId,
        'agent.run.completed',
        {
          id: runId,
          status: 'completed',
          completed_at: new Date().toISOString(),
          stop_reason: 'end_turn',
          metadata: {},
        },
        `${runId}_completed`,
        callbackUrl,
      ),
    );
    return { runId, published };
  }

  /** A background job (e.g. a batch import) finishing. */
  async completeJob(agentId: string, jobType: string): Promise<PublishResult> {
    const jobId = `job-${randomUUID()}`;
    return this.#publish(
      agentId,
      'agent.job.completed',
      {
        id: jobId,
        status: 'completed',
        completed_at: new Date().toISOString(),
        job_type: jobType,
        metadata: null,
      },
      `${jobId}_completed`,
    );
  }
}
