-- 离线交换: files the city exported that 福田 imported (districts/futian/imports.ts), kept in file
-- order so that 福田 can write the same file again (a round trip gives identical data).
CREATE TABLE futian.imported_file (
  export_id    text        PRIMARY KEY,
  encoding     text        NOT NULL CHECK (encoding IN ('NDJSON', 'CSV', 'GEOJSON')),
  columns      text[]      NOT NULL,
  rows         integer     NOT NULL,
  sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  manifest     jsonb       NOT NULL,
  imported_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE futian.imported_row (
  export_id  text    NOT NULL REFERENCES futian.imported_file (export_id) ON DELETE CASCADE,
  seq        integer NOT NULL,
  code       text    NOT NULL,
  kind       text    NOT NULL,
  "values"   jsonb   NOT NULL,
  geometry   jsonb,
  PRIMARY KEY (export_id, seq)
);
