-- Transactional outbox: deliveries written in the caller's transaction wait
-- here (enqueued_at NULL) until a relay moves them into BullMQ.
ALTER TABLE webhook_deliveries ADD COLUMN enqueued_at timestamptz;

-- Rows that existed before the outbox all came from jobs.
UPDATE webhook_deliveries SET enqueued_at = created_at;

CREATE INDEX webhook_deliveries_outbox_idx ON webhook_deliveries (created_at)
  WHERE enqueued_at IS NULL AND status = 'pending';
