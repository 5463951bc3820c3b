-- Recording an attempt writes fewer index entries and runs no foreign-key
-- check (issue 14: the recording path's Postgres CPU per delivery).
--
-- webhook_attempts_delivery_idx (delivery_id, id) duplicates the leading
-- column of webhook_attempts_identity_idx (delivery_id, attempt_number,
-- started_at), which serves every query that reads attempts by delivery: a
-- delivery's attempts (delivery log, API, portal), the endpoint charts' join,
-- retention's delete.
DROP INDEX webhook_attempts_delivery_idx;

-- Attempt rows are written only by the recording statement, which inserts
-- each one joined to the delivery row it updates in the same statement, and
-- deleted only by retention, together with (before) their delivery; the
-- per-row check cost about a tenth of the recording statement's CPU.
ALTER TABLE webhook_attempts DROP CONSTRAINT webhook_attempts_delivery_id_fkey;
