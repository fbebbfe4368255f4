// Blocking key of enterprise matching: the establishment date (a name typo with no address still finds its candidates).
CREATE INDEX enterprise_established_on IF NOT EXISTS FOR (e:Enterprise) ON (e.establishedOn);
