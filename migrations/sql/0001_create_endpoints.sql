-- Endpoints: a URL an organization registered, for one agent or (agent_id
-- null) for all of its agents. Deleted endpoints are kept (deleted_at) so the
-- delivery log keeps pointing at something.
CREATE TABLE webhook_endpoints (
  id              text PRIMARY KEY,
  organization_id text NOT NULL,
  agent_id        text,
  url             text NOT NULL,
  description     text NOT NULL DEFAULT '',
  event_types     text[] NOT NULL CHECK (cardinality(event_types) > 0),
  secret          text NOT NULL,
  enabled         boolean NOT NULL DEFAULT true,
  disabled_reason text,
  disabled_at     timestamptz,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz
);

-- publishEvent's look-up: live endpoints of one agent, or organization-wide.
CREATE INDEX webhook_endpoints_agent_idx
  ON webhook_endpoints (organization_id, agent_id)
  WHERE deleted_at IS NULL AND enabled;
