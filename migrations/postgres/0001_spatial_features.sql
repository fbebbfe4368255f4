-- Geometry per city code, in CGCS2000 (EPSG:4490). Metres are computed through geography or
-- EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E) in the spatial module.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE spatial_feature (
  city_code   text PRIMARY KEY,
  kind        text NOT NULL,
  geom        geometry(Geometry, 4490) NOT NULL,
  height_m    double precision CHECK (height_m IS NULL OR height_m >= 0),
  base_m      double precision,
  source      text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT spatial_feature_geom_valid CHECK (ST_IsValid(geom))
);

CREATE INDEX spatial_feature_geom_gist ON spatial_feature USING gist (geom);
CREATE INDEX spatial_feature_geog_gist ON spatial_feature USING gist ((geom::geography));
CREATE INDEX spatial_feature_kind ON spatial_feature (kind);

COMMENT ON TABLE spatial_feature IS '城市码空间要素: geometry of each city object by its city code';
