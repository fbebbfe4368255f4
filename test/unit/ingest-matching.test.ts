import { bestMatch, compare, dice, distanceM, editDistance, MATCH_CONFIGS, normaliseAddress, score, verdict, weight } from '../../ingest/matching';

const person = MATCH_CONFIGS.Person;

describe('Fellegi-Sunter comparators', () => {
  it('edit distance counts an adjacent transposition as one edit', () => {
    expect(editDistance('13812345678', '13812345687')).toBe(1);
    expect(editDistance('张伟', '张玮')).toBe(1);
    expect(editDistance('王小明', '王明小')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
  });

  it('agrees, partly agrees or disagrees per comparator', () => {
    expect(compare('name', '张伟', '张伟')).toBe('AGREE');
    expect(compare('name', '张伟', '张玮')).toBe('PARTIAL');
    expect(compare('name', '张伟', '李娜')).toBe('DISAGREE');
    expect(compare('phone', '13812345678', '13812345687')).toBe('PARTIAL');
    expect(compare('phone', '13812345678', '13999999999')).toBe('DISAGREE');
    expect(compare('date', '1990-03-04', '1990-04-03')).toBe('PARTIAL');
    expect(compare('date', '1990-03-04', '1990-03-05')).toBe('PARTIAL');
    expect(compare('date', '1990-03-04', '1975-11-21')).toBe('DISAGREE');
    expect(compare('exact', 'M', null)).toBe('MISSING');
    expect(compare('address', '深圳市福田区福华三路88号', '福田区福华三路88號')).toBe('AGREE');
    expect(compare('address', '福田区福华三路88号', '福田区福华三路86号')).toBe('PARTIAL');
    expect(compare('distance', [114.05, 22.54], [114.0501, 22.5401])).toBe('AGREE');
    expect(compare('distance', [114.05, 22.54], [114.06, 22.55])).toBe('DISAGREE');
  });

  it('normalises address variants and measures bigram overlap', () => {
    expect(normaliseAddress('广东省深圳市 南山区 科技园 1 号')).toBe('南山区科技园1号');
    expect(dice('福田区福华路', '福田区福华路')).toBe(1);
    expect(dice('福田区福华路', '福田区福中路')).toBeCloseTo(0.6, 5);
    expect(dice('福田区', '南山区')).toBe(0);
    expect(distanceM([114, 22.5], [114, 22.501])).toBeCloseTo(111.2, 0);
  });

  it('weights are log2(m/u): positive for agreement, negative for disagreement, zero when missing', () => {
    const mu = person.rules['Person.name'].mu;
    expect(weight(mu, 'AGREE')).toBeCloseTo(Math.log2(0.9 / 0.002), 6);
    expect(weight(mu, 'DISAGREE')).toBeLessThan(0);
    expect(weight(mu, 'MISSING')).toBe(0);
  });
});

describe('match decisions', () => {
  const truth = { 'Person.name': '张伟', 'Person.phone': '13812345678', 'Person.birthDate': '1990-03-04', 'Person.sex': 'M' };

  it('matches the same person through a typo and a swapped phone digit', () => {
    const s = score(person, { ...truth, 'Person.name': '张玮', 'Person.phone': '13812345687' }, truth);
    expect(s.total).toBeGreaterThanOrEqual(person.upper);
    expect(verdict(person, s.total)).toBe('MATCH');
  });

  it('sends a namesake with only the name in common to review, a stranger to a new entity', () => {
    const nameOnly = score(person, { 'Person.name': '张伟', 'Person.sex': 'M' }, truth).total;
    expect(verdict(person, nameOnly)).toBe('REVIEW');
    const stranger = score(person, { 'Person.name': '张伟', 'Person.phone': '13900000000', 'Person.birthDate': '1961-12-30' }, truth).total;
    expect(verdict(person, stranger)).toBe('NEW');
  });

  it('picks the best candidate independent of order, and sends two strong candidates to review', () => {
    const a = { code: 'A', values: truth };
    const b = { code: 'B', values: { ...truth, 'Person.phone': '13700000000', 'Person.birthDate': '1950-01-01' } };
    const record = { ...truth, 'Person.name': '张玮' };
    expect(bestMatch(person, record, [a, b])).toMatchObject({ verdict: 'MATCH', code: 'A' });
    expect(bestMatch(person, record, [b, a])).toMatchObject({ verdict: 'MATCH', code: 'A' });
    const twin = { code: 'C', values: truth };
    expect(bestMatch(person, record, [a, twin])).toMatchObject({ verdict: 'REVIEW', code: 'A', above: 2 });
    expect(bestMatch(person, record, [])).toMatchObject({ verdict: 'NEW', code: null });
  });
});
