-- Grids (网格): the grid of every feature (14 digits: community 12 + grid 2), and the grid
-- boundaries themselves (spatial/grids.ts). Boundaries are kept apart from spatial_feature: they
-- are areas that features fall in, not features a spatial search returns.
ALTER TABLE spatial_feature ADD COLUMN grid_code text;
CREATE INDEX spatial_feature_grid ON spatial_feature (grid_code) WHERE grid_code IS NOT NULL;
COMMENT ON COLUMN spatial_feature.grid_code IS '所在网格 (14 位)';

CREATE TABLE grid_boundary (
  grid_code      text PRIMARY KEY CHECK (grid_code ~ '^[0-9]{14}$'),
  city_code      text NOT NULL UNIQUE,
  district_code  text NOT NULL,
  street_code    text NOT NULL,
  community_code text NOT NULL,
  geom           geometry(MultiPolygon, 4490) NOT NULL,
  source         text NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX grid_boundary_geom ON grid_boundary USING gist (geom);
CREATE INDEX grid_boundary_district ON grid_boundary (district_code);
COMMENT ON TABLE grid_boundary IS '网格边界: 由社区中心与网格种子点生成 (docs/data-plate.md)';
