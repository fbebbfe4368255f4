-- 数据资源目录: what the platform holds, searchable by every signed-in user (docs/sharing.md).
-- One row per entity kind, attribute and dataset, rebuilt from the city model and the dataset
-- registry by refreshCatalogue (query/catalogue.ts). Search: pg_trgm (trusted extension, a
-- database owner may create it): its GIN index serves LIKE/ILIKE and similarity for queries of
-- three characters or more, Chinese included (trigrams of CJK text are hashed); shorter queries
-- scan the table, which holds thousands of rows, not millions.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE catalogue_entry (
  key                       text PRIMARY KEY,
  kind                      text        NOT NULL CHECK (kind IN ('KIND', 'ATTRIBUTE', 'DATASET')),
  name                      text        NOT NULL,
  description               text,
  entity_kind               text,
  department                text,
  department_name           text,
  topic                     text,
  domain                    text        NOT NULL,
  level                     text        NOT NULL CHECK (level IN ('L1', 'L2', 'L3', 'L4')),
  pii                       text,
  authoritative_dataset     text,
  authoritative_department  text,
  cadence_days              double precision,
  last_ingest               timestamptz,
  fresh                     boolean,
  quality                   jsonb,
  row_count                 bigint,
  synonyms                  text[]      NOT NULL DEFAULT '{}',
  search_text               text        NOT NULL,
  refreshed_at              timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX catalogue_entry_search ON catalogue_entry USING gin (search_text gin_trgm_ops);
CREATE INDEX catalogue_entry_filters ON catalogue_entry (domain, level, kind);
CREATE INDEX catalogue_entry_department ON catalogue_entry (department);
CREATE INDEX catalogue_entry_topic ON catalogue_entry (topic);
