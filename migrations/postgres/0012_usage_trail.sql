-- 使用留痕 (docs/usage-trail.md): the usage trail reads the audit chain by entity (GIN on
-- entity_codes, migration 0005), by attribute, by department and by grant, newest first. Reads
-- only: the chain itself is unchanged (the subgraph an entry comes from is in detail.subgraph).
CREATE INDEX audit_log_fields ON audit_log USING gin (fields);
CREATE INDEX audit_log_department_id ON audit_log (department, id);
CREATE INDEX audit_log_grant_id ON audit_log ((split_part(policy, '@', 1)), id);
