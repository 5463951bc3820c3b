-- Portal sessions (GET /portal): an organization's people manage their
-- endpoints and read their delivery log through a link minted by
-- POST /v1/portal-sessions. The link carries a one-time token; the page
-- exchanges it for a session cookie. Only SHA-256 hashes of the token and the
-- session secret are stored (both carry 256 random bits: nothing to brute-force).
CREATE TABLE webhook_portal_sessions (
  id              text PRIMARY KEY,
  organization_id text NOT NULL,
  -- The one agent the session is narrowed to; null: the organization's every agent.
  agent_id        text,
  token_hash      bytea NOT NULL UNIQUE,
  -- Set when the token is exchanged (once): the cookie's secret, hashed.
  session_hash    bytea UNIQUE,
  -- The API key that minted it, for the record.
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  exchanged_at    timestamptz,
  -- The link and the session it opens both end here.
  expires_at      timestamptz NOT NULL,
  CONSTRAINT webhook_portal_sessions_exchange_check CHECK ((session_hash IS NULL) = (exchanged_at IS NULL))
);

-- Expired sessions are swept by age.
CREATE INDEX webhook_portal_sessions_expires_idx ON webhook_portal_sessions (expires_at);
