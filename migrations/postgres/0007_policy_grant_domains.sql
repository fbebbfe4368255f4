-- Data domains come from the city model (domain/model.ts), which grows (PUBLIC_SERVICE 公共服务,
-- 2026-12): a fixed list here would refuse a policy version the loader has already validated
-- against the model. The loader (policy/load.ts) checks every grant's domain against the
-- catalogue of its version; the table keeps only the form of a domain code.
ALTER TABLE policy_grant DROP CONSTRAINT policy_grant_domain_check;
ALTER TABLE policy_grant ADD CONSTRAINT policy_grant_domain_check CHECK (domain ~ '^[A-Z][A-Z_]{1,39}$');
