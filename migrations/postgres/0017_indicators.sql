-- Indicators (指标, docs/data-plate.md): the value of each indicator for each region and period,
-- kept as history (a period is a day, or the first day of a month for monthly indicators), and
-- the runs that computed them. indicators/store.ts is the only writer.
CREATE TABLE indicator_value (
  indicator_id text NOT NULL,
  period       date NOT NULL,
  level        text NOT NULL CHECK (level IN ('CITY', 'DISTRICT', 'STREET', 'COMMUNITY', 'GRID')),
  region_code  text NOT NULL,
  value        double precision,
  computed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (indicator_id, region_code, period)
);
CREATE INDEX indicator_value_region ON indicator_value (region_code, period);
COMMENT ON TABLE indicator_value IS '指标值: 每项指标、每个区域、每个周期一个值 (历史保留)';

CREATE TABLE indicator_run (
  id           bigserial PRIMARY KEY,
  period       date NOT NULL,
  definitions  integer NOT NULL,
  regions      integer NOT NULL,
  values_n     integer NOT NULL,
  read_ms      integer NOT NULL,
  compute_ms   integer NOT NULL,
  write_ms     integer NOT NULL,
  finished_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE indicator_run IS '指标计算批次';
