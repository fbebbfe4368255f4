-- City code issuing (docs/city-code.md, "Issuing in practice"; code: registry/issuing.ts).
--
-- city_code_counter: one row per (division of issue, class); next_counter is the counter the next
-- issued code gets. Issuers take it with UPDATE ... SET next_counter = next_counter + n, whose row
-- lock queues parallel issuers, so no counter value is handed out twice. It only ever grows.
--
-- city_code_registry: every code ever issued. A code is never deleted, never changed and never
-- issued again; the only change allowed is ACTIVE -> RETIRED (with retired_at and a reason).
-- The triggers below enforce this for every client, not only for registry/issuing.ts.

CREATE TABLE city_code_counter (
  division      text   NOT NULL CHECK (division ~ '^[0-9]{6}$'),
  class_code    text   NOT NULL CHECK (class_code ~ '^[0-9]{6}$'),
  next_counter  bigint NOT NULL DEFAULT 0 CHECK (next_counter BETWEEN 0 AND 1000000000),
  PRIMARY KEY (division, class_code)
);

COMMENT ON TABLE city_code_counter IS
  '城市码赋码计数器: next issuing counter per (division of issue, class); only grows (trigger)';

CREATE TABLE city_code_registry (
  code            text        PRIMARY KEY CHECK (code ~ '^[0-9]{21}[0-9X]$'),
  division        text        NOT NULL,
  class_code      text        NOT NULL,
  counter         bigint      NOT NULL CHECK (counter BETWEEN 0 AND 999999999),
  kind            text        NOT NULL CHECK (kind IN ('PERSON', 'ENTERPRISE', 'OBJECT')),
  status          text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'RETIRED')),
  issued_at       timestamptz NOT NULL DEFAULT now(),
  retired_at      timestamptz,
  retired_reason  text,
  CONSTRAINT city_code_registry_counter_unique UNIQUE (division, class_code, counter),
  CONSTRAINT city_code_registry_counter_fk FOREIGN KEY (division, class_code)
    REFERENCES city_code_counter (division, class_code),
  CONSTRAINT city_code_registry_code_parts CHECK (substr(code, 1, 6) = division AND substr(code, 7, 6) = class_code),
  CONSTRAINT city_code_registry_retirement CHECK (
    (status = 'ACTIVE' AND retired_at IS NULL AND retired_reason IS NULL)
    OR (status = 'RETIRED' AND retired_at IS NOT NULL AND retired_reason IS NOT NULL AND btrim(retired_reason) <> '')
  )
);

CREATE INDEX city_code_registry_retired ON city_code_registry (retired_at) WHERE status = 'RETIRED';

COMMENT ON TABLE city_code_registry IS
  '城市码登记簿: every issued city code; never deleted, never changed, never reissued (triggers)';

-- Registry: no DELETE, no TRUNCATE -----------------------------------------------------------

CREATE FUNCTION city_code_registry_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'city_code_registry: deleting issued city codes is refused (%)', TG_OP
    USING ERRCODE = 'restrict_violation',
          HINT = 'A city code is never deleted or reused; retire it instead (status RETIRED with a reason).';
END
$$;

CREATE TRIGGER city_code_registry_no_delete
  BEFORE DELETE ON city_code_registry
  FOR EACH ROW EXECUTE FUNCTION city_code_registry_refuse_delete();

CREATE TRIGGER city_code_registry_no_truncate
  BEFORE TRUNCATE ON city_code_registry
  FOR EACH STATEMENT EXECUTE FUNCTION city_code_registry_refuse_delete();

-- Registry: UPDATE only ACTIVE -> RETIRED ----------------------------------------------------

CREATE FUNCTION city_code_registry_guard_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.code IS DISTINCT FROM OLD.code
     OR NEW.division IS DISTINCT FROM OLD.division
     OR NEW.class_code IS DISTINCT FROM OLD.class_code
     OR NEW.counter IS DISTINCT FROM OLD.counter
     OR NEW.kind IS DISTINCT FROM OLD.kind
     OR NEW.issued_at IS DISTINCT FROM OLD.issued_at THEN
    RAISE EXCEPTION 'city_code_registry: an issued city code (%) cannot be changed', OLD.code
      USING ERRCODE = 'restrict_violation',
            HINT = 'code, division, class_code, counter, kind and issued_at are fixed at issue; only ACTIVE -> RETIRED is allowed.';
  END IF;
  IF OLD.status = 'RETIRED' THEN
    IF NEW.status IS DISTINCT FROM OLD.status
       OR NEW.retired_at IS DISTINCT FROM OLD.retired_at
       OR NEW.retired_reason IS DISTINCT FROM OLD.retired_reason THEN
      RAISE EXCEPTION 'city_code_registry: city code % is retired; a retired code is never changed or reactivated', OLD.code
        USING ERRCODE = 'restrict_violation',
              HINT = 'Issue a new code for a new entity; a retired code stays retired forever.';
    END IF;
    RETURN NEW;
  END IF;
  -- OLD is ACTIVE: staying ACTIVE changes nothing (the CHECK keeps retired_* NULL); retiring
  -- stamps the time when the caller gave none.
  IF NEW.status = 'RETIRED' AND NEW.retired_at IS NULL THEN
    NEW.retired_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER city_code_registry_guard_update
  BEFORE UPDATE ON city_code_registry
  FOR EACH ROW EXECUTE FUNCTION city_code_registry_guard_update();

-- Registry: a row's counter must already have been taken from its counter row -------------

CREATE FUNCTION city_code_registry_check_counter() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT i.code, i.counter, c.next_counter INTO bad
    FROM inserted i
    LEFT JOIN city_code_counter c ON c.division = i.division AND c.class_code = i.class_code
   WHERE c.next_counter IS NULL OR i.counter >= c.next_counter
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'city_code_registry: code % has counter % but its counter row is at %', bad.code, bad.counter, bad.next_counter
      USING ERRCODE = 'check_violation',
            HINT = 'Take counters from city_code_counter (UPDATE ... next_counter + n) in the same transaction before registering codes.';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER city_code_registry_check_counter
  AFTER INSERT ON city_code_registry
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION city_code_registry_check_counter();

-- Counter: only grows, never deleted ---------------------------------------------------------

CREATE FUNCTION city_code_counter_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.division IS DISTINCT FROM OLD.division OR NEW.class_code IS DISTINCT FROM OLD.class_code THEN
      RAISE EXCEPTION 'city_code_counter: the (division, class_code) of a counter cannot be changed'
        USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.next_counter < OLD.next_counter THEN
      RAISE EXCEPTION 'city_code_counter: counter %/% cannot go down from % to %',
        OLD.division, OLD.class_code, OLD.next_counter, NEW.next_counter
        USING ERRCODE = 'restrict_violation',
              HINT = 'Counters only grow, so that no city code is ever issued twice.';
    END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'city_code_counter: deleting issuing counters is refused (%)', TG_OP
    USING ERRCODE = 'restrict_violation',
          HINT = 'A counter restarting at 0 would reissue codes; counters are never deleted.';
END
$$;

CREATE TRIGGER city_code_counter_guard
  BEFORE UPDATE OR DELETE ON city_code_counter
  FOR EACH ROW EXECUTE FUNCTION city_code_counter_guard();

CREATE TRIGGER city_code_counter_no_truncate
  BEFORE TRUNCATE ON city_code_counter
  FOR EACH STATEMENT EXECUTE FUNCTION city_code_counter_guard();
