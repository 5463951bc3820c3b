-- Event ids are the caller's (`eventId`, the API's `event_id`): two
-- organizations may both publish evt_run_1, and neither may block or probe
-- the other's. An event is identified by (organization_id, id).
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_id_fkey;
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_pkey;
ALTER TABLE webhook_events ADD PRIMARY KEY (organization_id, id);
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_fkey
  FOREIGN KEY (organization_id, event_id) REFERENCES webhook_events (organization_id, id);
-- Look-ups by event id alone (replay, operators) stay indexed.
CREATE INDEX webhook_events_id_idx ON webhook_events (id);
