// The data plate's new kinds (domain/model.ts): public-management events and points of interest,
// keyed by city code like every entity; indicators as lineage nodes (indicators/).
CREATE CONSTRAINT management_event_code_unique IF NOT EXISTS FOR (e:ManagementEvent) REQUIRE e.code IS UNIQUE;
CREATE CONSTRAINT point_of_interest_code_unique IF NOT EXISTS FOR (p:PointOfInterest) REQUIRE p.code IS UNIQUE;
CREATE CONSTRAINT public_facility_code_unique IF NOT EXISTS FOR (f:PublicFacility) REQUIRE f.code IS UNIQUE;
CREATE INDEX management_event_type IF NOT EXISTS FOR (e:ManagementEvent) ON (e.eventType);
CREATE INDEX city_object_grid IF NOT EXISTS FOR (o:CityObject) ON (o.gridCode);
CREATE TEXT INDEX management_event_name_text IF NOT EXISTS FOR (e:ManagementEvent) ON (e.name);
CREATE TEXT INDEX point_of_interest_name_text IF NOT EXISTS FOR (p:PointOfInterest) ON (p.name);
