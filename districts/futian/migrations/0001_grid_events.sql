-- 福田区网格治理: the district's own schema, owned and migrated by the district subgraph only.
CREATE SCHEMA IF NOT EXISTS futian;

CREATE TABLE futian.grid_event (
  id             text        PRIMARY KEY CHECK (id ~ '^FT-[0-9A-Z-]{4,40}$'),
  title          text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  category       text        NOT NULL CHECK (category IN ('SAFETY_HAZARD', 'SANITATION', 'DISPUTE', 'ILLEGAL_CONSTRUCTION', 'FIRE_ACCESS', 'NOISE')),
  status         text        NOT NULL CHECK (status IN ('REPORTED', 'ASSIGNED', 'IN_PROGRESS', 'RESOLVED')),
  handler        text,
  reported_at    timestamptz NOT NULL,
  resolved_at    timestamptz CHECK (resolved_at IS NULL OR resolved_at >= reported_at),
  grid_code      text        NOT NULL,
  -- Every event lies in a 福田 street (9-digit code under 440304).
  street_code    text        NOT NULL CHECK (street_code ~ '^440304[0-9]{3}$'),
  -- City codes (22 characters) of the building and the person involved; the city owns them.
  building_code  text        CHECK (building_code ~ '^[0-9A-Z]{22}$'),
  person_code    text        CHECK (person_code ~ '^[0-9A-Z]{22}$'),
  CHECK (building_code IS NOT NULL OR person_code IS NOT NULL),
  CHECK ((status = 'RESOLVED') = (resolved_at IS NOT NULL))
);

CREATE INDEX grid_event_building ON futian.grid_event (building_code, reported_at DESC);
CREATE INDEX grid_event_person ON futian.grid_event (person_code, reported_at DESC);
CREATE INDEX grid_event_recent ON futian.grid_event (reported_at DESC);

COMMENT ON TABLE futian.grid_event IS '福田区网格事件 (grid events), keyed to city entities by city code';
