import { badInput } from '../../core/errors';
import { makeCitizenId } from '../../domain/identifiers';
import { DEV_PII_HMAC_KEY_HEX, idLookupKey } from '../../domain/pii';
import { effectiveLevel, parseDataset } from '../../domain/datasets';
import { lineageLid } from '../../ingest/lineage';
import { mergeClaim } from '../../ingest/merge';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRows, splitCsv } from '../../ingest/readers';
import { prepareRecord } from '../../ingest/records';
import { loadDatasetFiles } from '../../ingest/registry';
import { fromRoot } from '../../core/paths';
import { planDemoCity } from '../../seed/city';
import { sampleSurveyCsv } from '../../seed/ingestDemo';

const key = Buffer.from(DEV_PII_HMAC_KEY_HEX, 'hex');
const departments = new Set(['SZ-GAJ', 'SZ-ZJJ']);
const dataset = parseDataset(
  {
    id: 'unit-population',
    name: '单元测试人口',
    department: 'SZ-GAJ',
    topic: '测试',
    domain: 'POPULATION',
    level: 'L3',
    cadence: 'DAILY',
    entity: 'Person',
    classCode: '010000',
    recordKey: 'rid',
    recordTime: 'at',
    fields: [
      { name: 'rid', type: 'string', required: true },
      { name: 'id_number', type: 'CITIZEN_ID', attribute: 'Person.idNumber' },
      { name: 'name', type: 'string', attribute: 'Person.name', required: true },
      { name: 'phone', type: 'phone', attribute: 'Person.phone' },
      { name: 'birth', type: 'date', attribute: 'Person.birthDate' },
      { name: 'house', type: 'HOUSE_CODE', attribute: 'Person.residence' },
      { name: 'at', type: 'datetime' },
    ],
    authoritative: ['Person.name'],
  },
  departments,
);

describe('dataset definitions', () => {
  it('the README sample CSV is the one the demo city generates', () => {
    expect(readFileSync(fromRoot('datasets', 'samples', 'ft-grid-survey.csv'), 'utf8')).toBe(sampleSurveyCsv(planDemoCity('demo')));
  });

  it('parse the repository files, sources before derived datasets', () => {
    const ids = loadDatasetFiles().map((d) => d.id);
    expect(ids).toContain('gaj-population');
    expect(ids.indexOf('gaj-household')).toBeLessThan(ids.indexOf('gaj-population'));
    expect(ids.indexOf('zjj-tenancy')).toBeLessThan(ids.indexOf('zsj-population-base'));
  });

  it('refuse unknown departments, attributes of another entity, and authority over unfed attributes', () => {
    const base = { id: 'x-y', name: 'n', department: 'SZ-GAJ', topic: 't', domain: 'POPULATION', level: 'L2', cadence: 'DAILY', entity: 'Person', classCode: '010000', recordKey: 'k', fields: [{ name: 'k', type: 'string' }] };
    expect(() => parseDataset({ ...base, department: 'NOPE' }, departments)).toThrow(/department NOPE is unknown/);
    expect(() => parseDataset({ ...base, fields: [{ name: 'k', type: 'string', attribute: 'Enterprise.name' }] }, departments)).toThrow(/not an attribute of Person/);
    expect(() => parseDataset({ ...base, fields: [{ name: 'k', type: 'string', attribute: 'Person.residence' }] }, departments)).toThrow(/needs type HOUSE_CODE/);
    expect(() => parseDataset({ ...base, authoritative: ['Person.phone'] }, departments)).toThrow(/not fed by any field/);
    try {
      parseDataset({ ...base, level: 'L9' }, departments);
    } catch (err) {
      expect((err as ReturnType<typeof badInput>).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'level' });
    }
  });

  it('a derived dataset takes the highest level of its sources unless an approval lowers it', () => {
    expect(effectiveLevel('L2', ['L3', 'L1'], null)).toEqual({ level: 'L3', inherited: 'L3', lowered: false });
    expect(effectiveLevel('L2', ['L3'], 'L2')).toEqual({ level: 'L2', inherited: 'L3', lowered: true });
    expect(effectiveLevel('L4', ['L1'], null).level).toBe('L4');
    expect(effectiveLevel('L2', ['L3'], 'L4').level).toBe('L3');
  });
});

