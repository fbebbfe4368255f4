// Lineage (datasets, fields, attributes), ingestion (source records, runs), governance queues.
CREATE CONSTRAINT lineage_lid_unique IF NOT EXISTS FOR (n:Lineage) REQUIRE n.lid IS UNIQUE;
CREATE CONSTRAINT dataset_lid_unique IF NOT EXISTS FOR (d:Dataset) REQUIRE d.lid IS UNIQUE;
CREATE CONSTRAINT dataset_field_lid_unique IF NOT EXISTS FOR (f:DatasetField) REQUIRE f.lid IS UNIQUE;
CREATE CONSTRAINT attribute_lid_unique IF NOT EXISTS FOR (a:Attribute) REQUIRE a.lid IS UNIQUE;
CREATE INDEX dataset_department IF NOT EXISTS FOR (d:Dataset) ON (d.department);
CREATE CONSTRAINT source_record_key_unique IF NOT EXISTS FOR (s:SourceRecord) REQUIRE s.key IS UNIQUE;
CREATE INDEX source_record_dataset IF NOT EXISTS FOR (s:SourceRecord) ON (s.dataset);
CREATE CONSTRAINT ingest_run_id_unique IF NOT EXISTS FOR (r:IngestRun) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT conflict_key_unique IF NOT EXISTS FOR (c:Conflict) REQUIRE c.key IS UNIQUE;
CREATE INDEX conflict_status IF NOT EXISTS FOR (c:Conflict) ON (c.status);
CREATE INDEX conflict_entity IF NOT EXISTS FOR (c:Conflict) ON (c.entity);
CREATE CONSTRAINT review_case_key_unique IF NOT EXISTS FOR (c:ReviewCase) REQUIRE c.key IS UNIQUE;
CREATE INDEX review_case_status IF NOT EXISTS FOR (c:ReviewCase) ON (c.status);
// Blocking keys of probabilistic matching, and the change feed.
CREATE INDEX person_name IF NOT EXISTS FOR (p:Person) ON (p.name);
CREATE INDEX person_phone IF NOT EXISTS FOR (p:Person) ON (p.phone);
CREATE INDEX person_birth_date IF NOT EXISTS FOR (p:Person) ON (p.birthDate);
CREATE INDEX enterprise_address IF NOT EXISTS FOR (e:Enterprise) ON (e.address);
CREATE INDEX city_object_address IF NOT EXISTS FOR (o:CityObject) ON (o.address);
CREATE INDEX person_changed_at IF NOT EXISTS FOR (p:Person) ON (p.changedAt);
CREATE INDEX enterprise_changed_at IF NOT EXISTS FOR (e:Enterprise) ON (e.changedAt);
CREATE INDEX city_object_changed_at IF NOT EXISTS FOR (o:CityObject) ON (o.changedAt);
