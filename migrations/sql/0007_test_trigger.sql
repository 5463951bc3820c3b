-- Test events (POST /v1/endpoints/{id}/test): a delivery to one endpoint,
-- recorded with trigger 'test'.
ALTER TABLE webhook_attempts DROP CONSTRAINT webhook_attempts_trigger_check;
ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_trigger_check
  CHECK (trigger IN ('scheduled', 'manual', 'test'));
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_last_trigger_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_last_trigger_check
  CHECK (last_trigger IN ('scheduled', 'manual', 'test'));
