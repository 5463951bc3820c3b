import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import {
  EXAMPLE_EVENT_DATA,
  WebhookVerificationError,
  generateSecret,
  secretSchema,
  signWebhook,
  verifyWebhook,
  type VerificationFailure,
} from '../src/index.js';
import { asInstanceOf, thrown } from '../../../test/support/errors.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const NOW_S = Math.floor(NOW / 1000);
const body = JSON.stringify({
  event_id: 'evt_test1',
  event_type: 'agent.tool.attached',
  timestamp: '2026-01-01T12:00:00.000Z',
  agent_id: 'agent-1',
  organization_id: 'org-1',
  data: EXAMPLE_EVENT_DATA['agent.tool.attached'],
});

// Independent of the code under test: decode the secret and MAC by hand.
function expectedMac(secret: string, id: string, timestamp: number, payload: string): Buffer {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${payload}`, 'utf8').digest();
}

function headersFor(secrets: string[], timestamp = NOW_S, id = 'evt_test1', payload = body) {
  const signatures = signWebhook({ messageId: id, timestamp, body: payload, secrets });
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.standard,
    'X-Letta-Event-Id': id,
    'X-Letta-Timestamp': String(timestamp),
    'X-Letta-Signature': signatures.letta,
  };
}

function failure(run: () => unknown): VerificationFailure | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return asInstanceOf(WebhookVerificationError, error).reason;
  }
}

describe('secrets', () => {
  it('are whsec_ + base64 of 32 random bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
    expect(secretSchema.safeParse(secret).success).toBe(true);
  });

  it.each(['', 'whsec_', 'sk_abc', 'whsec_@@@@', `whsec_${Buffer.alloc(8).toString('base64')}`])(
    'rejects malformed secret %j',
    (value) => {
      expect(secretSchema.safeParse(value).success).toBe(false);
    },
  );
});

describe('signWebhook', () => {
  it('produces one MAC in both encodings, matching an independent HMAC', () => {
    const secret = generateSecret();
    const mac = expectedMac(secret, 'evt_test1', NOW_S, body);
    const signatures = signWebhook({
      messageId: 'evt_test1',
      timestamp: NOW_S,
      body,
      secrets: [secret],
    });
    expect(signatures.letta).toBe(`sha256=${mac.toString('hex')}`);
    expect(signatures.standard).toBe(`v1,${mac.toString('base64')}`);
  });

  it('signs once per secret, space-separated, in the same order in both headers', () => {
    const [a, b] = [generateSecret(), generateSecret()];
    const signatures = signWebhook({
      messageId: 'evt_test1',
      timestamp: NOW_S,
      body,
      secrets: [a, b],
    });
    const macs = [a, b].map((s) => expectedMac(s, 'evt_test1', NOW_S, body));
    expect(signatures.letta).toBe(macs.map((m) => `sha256=${m.toString('hex')}`).join(' '));
    expect(signatures.standard).toBe(macs.map((m) => `v1,${m.toString('base64')}`).join(' '));
  });

  it('interoperates with the standardwebhooks package', () => {
    const secret = generateSecret();
    const headers = headersFor([secret], Math.floor(Date.now() / 1000));
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });
});

describe('verifyWebhook', () => {
  const secret = generateSecret();

  it('returns the parsed envelope for a valid signature', () => {
    const envelope = verifyWebhook(body, headersFor([secret]), secret, { now: NOW });
    expect(envelope.event_id).toBe('evt_test1');
    expect(envelope.data).toEqual(EXAMPLE_EVENT_DATA['agent.tool.attached']);
  });

  it('accepts a Buffer body and Fetch-style headers', () => {
    const headers = new Headers(headersFor([secret]));
    expect(verifyWebhook(Buffer.from(body), headers, [secret], { now: NOW }).event_type).toBe(
      'agent.tool.attached',
    );
  });

  it('falls back to the X-Letta headers when the Standard Webhooks ones are absent', () => {
    const all = headersFor([secret]);
    const letta = {
      'x-letta-event-id': all['X-Letta-Event-Id'],
      'x-letta-timestamp': all['X-Letta-Timestamp'],
      'x-letta-signature': all['X-Letta-Signature'],
    };
    expect(verifyWebhook(body, letta, secret, { now: NOW }).event_id).toBe('evt_test1');
  });

  it('verifies what standardwebhooks signs', () => {
    const timestamp = new Date(NOW);
    const signature = new Webhook(secret).sign('evt_test1', timestamp, body);
    const headers = {
      'webhook-id': 'evt_test1',
      'webhook-timestamp': String(NOW_S),
      'webhook-signature': signature,
    };
    expect(verifyWebhook(body, headers, secret, { now: NOW }).event_id).toBe('evt_test1');
  });

  it('enforces the tolerance in both directions (default 5 minutes)', () => {
    expect(
      failure(() => verifyWebhook(body, headersFor([secret], NOW_S - 299), secret, { now: NOW })),
    ).toBeUndefined();
    expect(
      failure(() => verifyWebhook(body, headersFor([secret], NOW_S + 299), secret, { now: NOW })),
    ).toBeUndefined();
    expect(
      failure(() => verifyWebhook(body, headersFor([secret], NOW_S - 301), secret, { now: NOW })),
    ).toBe('TIMESTAMP_TOO_OLD');
    expect(
      failure(() => verifyWebhook(body, headersFor([secret], NOW_S + 301), secret, { now: NOW })),
    ).toBe('TIMESTAMP_TOO_NEW');
    const options = { now: NOW, toleranceSeconds: 10 };
    expect(
      failure(() => verifyWebhook(body, headersFor([secret], NOW_S - 11), secret, options)),
    ).toBe('TIMESTAMP_TOO_OLD');
  });

  it('rejects a tampered body, a wrong secret and a forged id', () => {
    const headers = headersFor([secret]);
    expect(
      failure(() => verifyWebhook(body.replace('org-1', 'org-2'), headers, secret, { now: NOW })),
    ).toBe('NO_MATCHING_SIGNATURE');
    expect(failure(() => verifyWebhook(body, headers, generateSecret(), { now: NOW }))).toBe(
      'NO_MATCHING_SIGNATURE',
    );
    const forged = { ...headers, 'webhook-id': 'evt_other' };
    expect(failure(() => verifyWebhook(body, forged, secret, { now: NOW }))).toBe(
      'NO_MATCHING_SIGNATURE',
    );
  });

  it('accepts any of several signatures, and any of several secrets', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const headers = headersFor([oldSecret, newSecret]);
    expect(verifyWebhook(body, headers, oldSecret, { now: NOW }).event_id).toBe('evt_test1');
    expect(verifyWebhook(body, headers, newSecret, { now: NOW }).event_id).toBe('evt_test1');
    expect(
      verifyWebhook(body, headersFor([newSecret]), [oldSecret, newSecret], { now: NOW }).event_id,
    ).toBe('evt_test1');
    expect(failure(() => verifyWebhook(body, headers, generateSecret(), { now: NOW }))).toBe(
      'NO_MATCHING_SIGNATURE',
    );
  });

  it('names each other failure', () => {
    const headers = headersFor([secret]);
    expect(
      failure(() => verifyWebhook(body, { 'webhook-signature': 'v1,x' }, secret, { now: NOW })),
    ).toBe('MISSING_HEADER');
    expect(
      failure(() =>
        verifyWebhook(body, { ...headers, 'webhook-timestamp': '12abc' }, secret, { now: NOW }),
      ),
    ).toBe('INVALID_TIMESTAMP');
    expect(failure(() => verifyWebhook(body, headers, [], { now: NOW }))).toBe('NO_SECRETS');
    const notJson = 'not json';
    expect(
      failure(() =>
        verifyWebhook(notJson, headersFor([secret], NOW_S, 'evt_test1', notJson), secret, {
          now: NOW,
        }),
      ),
    ).toBe('INVALID_BODY');
  });
});

describe('verifyWebhook refuses unusable secrets before comparing anything', () => {
  // A signature anyone can make: HMAC-SHA256 under a zero-length key.
  const forgedMac = createHmac('sha256', Buffer.alloc(0))
    .update(`evt_test1.${NOW_S}.${body}`)
    .digest();
  const forged = {
    'webhook-id': 'evt_test1',
    'webhook-timestamp': String(NOW_S),
    'webhook-signature': `v1,${forgedMac.toString('base64')}`,
  };
  const short = `whsec_${Buffer.alloc(16, 7).toString('base64')}`;
  const unusable: readonly [string, unknown][] = [
    ['empty', ''],
    ['prefix only', 'whsec_'],
    ['not base64', 'whsec_!!!!'],
    ['blank', '   '],
    ['empty in a list', ['']],
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['undefined in a list', [undefined]],
    ['a good and an empty one', [generateSecret(), '']],
    ['16 bytes', short],
  ];

  it.each(unusable)('%s: INVALID_SECRET', (_name, secret) => {
    expect(failure(() => verifyWebhook(body, forged, secret as string, { now: NOW }))).toBe(
      'INVALID_SECRET',
    );
  });

  it('never echoes the secret', () => {
    const error = thrown(() => verifyWebhook(body, forged, short, { now: NOW }));
    expect(error.message).not.toContain(short.slice(6));
    expect(error.message).toMatch(/16 bytes; at least 24/);
  });

  it('the standardwebhooks package refuses the same empty, blank, non-base64 and non-string secrets', () => {
    for (const [name, secret] of unusable) {
      if (name === '16 bytes' || name === 'a good and an empty one') continue;
      expect(() => new Webhook(secret as string)).toThrow();
    }
  });

  it('still accepts a secret without the whsec_ prefix, as Standard Webhooks libraries do', () => {
    const secret = generateSecret();
    expect(verifyWebhook(body, headersFor([secret]), secret.slice(6), { now: NOW }).event_id).toBe(
      'evt_test1',
    );
  });
});
