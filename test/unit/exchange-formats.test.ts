import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { signingKeyFrom } from '../../audit/keys';
import { decodeRows, encodeRows, fileHead, fileTail, type FileRow } from '../../exchange/formats';
import { checkManifest, signManifest, type FileManifest } from '../../exchange/manifest';
import type { ExportFormat } from '../../sharing/exports';

/** The exchange formats read back exactly what they wrote; manifests verify only as signed. */
const rows: FileRow[] = [
  { code: '440300010000000001000X', kind: 'CityObject', values: { name: '市民中心, "A座"', floors: 12, note: '多行\n文本' }, geometry: { type: 'Point', coordinates: [114.0579, 22.5431] } },
  { code: '4403000100000000020001', kind: 'CityObject', values: { name: '福田站' }, geometry: null },
];
const columns = ['name', 'floors', 'note'];

async function roundTrip(format: ExportFormat): Promise<{ text: string; back: FileRow[]; again: string }> {
  const text = fileHead(format, columns) + encodeRows(format, columns, rows.slice(0, 1), true) + encodeRows(format, columns, rows.slice(1), false) + fileTail(format);
  const back: FileRow[] = [];
  for await (const r of decodeRows(format, Readable.from([Buffer.from(text)]))) back.push(r);
  const again = fileHead(format, columns) + encodeRows(format, columns, back, true) + fileTail(format);
  return { text, back, again };
}

describe('exchange formats', () => {
  it('NDJSON: canonical lines, read back with their types', async () => {
    const { text, back, again } = await roundTrip('NDJSON');
    expect(text.split('\n')[0]).toBe('{"code":"440300010000000001000X","kind":"CityObject","values":{"floors":12,"name":"市民中心, \\"A座\\"","note":"多行\\n文本"}}');
    expect(back.map((r) => r.values)).toEqual(rows.map((r) => r.values));
    expect(again).toBe(text);
  });

  it('CSV: a header, quoted cells, empty for absent; written back identically', async () => {
    const { text, back, again } = await roundTrip('CSV');
    expect(text.startsWith('code,kind,name,floors,note\n440300010000000001000X,CityObject,"市民中心, ""A座""",12,"多行\n文本"\n')).toBe(true);
    expect(back[1]).toEqual({ code: '4403000100000000020001', kind: 'CityObject', values: { name: '福田站' } });
    expect(again).toBe(text);
  });

  it('GeoJSON: a valid FeatureCollection, one feature per line, read back with geometry', async () => {
    const { text, back, again } = await roundTrip('GEOJSON');
    const parsed = JSON.parse(text) as { features: { id: string; geometry: unknown; properties: Record<string, unknown> }[] };
    expect(parsed.features.map((f) => f.id)).toEqual(rows.map((r) => r.code));
    expect(parsed.features[0].properties).toEqual({ kind: 'CityObject', ...rows[0].values });
    expect(back.map((r) => r.geometry)).toEqual([rows[0].geometry, null]);
    expect(again).toBe(text);
  });
});

describe('signed manifests', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = signingKeyFrom(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const manifest: FileManifest = {
    format: 'citycode-manifest/1',
    source: { kind: 'EXPORT', id: 'ex-000001' },
    file: { name: 'ex-000001.ndjson', encoding: 'NDJSON', rows: 2, bytes: 100, sha256: 'a'.repeat(64) },
    requester: { department: 'FT-GOV', username: 'wang.futian' },
    purpose: 'GRID_GOVERNANCE',
    policy: { version: 'v3.0', grants: ['ft-population@v3.0'] },
    selection: { kind: 'GRANT', grant: 'ft-population' },
    createdAt: '2026-12-04T00:00:00.000Z',
  };
  it('verify with the signing key, and not when anything changed or the key is not trusted', () => {
    const signed = signManifest(manifest, key);
    expect(checkManifest(signed, [key.publicKey])).toBe('VALID');
    expect(checkManifest({ ...signed, file: { ...signed.file, rows: 3 } }, [key.publicKey])).toBe('BAD_SIGNATURE');
    expect(checkManifest({ ...signed, requester: { department: 'SZ-GAJ', username: 'x' } }, [key.publicKey])).toBe('BAD_SIGNATURE');
    expect(checkManifest(signed, [generateKeyPairSync('ed25519').publicKey])).toBe('UNKNOWN_KEY');
  });
});
