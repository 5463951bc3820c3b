-- Deliveries are unique per (organization_id, event_id, endpoint_id), the key
-- their foreign key to webhook_events leads with.
--
-- Deleting an event (retention, an operator) makes Postgres check that no
-- delivery still references it: `... FROM webhook_deliveries WHERE
-- organization_id = $1 AND event_id = $2`. The unique key was
-- (event_id, endpoint_id), so that check had no index on its two columns: a
-- backend that planned it while the table was small combined the
-- organization's delivery-log index with it and read every delivery of the
-- organization for each deleted event (a 100,000-event delete ran for
-- minutes). An endpoint belongs to one organization, so the new key allows
-- and refuses exactly the same rows; it replaces the old one, so a delivery
-- still writes the same number of index entries.
ALTER TABLE webhook_deliveries
  ADD CONSTRAINT webhook_deliveries_event_key UNIQUE (organization_id, event_id, endpoint_id);
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_id_endpoint_id_key;