describe('preparing a row', () => {
  const id = makeCitizenId('440304', '19900304', 123, { today: '20260101' });
  const row = { rid: 'R1', id_number: id, name: ' 张伟 ', phone: '+86 138-1234-5678', birth: '1990/3/4', house: '', at: '2026-01-02T03:04:05+08:00' };

  it('normalises values, keys the ID number by its HMAC and hashes the content', () => {
    const p = prepareRecord(dataset, 7, row, key);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.record).toMatchObject({
      line: 7,
      recordKey: 'R1',
      time: '2026-01-01T19:04:05.000Z',
      values: { 'Person.name': '张伟', 'Person.phone': '13812345678', 'Person.birthDate': '1990-03-04' },
      relations: {},
      identifiers: [{ scheme: 'CITIZEN_ID', value: idLookupKey(id, key) }],
      filled: 4,
      mappable: 5,
    });
    expect(JSON.stringify(p.record.hash)).not.toContain(id);
    const again = prepareRecord(dataset, 9, { ...row, name: '张伟' }, key);
    expect(again.ok && again.record.hash).toBe(p.record.hash);
    const changed = prepareRecord(dataset, 7, { ...row, phone: '13900000000' }, key);
    expect(changed.ok && changed.record.hash).not.toBe(p.record.hash);
  });

  it('keeps text as written (full-width punctuation of official names) but reads full-width digits in dates', () => {
    const p = prepareRecord(dataset, 8, { ...row, name: ' 深圳市海启股权投资合伙企业（有限合伙） ', birth: '１９９０－０３－０４' }, key);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.record.values['Person.name']).toBe('深圳市海启股权投资合伙企业（有限合伙）');
    expect(p.record.values['Person.birthDate']).toBe('1990-03-04');
  });

  it('rejects with the line and the reason', () => {
    expect(prepareRecord(dataset, 3, { ...row, name: '' }, key)).toEqual({ ok: false, rejected: { line: 3, reason: 'name is required', field: 'name' } });
    const bad = prepareRecord(dataset, 4, { ...row, id_number: id.slice(0, 17) + (id[17] === '1' ? '2' : '1') }, key);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.rejected).toMatchObject({ line: 4, field: 'id_number' });
    const date = prepareRecord(dataset, 5, { ...row, birth: '1990-02-30' }, key);
    expect(!date.ok && date.rejected.reason).toMatch(/not a date/);
    const phone = prepareRecord(dataset, 6, { ...row, phone: '12345' }, key);
    expect(!phone.ok && phone.rejected.field).toBe('phone');
  });

  it('splits CSV with quotes, escaped quotes and open quotes', () => {
    expect(splitCsv('a,"b,c","d ""e"""')).toEqual(['a', 'b,c', 'd "e"']);
    expect(splitCsv('a,"b')).toBeNull();
    expect(splitCsv('')).toEqual(['']);
  });
});

