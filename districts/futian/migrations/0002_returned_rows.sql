-- 数据回流: the city's rows of 福田 as the city delivers them (POST /return-flow), each the latest
-- values the district's grants let out, keyed by city code; and a receipt per delivery (a delivery
-- sent twice — a retry after a lost answer — is taken once).
CREATE TABLE futian.returned_row (
  code         text        PRIMARY KEY CHECK (code ~ '^[0-9]{21}[0-9X]$'),
  kind         text        NOT NULL,
  domain       text        NOT NULL,
  "values"     jsonb       NOT NULL,
  event_id     bigint,
  delivery     text        NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX returned_row_domain ON futian.returned_row (domain, kind);

CREATE TABLE futian.return_flow_receipt (
  delivery     text        PRIMARY KEY,
  flow         text        NOT NULL,
  rows         integer     NOT NULL,
  sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  received_at  timestamptz NOT NULL DEFAULT now()
);
