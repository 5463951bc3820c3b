-- One HTTP POST of a delivery. Rows are only ever inserted.
CREATE TABLE webhook_attempts (
  id                 bigserial PRIMARY KEY,
  delivery_id        text NOT NULL REFERENCES webhook_deliveries (id),
  attempt_number     integer NOT NULL CHECK (attempt_number > 0),
  trigger            text NOT NULL DEFAULT 'scheduled' CHECK (trigger IN ('scheduled', 'manual')),
  outcome            text NOT NULL CHECK (outcome IN ('succeeded', 'retryable', 'permanent')),
  status_code        integer,
  error_kind         text,
  error_message      text,
  response_excerpt   text,
  response_truncated boolean NOT NULL DEFAULT false,
  started_at         timestamptz NOT NULL,
  duration_ms        integer NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);
