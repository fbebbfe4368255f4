-- Grid-scoped grants (网格授权): a grant's scope may list 14-digit grid codes (policy/scope.ts).
ALTER TABLE policy_grant DROP CONSTRAINT policy_grant_scope_check;
ALTER TABLE policy_grant ADD CONSTRAINT policy_grant_scope_check CHECK (scope ->> 'kind' IN ('CITY', 'DISTRICTS', 'STREETS', 'GRIDS'));
