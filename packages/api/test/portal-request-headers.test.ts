import { describe, expect, it } from '@jest/globals';
import { generateSecret, jobDataFromStored } from '@letta-webhooks/shared';
import { deliveryHeaders } from '@letta-webhooks/worker';
import { ELIDED, requestHeaders } from '../portal/src/request-headers.js';

describe("the portal's reconstructed request headers", () => {
  it("are the worker's headers, in its order, with the signatures elided", () => {
    const startedAt = new Date('2026-01-01T12:00:00.250Z');
    const job = jobDataFromStored({
      id: 'dlv_1',
      event_id: 'evt_1',
      endpoint_id: 'ep_1',
      event_type: 'agent.step.completed',
      agent_id: 'agent-1',
      organization_id: 'org-1',
      body: '{"a":1}',
      occurred_at: startedAt,
    });
    const sent = deliveryHeaders(job, 3, [generateSecret()], startedAt.getTime());
    const shown = requestHeaders(
      { id: 'dlv_1', event_id: 'evt_1', event_type: 'agent.step.completed' },
      { attempt_number: 3, started_at: startedAt.toISOString() },
    );
    const signatures = new Set(['X-Letta-Signature', 'webhook-signature']);
    expect(shown.map(([name]) => name)).toEqual(Object.keys(sent));
    for (const [name, value] of shown) {
      if (signatures.has(name)) {
        expect(value).toContain(ELIDED);
        expect(value).not.toContain(sent[name]?.slice(8) ?? '');
      } else {
        expect({ name, value }).toEqual({ name, value: sent[name] });
      }
    }
  });
});
