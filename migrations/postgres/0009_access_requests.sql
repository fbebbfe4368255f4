-- Access requests (申请—审批—授权, docs/sharing.md): a department asks for attributes, datasets
-- or a row scope of one domain, for a purpose, with a justification and an expiry; the owner of
-- the data approves (and the committee too for L3/L4); the final approval writes the grant
-- req-<id> as a new policy version in the same transaction. The rules of the state machine are
-- policy/requests.ts; the table refuses states and moves outside it, and keeps every move.
CREATE SEQUENCE access_request_seq;

CREATE TABLE access_request (
  id                    text        PRIMARY KEY CHECK (id ~ '^ar-[0-9]{6,}$'),
  requester_department  text        NOT NULL,
  requester             text        NOT NULL,
  domain                text        NOT NULL CHECK (domain ~ '^[A-Z][A-Z_]{1,39}$'),
  fields                text[]      NOT NULL,
  datasets              text[]      NOT NULL,
  scope                 jsonb       NOT NULL,
  purpose               text        NOT NULL,
  justification         text        NOT NULL CHECK (length(justification) BETWEEN 1 AND 2000),
  expires_at            timestamptz NOT NULL,
  max_level             text        NOT NULL CHECK (max_level IN ('L2', 'L3', 'L4')),
  owner_department      text        NOT NULL,
  needs_committee       boolean     NOT NULL,
  state                 text        NOT NULL CHECK (state IN ('SUBMITTED', 'OWNER_APPROVED', 'GRANTED', 'REJECTED', 'WITHDRAWN', 'REVOKED')),
  grant_id              text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CHECK ((state IN ('GRANTED', 'REVOKED')) = (grant_id IS NOT NULL))
);

CREATE INDEX access_request_requester ON access_request (requester_department, created_at DESC);
CREATE INDEX access_request_owner ON access_request (owner_department, state);
CREATE INDEX access_request_state ON access_request (state, created_at DESC);

CREATE TABLE access_request_event (
  id          bigserial   PRIMARY KEY,
  request_id  text        NOT NULL REFERENCES access_request (id),
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text        NOT NULL,
  actor_department text,
  acting_as   text        NOT NULL CHECK (acting_as IN ('REQUESTER', 'OWNER', 'COMMITTEE')),
  from_state  text,
  to_state    text        NOT NULL,
  reason      text        NOT NULL,
  policy_version text
);

CREATE INDEX access_request_event_request ON access_request_event (request_id, id);

-- The moves the state machine allows, and nothing else (a second guard under policy/requests.ts).
CREATE FUNCTION access_request_check_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NOT (
       (OLD.state = 'SUBMITTED' AND NEW.state IN ('OWNER_APPROVED', 'GRANTED', 'REJECTED', 'WITHDRAWN'))
    OR (OLD.state = 'OWNER_APPROVED' AND NEW.state IN ('GRANTED', 'REJECTED', 'WITHDRAWN'))
    OR (OLD.state = 'GRANTED' AND NEW.state = 'REVOKED')
  ) THEN
    RAISE EXCEPTION 'access_request %: % → % is not a move of the state machine', OLD.id, OLD.state, NEW.state
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.id, NEW.requester_department, NEW.domain, NEW.fields, NEW.scope, NEW.purpose, NEW.expires_at, NEW.max_level, NEW.owner_department)
       IS DISTINCT FROM (OLD.id, OLD.requester_department, OLD.domain, OLD.fields, OLD.scope, OLD.purpose, OLD.expires_at, OLD.max_level, OLD.owner_department) THEN
    RAISE EXCEPTION 'access_request %: what was asked for never changes', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER access_request_moves BEFORE UPDATE ON access_request FOR EACH ROW EXECUTE FUNCTION access_request_check_move();

CREATE FUNCTION access_request_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'access_request_event is append-only; % is refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER access_request_event_no_change BEFORE UPDATE OR DELETE ON access_request_event FOR EACH ROW EXECUTE FUNCTION access_request_event_append_only();
