-- API keys of the HTTP API (packages/api). A key is `lwk_` + 32 random bytes;
-- only its SHA-256 is stored, and requests look keys up by that hash (no slow
-- hash on the hot path: the key has 256 bits of entropy, nothing to brute-force).
CREATE TABLE webhook_api_keys (
  id text PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  organization_id text,
  admin boolean NOT NULL DEFAULT false,
  key_hash bytea NOT NULL UNIQUE,
  key_prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  -- An organization key names its organization; an admin key names none.
  CONSTRAINT webhook_api_keys_scope_check CHECK (admin = (organization_id IS NULL))
);

CREATE INDEX webhook_api_keys_organization_idx ON webhook_api_keys (organization_id, id);
