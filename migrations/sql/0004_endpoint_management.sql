-- Secret rotation: secrets rotated out stay valid until their expiry, as
-- [{"secret": "whsec_…", "expires_at": "…"}], newest first.
ALTER TABLE webhook_endpoints
  ADD COLUMN previous_secrets jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- 'callback': a one-off URL given at publish time (Letta's callback_url),
  -- never matched by publishEvent's subscription look-up.
  ADD COLUMN kind text NOT NULL DEFAULT 'subscription' CHECK (kind IN ('subscription', 'callback')),
  -- Health: the current failing streak, and the last success.
  ADD COLUMN last_success_at timestamptz,
  ADD COLUMN last_failure_at timestamptz,
  ADD COLUMN failing_since timestamptz,
  ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0;

-- One callback endpoint per (organization, URL).
CREATE UNIQUE INDEX webhook_endpoints_callback_idx
  ON webhook_endpoints (organization_id, url)
  WHERE kind = 'callback';

-- The secret callback deliveries are signed with, one per organization.
CREATE TABLE webhook_organization_secrets (
  organization_id text PRIMARY KEY,
  secret          text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- Delivery log filters.
CREATE INDEX webhook_deliveries_agent_idx ON webhook_deliveries (agent_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at DESC, id DESC);

-- Manual attempts (resend, recover) are recorded as such.
ALTER TABLE webhook_deliveries ADD COLUMN last_trigger text NOT NULL DEFAULT 'scheduled'
  CHECK (last_trigger IN ('scheduled', 'manual'));

-- Millisecond timestamps, so (created_at, id) pagination cursors survive a
-- round trip through JavaScript dates exactly.
ALTER TABLE webhook_deliveries ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
