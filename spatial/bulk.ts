/**
 * Geometry in bulk (the city-scale load): COPY of features, EWKT in SRID 4490, inside the caller's
 * transaction. The table's checks (valid geometry, region code formats) hold for COPY too.
 */
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Column order of a feature TSV row (what the generator writes). */
export const FEATURE_COPY_COLUMNS = ['city_code', 'kind', 'geom', 'height_m', 'district_code', 'street_code', 'community_code', 'source'] as const;

export async function copyFeatureRows(client: PoolClient, rows: Readable): Promise<void> {
  await pipeline(rows, client.query(copyFrom(`COPY spatial_feature (${FEATURE_COPY_COLUMNS.join(', ')}) FROM STDIN`)));
}
