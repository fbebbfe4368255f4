-- Tamper-evident audit trail, 使用留痕 (docs/audit.md; code: audit/).
--
-- audit_log: one row per audited read, denial or governance action. Rows form a hash chain:
-- hash = sha256(prev_hash || canonical JSON of the row's content), computed by audit/chain.ts;
-- ids are assigned in chain order and are contiguous from 1.
--
-- audit_chain_head: the single row (id = 1) holding the chain's last id and hash. Writers lock it
-- (SELECT ... FOR UPDATE) before computing a batch, which serialises appends across processes;
-- the statement trigger on audit_log checks every insert continues the chain from the head and
-- advances the head itself, so no client can fork or gap the chain or move the head by hand.
--
-- audit_checkpoint: Ed25519-signed statements of (last_id, last_hash, row_count, created_at),
-- created by audit/checkpoint.ts, that verification (in SQL, CLI and offline) checks the chain
-- against.
--
-- All three refuse UPDATE, DELETE and TRUNCATE from clients. The triggers bind their table names
-- to the search_path current when this file runs (SET search_path FROM CURRENT), so the same DDL
-- can be applied to a scratch schema (the tamper tests do that).

CREATE TABLE audit_log (
  id              bigint      PRIMARY KEY CHECK (id >= 1),
  at              timestamptz(3) NOT NULL,
  subject         text        NOT NULL,
  department      text,
  purpose         text,
  operation_hash  text        NOT NULL,
  operation_name  text,
  entity_codes    text[]      NOT NULL DEFAULT '{}',
  fields          text[]      NOT NULL DEFAULT '{}',
  decision        text        NOT NULL CHECK (decision IN ('ALLOW', 'MASK', 'DENY', 'GOVERNANCE')),
  policy          text        NOT NULL,
  detail          jsonb,
  prev_hash       text        NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash            text        NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_subject_at ON audit_log (subject, at);
CREATE INDEX audit_log_entity_codes ON audit_log USING gin (entity_codes);

COMMENT ON TABLE audit_log IS
  '使用留痕: append-only, hash-chained access log (each row''s hash covers the previous hash); see docs/audit.md';
COMMENT ON COLUMN audit_log.operation_hash IS 'sha256 of the GraphQL document + canonical JSON of its variables';
COMMENT ON COLUMN audit_log.policy IS 'the deciding policy (id@version)';
COMMENT ON COLUMN audit_log.hash IS 'sha256(prev_hash || canonical JSON of the content fields), audit/chain.ts';

CREATE TABLE audit_chain_head (
  id         integer PRIMARY KEY CHECK (id = 1),
  last_id    bigint  NOT NULL CHECK (last_id >= 0),
  last_hash  text    NOT NULL CHECK (last_hash ~ '^[0-9a-f]{64}$')
);

INSERT INTO audit_chain_head (id, last_id, last_hash) VALUES (1, 0, repeat('0', 64));

COMMENT ON TABLE audit_chain_head IS
  'The audit chain''s tip; writers lock it to serialise appends; only the audit_log insert trigger moves it';

CREATE TABLE audit_checkpoint (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  last_id     bigint      NOT NULL UNIQUE CHECK (last_id >= 1),
  last_hash   text        NOT NULL CHECK (last_hash ~ '^[0-9a-f]{64}$'),
  row_count   bigint      NOT NULL CHECK (row_count >= 1),
  created_at  timestamptz(3) NOT NULL,
  key_id      text        NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
  signature   text        NOT NULL
);

COMMENT ON TABLE audit_checkpoint IS
  'Ed25519-signed (last_id, last_hash, row_count, created_at) of the audit chain; append-only';

-- Append-only: no UPDATE, DELETE or TRUNCATE ---------------------------------------------------

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%: the audit trail is append-only; % is refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation',
          HINT = 'Audit rows and checkpoints are never changed or removed. Record a correction as a new entry.';
END
$$;

CREATE TRIGGER audit_log_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER audit_checkpoint_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_checkpoint
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER audit_checkpoint_no_truncate
  BEFORE TRUNCATE ON audit_checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Appends continue the chain from the head, and move the head ----------------------------------

CREATE FUNCTION audit_log_continue_chain() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
  head    record;
  batch   record;
  broken  record;
BEGIN
  SELECT last_id, last_hash INTO head FROM audit_chain_head WHERE id = 1 FOR UPDATE;
  SELECT count(*) AS n, min(id) AS first_id, max(id) AS last_id INTO batch FROM appended;
  IF batch.n = 0 THEN
    RETURN NULL;
  END IF;
  IF batch.first_id <> head.last_id + 1 OR batch.last_id <> batch.first_id + batch.n - 1 THEN
    RAISE EXCEPTION 'audit_log: appended ids %..% (% rows) do not continue the chain at id %',
      batch.first_id, batch.last_id, batch.n, head.last_id + 1
      USING ERRCODE = 'integrity_constraint_violation',
            HINT = 'Append through audit/writer.ts: lock audit_chain_head FOR UPDATE and number rows from last_id + 1.';
  END IF;
  SELECT a.id INTO broken
    FROM appended a
    LEFT JOIN appended p ON p.id = a.id - 1
   WHERE a.prev_hash IS DISTINCT FROM (CASE WHEN a.id = head.last_id + 1 THEN head.last_hash ELSE p.hash END)
   ORDER BY a.id
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'audit_log: row % does not link to the hash of row %', broken.id, broken.id - 1
      USING ERRCODE = 'integrity_constraint_violation',
            HINT = 'prev_hash must be the hash of the previous row (audit_chain_head.last_hash for the first row of a batch).';
  END IF;
  UPDATE audit_chain_head
     SET last_id = batch.last_id,
         last_hash = (SELECT hash FROM appended WHERE id = batch.last_id)
   WHERE id = 1;
  RETURN NULL;
END
$$;

CREATE TRIGGER audit_log_continue_chain
  AFTER INSERT ON audit_log
  REFERENCING NEW TABLE AS appended
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_continue_chain();

-- The head moves only forward, and only from the append trigger --------------------------------

CREATE FUNCTION audit_chain_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 AND NEW.id = OLD.id AND NEW.last_id > OLD.last_id THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_chain_head: % is refused; the head moves only when rows are appended to audit_log', TG_OP
    USING ERRCODE = 'restrict_violation',
          HINT = 'Append rows to audit_log (audit/writer.ts); its trigger advances the head.';
END
$$;

CREATE TRIGGER audit_chain_head_guard
  BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head
  FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard();

CREATE TRIGGER audit_chain_head_no_truncate
  BEFORE TRUNCATE ON audit_chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guard();

-- A checkpoint must name a row of the chain as it is -----------------------------------------

CREATE FUNCTION audit_checkpoint_names_row() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.last_id AND hash = NEW.last_hash) THEN
    RAISE EXCEPTION 'audit_checkpoint: no audit_log row % with hash %', NEW.last_id, NEW.last_hash
      USING ERRCODE = 'foreign_key_violation',
            HINT = 'Create checkpoints with audit/checkpoint.ts (createCheckpoint), which reads the chain head.';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER audit_checkpoint_names_row
  BEFORE INSERT ON audit_checkpoint
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_names_row();
