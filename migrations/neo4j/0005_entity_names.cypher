// Name search (the console's 检索): text indexes serve CONTAINS on entity names.
CREATE TEXT INDEX person_name_text IF NOT EXISTS FOR (p:Person) ON (p.name);
CREATE TEXT INDEX enterprise_name_text IF NOT EXISTS FOR (e:Enterprise) ON (e.name);
CREATE TEXT INDEX city_object_name_text IF NOT EXISTS FOR (o:CityObject) ON (o.name);
CREATE TEXT INDEX public_facility_name_text IF NOT EXISTS FOR (f:PublicFacility) ON (f.name);
