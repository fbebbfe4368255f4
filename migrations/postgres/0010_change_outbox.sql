-- The change outbox (实时推送, docs/sharing.md): one row per entity a write changed, appended after
-- the graph write commits (ingest batches, conflict resolutions). Ids are given in commit order
-- (writers hold the advisory lock sharing/changes.ts names until they commit), so "every event
-- after id N" is a complete, gap-free stream: a subscriber resumes from its cursor with no loss
-- and no duplicates, and every API process delivers the same stream. The statement trigger wakes
-- the processes (LISTEN citycode_change) when the rows commit.
CREATE TABLE change_event (
  id            bigint      PRIMARY KEY CHECK (id >= 1),
  at            timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
  code          text        NOT NULL CHECK (code ~ '^[0-9]{21}[0-9X]$'),
  kind          text        NOT NULL CHECK (kind ~ '^[A-Z][A-Za-z]{1,39}$'),
  domain        text        NOT NULL CHECK (domain ~ '^[A-Z][A-Z_]{1,39}$'),
  district_code text,
  street_code   text,
  dataset       text,
  fields        text[]      NOT NULL,
  source        text        NOT NULL CHECK (source IN ('INGEST', 'GOVERNANCE'))
);

CREATE SEQUENCE change_event_seq OWNED BY change_event.id;
ALTER TABLE change_event ALTER COLUMN id SET DEFAULT nextval('change_event_seq');

CREATE INDEX change_event_code ON change_event (code, id);
CREATE INDEX change_event_domain ON change_event (domain, id);
CREATE INDEX change_event_dataset ON change_event (dataset, id) WHERE dataset IS NOT NULL;
CREATE INDEX change_event_at ON change_event (at);

-- What has been pruned: a cursor at or below `pruned_through` can no longer be resumed exactly.
CREATE TABLE change_event_horizon (
  id             integer PRIMARY KEY CHECK (id = 1),
  pruned_through bigint  NOT NULL DEFAULT 0
);
INSERT INTO change_event_horizon (id) VALUES (1);

CREATE FUNCTION change_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('citycode_change', (SELECT max(id) FROM inserted)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER change_event_notify AFTER INSERT ON change_event
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION change_event_notify();

COMMENT ON TABLE change_event IS '实时推送 outbox: entities changed by a committed write, in commit order (sharing/changes.ts)';
COMMENT ON COLUMN change_event.fields IS 'catalogue keys of the attributes the write changed (Person.phone, ...)';
