-- IoT readings (物联感知, docs/data-plate.md): the devices the store knows, raw readings in daily
-- partitions (pg_partman, native partitioning; raw kept 30 days), the latest reading of each
-- device and metric, and hourly rollups per building / grid / community / street / district /
-- city (kept two years: the downsampled history). iot/store.ts is the only writer.

-- Devices with where they are: registered from the graph's DEVICE objects (iot/devices.ts).
CREATE TABLE iot_device (
  device_code    text PRIMARY KEY,
  city_code      text NOT NULL UNIQUE,
  building_code  text,
  grid_code      text,
  community_code text,
  street_code    text,
  district_code  text,
  registered_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX iot_device_building ON iot_device (building_code);
CREATE INDEX iot_device_grid ON iot_device (grid_code);
CREATE INDEX iot_device_community ON iot_device (community_code);
CREATE INDEX iot_device_street ON iot_device (street_code);
CREATE INDEX iot_device_district ON iot_device (district_code);
COMMENT ON TABLE iot_device IS '物联设备登记 (设备编码 → 城市码与所在建筑物、网格、社区、街道、区)';

CREATE TABLE device_reading (
  city_code   text NOT NULL,
  metric      text NOT NULL,
  at          timestamptz NOT NULL,
  value       double precision NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (city_code, metric, at)
) PARTITION BY RANGE (at);
COMMENT ON TABLE device_reading IS '物联设备读数 (原始序列, 按日分区, 保留 30 天)';

SELECT partman.create_parent(
  p_parent_table := 'public.device_reading',
  p_control := 'at',
  p_type := 'native',
  p_interval := 'daily',
  p_premake := 3,
  p_start_partition := to_char(date_trunc('day', now() - interval '31 days'), 'YYYY-MM-DD HH24:MI:SS'));
UPDATE partman.part_config
   SET retention = '30 days', retention_keep_table = false, infinite_time_partitions = true
 WHERE parent_table = 'public.device_reading';

CREATE TABLE device_latest (
  city_code  text NOT NULL,
  metric     text NOT NULL,
  at         timestamptz NOT NULL,
  value      double precision NOT NULL,
  -- When this row last changed: threshold alerts follow it (a late reading that is not newer changes nothing).
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (city_code, metric)
);
CREATE INDEX device_latest_updated ON device_latest (updated_at);
COMMENT ON TABLE device_latest IS '每台设备每项指标的最新读数';

CREATE TABLE reading_rollup (
  level       text NOT NULL CHECK (level IN ('BUILDING', 'GRID', 'COMMUNITY', 'STREET', 'DISTRICT', 'CITY')),
  region_code text NOT NULL,
  metric      text NOT NULL,
  -- The device category (positions 8-9 of the device code): indicators read one category's rollups;
  -- '*' for buildings (all categories together: a building's rollups are for its own page).
  category    text NOT NULL,
  hour        timestamptz NOT NULL,
  n           bigint NOT NULL,
  total       double precision NOT NULL,
  min         double precision NOT NULL,
  max         double precision NOT NULL,
  PRIMARY KEY (level, region_code, metric, category, hour)
);
CREATE INDEX reading_rollup_hour ON reading_rollup (hour);
COMMENT ON TABLE reading_rollup IS '物联读数小时汇总 (建筑物/网格/社区/街道/区/全市, 保留两年)';
