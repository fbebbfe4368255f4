-- City codes issued to the new entities of ingested source records (docs/ingestion.md). A code
-- is issued for (dataset, record key) at most once: an ingest that is killed after issuing and
-- run again finds the code here and reuses it, so a re-run gives the same codes as one clean run.
CREATE TABLE source_record_code (
  dataset    text NOT NULL,
  record_key text NOT NULL,
  -- Issued in the same transaction as its city_code_registry row (registry/sourceCodes.ts). No
  -- foreign key: the registry refuses DELETE and TRUNCATE with its own error (migration 0003),
  -- which a referencing table would pre-empt.
  code       text NOT NULL UNIQUE,
  issued_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset, record_key)
);

COMMENT ON TABLE source_record_code IS '按源记录赋码: 每条源记录 (数据集, 记录键) 至多赋一个新城市码, 重跑时复用';
