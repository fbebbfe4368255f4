-- Region scope of each spatial feature: the district-level area (6 digits: GB/T 2260, or the
-- project codes 440399 大鹏新区 / 440398 深汕特别合作区), the 9-digit street and the 12-digit
-- community it lies in. A department's row scope (districts, streets) is pushed into the WHERE
-- clause of every spatial search through these columns (spatial/queries.ts). Writers fill them
-- (spatial/features.ts derives the upper levels from the lower ones); rows without them are
-- visible only to callers whose scope is the whole city. See docs/spatial.md.
ALTER TABLE spatial_feature
  ADD COLUMN district_code  text,
  ADD COLUMN street_code    text,
  ADD COLUMN community_code text,
  ADD CONSTRAINT spatial_feature_district_code_format CHECK (district_code ~ '^[0-9]{6}$'),
  ADD CONSTRAINT spatial_feature_street_code_format CHECK (street_code ~ '^[0-9]{9}$'),
  ADD CONSTRAINT spatial_feature_community_code_format CHECK (community_code ~ '^[0-9]{12}$'),
  -- a community lies in its street, and a street in a district-level area
  ADD CONSTRAINT spatial_feature_community_in_street
    CHECK (community_code IS NULL OR left(community_code, 9) = street_code),
  ADD CONSTRAINT spatial_feature_street_in_district
    CHECK (street_code IS NULL OR district_code IS NOT NULL);

-- Scope filters, with city_code second so that a scoped listing is also in keyset order.
CREATE INDEX spatial_feature_district ON spatial_feature (district_code, city_code);
CREATE INDEX spatial_feature_street ON spatial_feature (street_code, city_code);
CREATE INDEX spatial_feature_community ON spatial_feature (community_code, city_code);

-- Kind filter in keyset order (WHERE kind = ANY(..) AND city_code > $after ORDER BY city_code);
-- it also serves every lookup by kind alone, so the single-column index of 0001 is dropped.
CREATE INDEX spatial_feature_kind_code ON spatial_feature (kind, city_code);
DROP INDEX spatial_feature_kind;

COMMENT ON COLUMN spatial_feature.district_code IS '所在区级单元代码 (GB/T 2260; 大鹏新区 440399, 深汕特别合作区 440398)';
COMMENT ON COLUMN spatial_feature.street_code IS '所在街道代码 (9 位统计用区划代码)';
COMMENT ON COLUMN spatial_feature.community_code IS '所在社区代码 (12 位统计用区划代码)';
