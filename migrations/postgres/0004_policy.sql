-- Permission policies (docs/permissions.md, "Governance"; code: policy/store.ts).
--
-- policy_version: every version of the policy, whole: the three policy files (catalogue, grants,
-- purposes) as loaded from policies/vN (origin FILES, id vN) or as left by a governance change
-- (origin CHANGE, id vN.M). The latest row (highest seq) is the policy in force. Never changed,
-- never deleted (triggers), so any past decision can be re-derived from the version it names.
--
-- policy_grant: the grants of the policy in force, one row each, for queries by department or
-- domain; version_id is the version that gave the grant its current form. Kept in step with
-- policy_version in the same transaction by policy/store.ts.
--
-- policy_change: append-only log of every grant change (who, when, which department's grant,
-- before and after, why, resulting version). UPDATE, DELETE and TRUNCATE are refused.

CREATE TABLE policy_version (
  id              text        PRIMARY KEY CHECK (id ~ '^v[1-9][0-9]*(\.[1-9][0-9]*)?$'),
  seq             bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
  loaded_at       timestamptz NOT NULL DEFAULT now(),
  checksum        text        NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
  origin          text        NOT NULL CHECK (origin IN ('FILES', 'CHANGE')),
  based_on        text        REFERENCES policy_version (id),
  effective_from  date        NOT NULL,
  source          jsonb       NOT NULL CHECK (
    jsonb_typeof(source) = 'object' AND source ? 'catalogue' AND source ? 'grants' AND source ? 'purposes'
  ),
  CONSTRAINT policy_version_origin_id CHECK ((origin = 'FILES') = (position('.' IN id) = 0)),
  CONSTRAINT policy_version_source_version CHECK (source -> 'catalogue' ->> 'version' = id)
);

COMMENT ON TABLE policy_version IS
  '权限策略版本: every version of the policy files (FILES vN) and of governance changes (CHANGE vN.M); append-only';

CREATE TABLE policy_grant (
  id          text        PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  version_id  text        NOT NULL REFERENCES policy_version (id),
  department  text        NOT NULL,
  domain      text        NOT NULL CHECK (domain IN ('POPULATION', 'LEGAL_ENTITY', 'SPATIAL', 'HOUSING', 'IOT', 'ECONOMY', 'SAFETY', 'HEALTH', 'TRANSPORT')),
  max_level   text        NOT NULL CHECK (max_level IN ('L1', 'L2', 'L3', 'L4')),
  scope       jsonb       NOT NULL CHECK (scope ->> 'kind' IN ('CITY', 'DISTRICTS', 'STREETS')),
  purposes    text[]      NOT NULL,
  masks       jsonb       NOT NULL CHECK (jsonb_typeof(masks) = 'object'),
  expires_at  timestamptz NOT NULL,
  body        jsonb       NOT NULL CHECK (body ->> 'id' = id)
);

CREATE INDEX policy_grant_department ON policy_grant (department, domain);

COMMENT ON TABLE policy_grant IS
  '现行授权: the grants of the policy in force (latest policy_version), one row each';

CREATE TABLE policy_change (
  id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at                timestamptz NOT NULL DEFAULT now(),
  actor             text        NOT NULL CHECK (btrim(actor) <> ''),
  actor_name        text,
  actor_department  text,
  department        text        NOT NULL,
  action            text        NOT NULL CHECK (action IN ('CREATE', 'UPDATE', 'REVOKE')),
  grant_id          text        NOT NULL,
  before            jsonb,
  after             jsonb,
  reason            text        NOT NULL CHECK (btrim(reason) <> ''),
  version_id        text        NOT NULL REFERENCES policy_version (id),
  CONSTRAINT policy_change_shape CHECK (
    (action = 'CREATE' AND before IS NULL AND after IS NOT NULL)
    OR (action = 'UPDATE' AND before IS NOT NULL AND after IS NOT NULL)
    OR (action = 'REVOKE' AND before IS NOT NULL AND after IS NULL)
  )
);

CREATE INDEX policy_change_grant ON policy_change (grant_id, id);
CREATE INDEX policy_change_department ON policy_change (department, id);

COMMENT ON TABLE policy_change IS
  '授权变更记录: append-only log of grant changes (who, when, before/after, why); UPDATE/DELETE/TRUNCATE refused';

-- Append-only: policy_version and policy_change --------------------------------------------

CREATE FUNCTION policy_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%: rows are append-only; % is refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation',
          HINT = 'Policy versions and grant changes are history: record a new change (changeGrant) instead of editing the past.';
END
$$;

CREATE TRIGGER policy_version_append_only
  BEFORE UPDATE OR DELETE ON policy_version
  FOR EACH ROW EXECUTE FUNCTION policy_refuse_change();

CREATE TRIGGER policy_version_no_truncate
  BEFORE TRUNCATE ON policy_version
  FOR EACH STATEMENT EXECUTE FUNCTION policy_refuse_change();

CREATE TRIGGER policy_change_append_only
  BEFORE UPDATE OR DELETE ON policy_change
  FOR EACH ROW EXECUTE FUNCTION policy_refuse_change();

CREATE TRIGGER policy_change_no_truncate
  BEFORE TRUNCATE ON policy_change
  FOR EACH STATEMENT EXECUTE FUNCTION policy_refuse_change();
