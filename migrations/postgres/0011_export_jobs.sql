-- 批量共享 / 离线交换 (docs/exchange.md): export jobs. A job streams the rows its source selects
-- (a dataset's entities, a grant's rows, or a kind in a region) through the requester's release
-- gate into a file, page by page; after each page it records how far it got (the last city code,
-- the rows and bytes written), so a job interrupted anywhere continues from there and ends with
-- the same file as an uninterrupted run. A lease names the process running it.
CREATE SEQUENCE export_job_seq;

CREATE TABLE export_job (
  id              text        PRIMARY KEY CHECK (id ~ '^ex-[0-9]{6,}$'),
  requester       text        NOT NULL,
  department      text        NOT NULL,
  subject         jsonb       NOT NULL,
  purpose         text,
  source          jsonb       NOT NULL,
  format          text        NOT NULL CHECK (format IN ('NDJSON', 'CSV', 'GEOJSON')),
  policy_version  text        NOT NULL,
  state           text        NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
  kind_index      integer     NOT NULL DEFAULT 0,
  cursor          text        NOT NULL DEFAULT '',
  rows            bigint      NOT NULL DEFAULT 0,
  bytes           bigint      NOT NULL DEFAULT 0,
  sha256          text,
  grants          text[]      NOT NULL DEFAULT '{}',
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  lease_until     timestamptz
);

CREATE INDEX export_job_department ON export_job (department, created_at DESC);
CREATE INDEX export_job_unfinished ON export_job (state, lease_until) WHERE state IN ('QUEUED', 'RUNNING');

COMMENT ON TABLE export_job IS '批量共享 export jobs (exchange/export.ts); cursor = last city code written of kind_index';
