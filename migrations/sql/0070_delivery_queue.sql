-- Settling a delivery becomes a HOT update (issue 14: the recording path's
-- Postgres CPU per delivery).
--
-- The update that records an attempt changes status, next_attempt_at and
-- completed_at. While a partial index named status (the reconciler's
-- pending_idx, the outbox relay's outbox_idx), Postgres had to write a new
-- entry into every index of webhook_deliveries (six) for each settled
-- delivery. The set of pending deliveries now lives in its own small table,
-- kept by statement-level triggers in the same transaction as every write to
-- webhook_deliveries, whoever makes it (publish, worker, API, operator), so
-- no index of webhook_deliveries names a column the recording update
-- changes: with room left on the page (fillfactor), the new row version goes
-- on the same page and no index is touched. Measured on one backend, batches
-- of 25: ~20 % less Postgres CPU per recorded delivery (docs/performance.md).

-- One row per pending delivery: the reconciler walks it in id order (its
-- primary key) and the outbox relay reads the not-yet-enqueued ones by age.
CREATE TABLE webhook_delivery_queue (
  delivery_id text PRIMARY KEY,
  created_at  timestamptz NOT NULL,
  enqueued_at timestamptz
);
CREATE INDEX webhook_delivery_queue_outbox_idx ON webhook_delivery_queue (created_at)
  WHERE enqueued_at IS NULL;
-- Every delivery passes through it once: vacuum it often, it stays small.
ALTER TABLE webhook_delivery_queue SET (autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_insert_scale_factor = 0.01);

INSERT INTO webhook_delivery_queue (delivery_id, created_at, enqueued_at)
  SELECT id, created_at, enqueued_at FROM webhook_deliveries WHERE status = 'pending';

CREATE FUNCTION webhook_delivery_queue_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_delivery_queue (delivery_id, created_at, enqueued_at)
    SELECT id, created_at, enqueued_at FROM inserted_rows WHERE status = 'pending';
  RETURN NULL;
END $$;

CREATE FUNCTION webhook_delivery_queue_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM webhook_delivery_queue q USING updated_rows u
    WHERE q.delivery_id = u.id AND u.status <> 'pending';
  -- A resend makes a settled delivery pending again; the relay and the reconciler move enqueued_at.
  INSERT INTO webhook_delivery_queue AS q (delivery_id, created_at, enqueued_at)
    SELECT id, created_at, enqueued_at FROM updated_rows WHERE status = 'pending'
    ON CONFLICT (delivery_id) DO UPDATE SET enqueued_at = excluded.enqueued_at
    WHERE q.enqueued_at IS DISTINCT FROM excluded.enqueued_at;
  RETURN NULL;
END $$;

CREATE FUNCTION webhook_delivery_queue_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM webhook_delivery_queue q USING deleted_rows d
    WHERE q.delivery_id = d.id AND d.status = 'pending';
  RETURN NULL;
END $$;

-- DELETE, not TRUNCATE: a TRUNCATE naming both tables is still using the queue when this runs.
CREATE FUNCTION webhook_delivery_queue_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM webhook_delivery_queue;
  RETURN NULL;
END $$;

CREATE TRIGGER webhook_delivery_queue_insert AFTER INSERT ON webhook_deliveries
  REFERENCING NEW TABLE AS inserted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION webhook_delivery_queue_inserted();
CREATE TRIGGER webhook_delivery_queue_update AFTER UPDATE ON webhook_deliveries
  REFERENCING NEW TABLE AS updated_rows
  FOR EACH STATEMENT EXECUTE FUNCTION webhook_delivery_queue_updated();
CREATE TRIGGER webhook_delivery_queue_delete AFTER DELETE ON webhook_deliveries
  REFERENCING OLD TABLE AS deleted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION webhook_delivery_queue_deleted();
CREATE TRIGGER webhook_delivery_queue_truncate AFTER TRUNCATE ON webhook_deliveries
  FOR EACH STATEMENT EXECUTE FUNCTION webhook_delivery_queue_truncated();

DROP INDEX webhook_deliveries_pending_idx;
DROP INDEX webhook_deliveries_outbox_idx;

-- Room on each page for the row's next version: new pages are filled to
-- half, so a page's deliveries can all settle in place (at 65 %, about half
-- of the updates found no room and were not HOT).
ALTER TABLE webhook_deliveries SET (fillfactor = 50);
