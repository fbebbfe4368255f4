-- Change batches already in the outbox (docs/sharing.md, "No event lost"): an ingest batch writes
-- its change events into the graph with its data (a PendingChanges node, one transaction), then
-- appends them here under its batch key. Whoever appends a key first wins; the writer itself, or
-- the sweep of a batch whose writer died, appends it exactly once.
CREATE TABLE change_batch (
  batch_key text PRIMARY KEY CHECK (length(batch_key) BETWEEN 1 AND 200),
  at        timestamptz(3) NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX change_batch_at ON change_batch (at);
