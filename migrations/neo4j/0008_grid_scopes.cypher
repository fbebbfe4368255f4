// Grid-scoped grants push `gridCode IN $grids` into every scoped read (graph/scope.ts).
CREATE INDEX person_grid IF NOT EXISTS FOR (p:Person) ON (p.gridCode);
CREATE INDEX enterprise_grid IF NOT EXISTS FOR (e:Enterprise) ON (e.gridCode);
