// An ingest batch's change events wait in the graph, written with the batch, until they are in
// the PostgreSQL change outbox (docs/sharing.md, "No event lost").
CREATE CONSTRAINT pending_changes_key IF NOT EXISTS FOR (p:PendingChanges) REQUIRE p.key IS UNIQUE;
CREATE INDEX pending_changes_at IF NOT EXISTS FOR (p:PendingChanges) ON (p.at);
