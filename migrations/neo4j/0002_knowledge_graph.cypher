// Look-up paths of the knowledge graph: external identifiers (多码融合), regions, row scope.
CREATE CONSTRAINT external_id_unique IF NOT EXISTS FOR (x:ExternalId) REQUIRE (x.scheme, x.value) IS UNIQUE;
CREATE CONSTRAINT region_code_unique IF NOT EXISTS FOR (r:Region) REQUIRE r.regionCode IS UNIQUE;
CREATE INDEX region_level IF NOT EXISTS FOR (r:Region) ON (r.level);
CREATE INDEX person_district IF NOT EXISTS FOR (p:Person) ON (p.districtCode);
CREATE INDEX enterprise_district IF NOT EXISTS FOR (e:Enterprise) ON (e.districtCode);
CREATE INDEX city_object_district IF NOT EXISTS FOR (o:CityObject) ON (o.districtCode);
CREATE INDEX enterprise_name IF NOT EXISTS FOR (e:Enterprise) ON (e.name);
CREATE INDEX city_object_name IF NOT EXISTS FOR (o:CityObject) ON (o.name);
CREATE INDEX city_object_kind_district IF NOT EXISTS FOR (o:CityObject) ON (o.objectKind, o.districtCode);
