-- Durable publish: a publish repeated with the same event id gives the same
-- answer when its input is the same, and CONFLICT when it differs. The digest
-- of the caller's input is what is compared; rows written by workers in the
-- fast publish mode have none.
ALTER TABLE webhook_events ADD COLUMN input_digest text;
