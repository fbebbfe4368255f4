-- 市交通运输局 停车泊位实时状态: the department's own schema, owned and migrated by its subgraph only.
-- One row per parking space (its city code, owned by the city), with the community it lies in.
CREATE TABLE jtj.parking_status (
  space_code      text        PRIMARY KEY CHECK (space_code ~ '^[0-9]{21}[0-9X]$'),
  community_code  text        NOT NULL CHECK (community_code ~ '^[0-9]{21}[0-9X]$'),
  district_code   text        NOT NULL CHECK (district_code ~ '^[0-9]{6}$'),
  occupied        boolean     NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX parking_status_community ON jtj.parking_status (community_code);
COMMENT ON TABLE jtj.parking_status IS '停车泊位占用状态 (市交通运输局), keyed to city objects by city code';
