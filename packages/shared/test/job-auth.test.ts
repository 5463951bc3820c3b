import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { JobAuthenticator, envelopeMismatch, type DeliveryJobData } from '../src/index.js';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

const job: DeliveryJobData = {
  deliveryId: 'dlv_1',
  eventId: 'evt_1',
  endpointId: 'ep_1',
  eventType: 'agent.step.completed',
  agentId: 'agent-1',
  organizationId: 'org-a',
  occurredAt: '2026-01-01T00:00:00.000Z',
  body: '{"event_id":"evt_1"}',
};

function reason(auth: JobAuthenticator, data: unknown): string | undefined {
  const verified = auth.verify(data);
  return verified.ok ? undefined : verified.reason;
}

describe('JobAuthenticator', () => {
  it('tags a job with an HMAC-SHA256 over every field under an HKDF-derived key', () => {
    const signed = new JobAuthenticator([k1]).sign(job);
    // Computed independently: HKDF-SHA256(key, no salt, info) → HMAC over length-prefixed fields.
    const key = Buffer.from(
      hkdfSync('sha256', k1.key, Buffer.alloc(0), 'letta-webhooks job authentication v1', 32),
    );
    const hmac = createHmac('sha256', key);
    for (const field of [
      'dlv_1',
      'evt_1',
      'ep_1',
      'agent.step.completed',
      'agent-1',
      'org-a',
      '2026-01-01T00:00:00.000Z',
      'scheduled',
      job.body,
    ])
      hmac.update(`${Buffer.byteLength(field)}:${field}`);
    expect(signed.auth).toBe(`v1.k1.${hmac.digest('base64url')}`);
    expect(JSON.stringify(signed)).not.toContain(k1.key.toString('base64'));
    expect(new JobAuthenticator([k1]).verify(signed)).toEqual({
      ok: true,
      job: { ...signed, trigger: 'scheduled' },
    });
  });

  it('refuses a job whose any field was changed, or that has no, a malformed or a foreign tag', () => {
    const auth = new JobAuthenticator([k1]);
    const signed = auth.sign(job);
    const changes: Partial<DeliveryJobData>[] = [
      { deliveryId: 'dlv_2' },
      { eventId: 'evt_2' },
      { endpointId: 'ep_2' },
      { eventType: 'agent.run.completed' },
      { agentId: 'agent-2' },
      { organizationId: 'org-b' },
      { occurredAt: '2026-01-02T00:00:00.000Z' },
      { trigger: 'manual' },
      { body: '{"event_id":"evt_2"}' },
    ];
    for (const change of changes)
      expect(reason(auth, { ...signed, ...change })).toBe('job MAC does not match its data');
    // Moving bytes between fields does not keep the tag valid.
    expect(reason(auth, { ...signed, agentId: 'agent-1o', organizationId: 'rg-a' })).toBe(
      'job MAC does not match its data',
    );
    expect(reason(auth, job)).toBe('job data carries no MAC');
    expect(reason(auth, { ...signed, auth: 'v1.k1' })).toBe('job MAC is malformed');
    expect(reason(auth, { ...signed, auth: `v2${signed.auth?.slice(2) ?? ''}` })).toBe(
      'job MAC is malformed',
    );
    expect(reason(auth, new JobAuthenticator([{ id: 'k1', key: randomBytes(32) }]).sign(job))).toBe(
      'job MAC does not match its data',
    );
    expect(reason(auth, new JobAuthenticator([k2]).sign(job))).toBe(
      'job MAC is under key "k2", which is not configured',
    );
    expect(reason(auth, new JobAuthenticator([]).sign(job))).toBe(
      'job MAC is under key "none", which is not configured',
    );
    expect(reason(auth, 'not an object')).toBe('malformed delivery job data');
  });

  it('verifies under every configured key, so keys rotate', () => {
    const old = new JobAuthenticator([k1]).sign(job);
    const both = new JobAuthenticator([k2, k1]);
    expect(both.verify(old).ok).toBe(true);
    expect(both.sign(job).auth).toMatch(/^v1\.k2\./);
  });
});

describe('envelopeMismatch', () => {
  const parsed = { ...job, trigger: 'scheduled' as const };
  const endpoint = { organizationId: 'org-a', agentId: null, eventTypes: ['agent.*'] };
  it('requires the organization, the agent of an agent-scoped endpoint, and the subscription', () => {
    expect(envelopeMismatch(parsed, endpoint)).toBeUndefined();
    expect(envelopeMismatch(parsed, { ...endpoint, agentId: 'agent-1' })).toBeUndefined();
    expect(envelopeMismatch(parsed, { ...endpoint, organizationId: 'org-b' })).toBe(
      'event of organization org-a for an endpoint of organization org-b',
    );
    expect(envelopeMismatch(parsed, { ...endpoint, agentId: 'agent-2' })).toBe(
      'event of agent agent-1 for an endpoint of agent agent-2',
    );
    const runOnly = { ...endpoint, eventTypes: ['agent.run.completed'] };
    expect(envelopeMismatch(parsed, runOnly)).toBe(
      'the endpoint does not subscribe to agent.step.completed',
    );
    // Test events may be of any type; never of another organization.
    expect(envelopeMismatch({ ...parsed, trigger: 'test' }, runOnly)).toBeUndefined();
    expect(
      envelopeMismatch({ ...parsed, trigger: 'test' }, { ...runOnly, organizationId: 'org-b' }),
    ).toMatch(/organization/);
  });
});
