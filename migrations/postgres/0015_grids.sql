-- Grids (网格): the grid code of a feature (14 digits: community 12 + grid 2), for grid polygons
-- themselves and for what spatial registration places in them (spatial/grids.ts).
ALTER TABLE spatial_feature ADD COLUMN grid_code text;
CREATE INDEX spatial_feature_grid ON spatial_feature (grid_code) WHERE grid_code IS NOT NULL;
COMMENT ON COLUMN spatial_feature.grid_code IS '所在网格 (14 位); GRID 要素即该网格本身';
