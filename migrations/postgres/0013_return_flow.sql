-- 数据回流 (docs/sharing.md, "Return flow"): a district's schedules of deliveries of its own rows
-- of a domain, as its grants allow, pushed to its subgraph's ingest endpoint or written as files.
-- A flow's cursor is the last change_event id it delivered: a delivery takes the changes after it,
-- and a failed one leaves it where it was (retried with back-off, then at the next run), so nothing
-- is lost. `lease_until` lets one API process at a time run a flow (SKIP LOCKED claims).
CREATE SEQUENCE return_flow_seq;

CREATE TABLE return_flow (
  id             text        PRIMARY KEY CHECK (id ~ '^rf-[0-9]{6,}$'),
  department     text        NOT NULL,
  district_code  text        NOT NULL CHECK (district_code ~ '^[0-9]{6}$'),
  domain         text        NOT NULL CHECK (domain ~ '^[A-Z][A-Z_]{1,39}$'),
  cron           text        NOT NULL CHECK (length(cron) BETWEEN 1 AND 100),
  timezone       text        NOT NULL,
  purpose        text        NOT NULL,
  target         text        NOT NULL CHECK (target IN ('SUBGRAPH', 'FILE')),
  subject        jsonb       NOT NULL,
  created_by     text        NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  enabled        boolean     NOT NULL DEFAULT true,
  snapshot_done  boolean     NOT NULL,
  cursor         bigint      NOT NULL CHECK (cursor >= 0),
  next_run_at    timestamptz NOT NULL,
  attempt        integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  last_run_at    timestamptz,
  last_status    text        CHECK (last_status IN ('SUCCEEDED', 'RETRYING', 'FAILED')),
  last_error     text,
  lease_until    timestamptz
);

CREATE INDEX return_flow_due ON return_flow (next_run_at) WHERE enabled;
CREATE INDEX return_flow_district ON return_flow (district_code, created_at);

CREATE TABLE return_flow_delivery (
  id           bigserial   PRIMARY KEY,
  flow_id      text        NOT NULL REFERENCES return_flow (id),
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  status       text        NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
  attempt      integer     NOT NULL,
  trigger      text        NOT NULL CHECK (trigger IN ('SCHEDULE', 'RETRY', 'MANUAL')),
  snapshot     boolean     NOT NULL DEFAULT false,
  from_cursor  bigint      NOT NULL,
  to_cursor    bigint,
  rows         integer,
  bytes        bigint,
  sha256       text,
  location     text,
  error        text
);

CREATE INDEX return_flow_delivery_flow ON return_flow_delivery (flow_id, id DESC);

COMMENT ON TABLE return_flow IS '数据回流 schedules: a district''s deliveries of its own rows of a domain (exchange/returnFlow.ts)';
COMMENT ON COLUMN return_flow.subject IS 'the claims deliveries are released under: the district department, its clearance and district scope, taken from the steward who created the flow';