describe('provenance merge (一数一源)', () => {
  const claim = (dataset: string, value: string, authoritative: boolean, at: string | null = null) => ({ value, dataset, record: 'r', at, authoritative });

  it('the authoritative source wins and the disagreement is kept as a conflict', () => {
    expect(mergeClaim(claim('gaj', 'A', true), claim('zjj', 'B', false))).toMatchObject({ take: false, conflict: { winner: 'CURRENT' } });
    expect(mergeClaim(claim('zjj', 'B', false), claim('gaj', 'A', true))).toMatchObject({ take: true, conflict: { winner: 'INCOMING' } });
  });

  it('otherwise the most recent record wins', () => {
    expect(mergeClaim(claim('a', 'X', false, '2026-02-01'), claim('b', 'Y', false, '2026-01-01'))).toMatchObject({ take: false, conflict: { winner: 'CURRENT' } });
    expect(mergeClaim(claim('a', 'X', false, '2026-01-01'), claim('b', 'Y', false, '2026-02-01'))).toMatchObject({ take: true });
  });

  it('no conflict for a first value, equal values, or a source correcting itself', () => {
    expect(mergeClaim(null, claim('a', 'X', false))).toEqual({ take: true, conflict: null });
    expect(mergeClaim(claim('a', 'X', false), claim('b', 'X', true))).toEqual({ take: true, conflict: null });
    expect(mergeClaim(claim('a', 'X', true), claim('b', 'X', false))).toEqual({ take: false, conflict: null });
    expect(mergeClaim(claim('a', 'X', false, '2026-01-01'), claim('a', 'Y', false, '2026-03-01'))).toEqual({ take: true, conflict: null });
  });

  it('lineage nodes are named by attribute, dataset id or lid', () => {
    expect(lineageLid('Person.residence')).toBe('attribute:Person.residence');
    expect(lineageLid('gaj-population')).toBe('dataset:gaj-population');
    expect(lineageLid('field:gaj-population.phone')).toBe('field:gaj-population.phone');
  });
});

describe('streaming readers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'citycode-readers-'));
  const read = async (name: string, text: string, format: 'csv' | 'jsonl' | 'geojson') => {
    const file = join(dir, name);
    writeFileSync(file, text);
    const rows = [];
    for await (const r of readRows(file, format)) rows.push(r);
    return rows;
  };

  it('CSV: header, a quoted field over two lines, a short row, the line where each record starts', async () => {
    const rows = await read('a.csv', '\uFEFFid,note\n1,"two\nlines"\n2,plain\n3\n', 'csv');
    expect(rows).toEqual([
      { line: 2, fields: { id: '1', note: 'two\nlines' }, error: null },
      { line: 4, fields: { id: '2', note: 'plain' }, error: null },
      { line: 5, fields: null, error: 'expected 2 columns, found 1' },
    ]);
  });

  it('JSONL: objects, and a reason for what is not one', async () => {
    const rows = await read('a.jsonl', '{"a":1}\n\nnot json\n[1]\n', 'jsonl');
    expect(rows.map((r) => [r.line, r.error])).toEqual([[1, null], [3, 'not valid JSON'], [4, 'not a JSON object']]);
  });

  it('GeoJSON: one feature a line, points and polygon centres as lon/lat', async () => {
    const square = { type: 'Polygon', coordinates: [[[114, 22], [114.002, 22], [114.002, 22.002], [114, 22.002], [114, 22]]] };
    const text = [
      '{"type":"FeatureCollection","features":[',
      `${JSON.stringify({ type: 'Feature', properties: { id: 'p' }, geometry: { type: 'Point', coordinates: [114.05, 22.54] } })},`,
      `${JSON.stringify({ type: 'Feature', properties: { id: 'q' }, geometry: square })},`,
      `${JSON.stringify({ type: 'Feature', properties: { id: 'l' }, geometry: { type: 'LineString', coordinates: [[114, 22], [115, 23]] } })}`,
      ']}',
    ].join('\n');
    const rows = await read('a.geojson', text, 'geojson');
    expect(rows[0]).toEqual({ line: 2, fields: { id: 'p', lon: 114.05, lat: 22.54 }, error: null });
    expect(rows[1].fields?.id).toBe('q');
    expect(rows[1].fields?.lon).toBeCloseTo(114.001, 9);
    expect(rows[1].fields?.lat).toBeCloseTo(22.001, 9);
    expect(rows[2]).toEqual({ line: 4, fields: null, error: 'geometry must be a Point or a Polygon' });
  });
});
