-- A write whose commit outcome was lost (connection dropped mid-commit) is
-- retried; this key makes the retry a no-op instead of a second record of
-- the same attempt. Two real attempts always differ in start time.
CREATE UNIQUE INDEX webhook_attempts_identity_idx ON webhook_attempts (delivery_id, attempt_number, started_at);
