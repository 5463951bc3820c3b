-- The triggers that keep webhook_delivery_queue (migration 0070) find queue
-- rows by primary-key probes, whatever the sizes were when they were planned
-- (issue 14: the recording path's Postgres CPU per delivery).
--
-- PL/pgSQL plans a trigger's statement once per connection, on its first
-- run, with that run's transition-table size and the queue's size then, and
-- keeps the plan for the connection's life. A worker connection that first
-- settled a batch of ~100 deliveries while the queue held a few thousand rows
-- planned the delete as a hash join over a sequential scan of the queue, and
-- then read the whole queue for every batch it recorded, however large the
-- queue grew (a profile of the e2e benchmark: ~6 % of the worker's Postgres
-- CPU in that scan). Without sequential scans, hash or merge joins, the only
-- plan left is the intended one: for each transition row, one probe of
-- webhook_delivery_queue_pkey. The settings apply only while these
-- functions run.
ALTER FUNCTION webhook_delivery_queue_updated()
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION webhook_delivery_queue_deleted()
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
