// Every entity (person, enterprise, city object, region) carries a unique city code.
CREATE CONSTRAINT entity_code_unique IF NOT EXISTS FOR (e:Entity) REQUIRE e.code IS UNIQUE;
CREATE CONSTRAINT person_code_unique IF NOT EXISTS FOR (p:Person) REQUIRE p.code IS UNIQUE;
CREATE CONSTRAINT enterprise_code_unique IF NOT EXISTS FOR (e:Enterprise) REQUIRE e.code IS UNIQUE;
CREATE CONSTRAINT city_object_code_unique IF NOT EXISTS FOR (o:CityObject) REQUIRE o.code IS UNIQUE;
CREATE INDEX city_object_kind IF NOT EXISTS FOR (o:CityObject) ON (o.objectKind);
