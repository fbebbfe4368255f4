import { randomBytes } from 'node:crypto';
import {
  DEV_PII_ENC_KEY_HEX,
  DEV_PII_HMAC_KEY_HEX,
  canonicalIdNumber,
  decryptIdNumber,
  encryptIdNumber,
  idLookupKey,
  piiKeys,
} from '../../domain/pii';
import { makeCitizenId } from '../../domain/identifiers';

const ID = '11010519491231002X'; // the GB 11643-1999 example
const LEGACY = '110105491231002'; // the same person's 15-digit number (GB 11643-1989)
const HMAC_KEY = Buffer.from(DEV_PII_HMAC_KEY_HEX, 'hex');
const ENC_KEY = Buffer.from(DEV_PII_ENC_KEY_HEX, 'hex');

describe('idLookupKey (HMAC-SHA256 of the canonical number)', () => {
  it('is stable, 64 hex characters, and not the number', () => {
    const k = idLookupKey(ID, HMAC_KEY);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(idLookupKey(ID, HMAC_KEY)).toBe(k);
    expect(k).not.toContain('19491231');
  });

  it('pins the value for the development key (a change would orphan every stored look-up key)', () => {
    // HMAC-SHA256(DEV_PII_HMAC_KEY_HEX, '11010519491231002X'), computed independently with openssl/node.
    expect(idLookupKey(ID, HMAC_KEY)).toBe('457374bedbd7aef0a294052a3bc3bf37071932ab71f88869880bcf3252508ea8');
  });

  it('depends on the key', () => {
    const other = Buffer.from(HMAC_KEY);
    other[0] ^= 1;
    expect(idLookupKey(ID, other)).not.toBe(idLookupKey(ID, HMAC_KEY));
    expect(idLookupKey(ID, randomBytes(32))).not.toBe(idLookupKey(ID, HMAC_KEY));
  });

  it('gives the 15- and 18-digit forms of one person, and every way of typing them, the same key', () => {
    const k = idLookupKey(ID, HMAC_KEY);
    expect(canonicalIdNumber(LEGACY)).toBe(ID);
    for (const typed of [LEGACY, ID.toLowerCase(), ` ${ID.slice(0, 6)} ${ID.slice(6, 14)} ${ID.slice(14)} `, '１１０１０５４９１２３１００２']) {
      expect(idLookupKey(typed, HMAC_KEY)).toBe(k);
    }
  });

  it('gives different people different keys', () => {
    const keys = new Set(Array.from({ length: 500 }, (_, i) => idLookupKey(makeCitizenId('440304', '19900101', i), HMAC_KEY)));
    expect(keys.size).toBe(500);
  });

  it('refuses invalid numbers and bad keys without repeating the number', () => {
    const typo = '11010519491231003X';
    expect(() => idLookupKey(typo, HMAC_KEY)).toThrow(RangeError);
    try {
      idLookupKey(typo, HMAC_KEY);
    } catch (err) {
      expect((err as Error).message).not.toContain('1949');
    }
    expect(() => idLookupKey(ID, randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('encryptIdNumber / decryptIdNumber (AES-256-GCM)', () => {
  it('round-trips to the canonical number', () => {
    expect(decryptIdNumber(encryptIdNumber(ID, ENC_KEY), ENC_KEY)).toBe(ID);
    expect(decryptIdNumber(encryptIdNumber(LEGACY, ENC_KEY), ENC_KEY)).toBe(ID);
    expect(decryptIdNumber(encryptIdNumber(ID.toLowerCase(), ENC_KEY), ENC_KEY)).toBe(ID);
  });

  it('has the compact v1 format with a 12-byte IV and a 16-byte tag', () => {
    const c = encryptIdNumber(ID, ENC_KEY);
    const m = /^v1:([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(c);
    expect(m).not.toBeNull();
    expect(Buffer.from(m![1], 'base64')).toHaveLength(12);
    expect(Buffer.from(m![2], 'base64')).toHaveLength(16);
    expect(Buffer.from(m![3], 'base64')).toHaveLength(18);
  });

  it('gives a different ciphertext (and IV) on every call', () => {
    const all = Array.from({ length: 200 }, () => encryptIdNumber(ID, ENC_KEY));
    expect(new Set(all).size).toBe(200);
    expect(new Set(all.map((c) => c.split(':')[1])).size).toBe(200);
    for (const c of all) expect(decryptIdNumber(c, ENC_KEY)).toBe(ID);
  });

  it('shows no clear digits of the number in the ciphertext', () => {
    for (let i = 0; i < 200; i++) {
      const c = encryptIdNumber(ID, ENC_KEY);
      for (const piece of [ID, ID.slice(0, 17), '19491231', '110105', '002X', LEGACY]) expect(c).not.toContain(piece);
    }
  });

  it('refuses a tampered ciphertext, tag or IV, a wrong key, and malformed text', () => {
    const c = encryptIdNumber(ID, ENC_KEY);
    const [v, iv, tag, body] = c.split(':');
    const flip = (b64: string): string => {
      const b = Buffer.from(b64, 'base64');
      b[0] ^= 0x01;
      return b.toString('base64');
    };
    expect(() => decryptIdNumber([v, iv, tag, flip(body)].join(':'), ENC_KEY)).toThrow(/altered or the key is wrong/);
    expect(() => decryptIdNumber([v, iv, flip(tag), body].join(':'), ENC_KEY)).toThrow(/altered or the key is wrong/);
    expect(() => decryptIdNumber([v, flip(iv), tag, body].join(':'), ENC_KEY)).toThrow(/altered or the key is wrong/);
    expect(() => decryptIdNumber(c, randomBytes(32))).toThrow(/altered or the key is wrong/);
    expect(() => decryptIdNumber(['v2', iv, tag, body].join(':'), ENC_KEY)).toThrow(/Not an encrypted ID number/);
    expect(() => decryptIdNumber([v, iv, tag].join(':'), ENC_KEY)).toThrow(/Not an encrypted ID number/);
    expect(() => decryptIdNumber([v, iv.slice(4), tag, body].join(':'), ENC_KEY)).toThrow(/Not an encrypted ID number/);
    expect(() => decryptIdNumber(ID, ENC_KEY)).toThrow(/Not an encrypted ID number/);
  });
});

describe('piiKeys', () => {
  const hex = randomBytes(32).toString('hex');
  const b64 = randomBytes(32).toString('base64');

  it('uses the documented development defaults outside production', () => {
    const keys = piiKeys({});
    expect(keys.hmacKey.toString('hex')).toBe(DEV_PII_HMAC_KEY_HEX);
    expect(keys.encryptionKey.toString('hex')).toBe(DEV_PII_ENC_KEY_HEX);
    expect(piiKeys({ NODE_ENV: 'test', CITYCODE_PII_HMAC_KEY: '' }).hmacKey.toString('hex')).toBe(DEV_PII_HMAC_KEY_HEX);
  });

  it('reads hex and base64 (standard and URL-safe) 32-byte keys', () => {
    const keys = piiKeys({ CITYCODE_PII_HMAC_KEY: hex, CITYCODE_PII_ENC_KEY: b64 });
    expect(keys.hmacKey.toString('hex')).toBe(hex);
    expect(keys.encryptionKey.toString('base64')).toBe(b64);
    const url = b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(piiKeys({ CITYCODE_PII_ENC_KEY: url }).encryptionKey.toString('base64')).toBe(b64);
  });

  it('refuses keys of the wrong size or alphabet, and one key used twice', () => {
    expect(() => piiKeys({ CITYCODE_PII_HMAC_KEY: randomBytes(16).toString('hex') })).toThrow(/CITYCODE_PII_HMAC_KEY must be a 32-byte key/);
    expect(() => piiKeys({ CITYCODE_PII_ENC_KEY: 'not a key' })).toThrow(/CITYCODE_PII_ENC_KEY must be a 32-byte key/);
    expect(() => piiKeys({ CITYCODE_PII_HMAC_KEY: hex, CITYCODE_PII_ENC_KEY: hex })).toThrow(/different keys/);
  });

  it('refuses the development keys under NODE_ENV=production, unset or set explicitly', () => {
    expect(() => piiKeys({ NODE_ENV: 'production' })).toThrow(/CITYCODE_PII_HMAC_KEY is not set and NODE_ENV=production/);
    expect(() => piiKeys({ NODE_ENV: 'production', CITYCODE_PII_HMAC_KEY: hex })).toThrow(
      /CITYCODE_PII_ENC_KEY is not set and NODE_ENV=production/,
    );
    expect(() =>
      piiKeys({ NODE_ENV: 'production', CITYCODE_PII_HMAC_KEY: DEV_PII_HMAC_KEY_HEX, CITYCODE_PII_ENC_KEY: b64 }),
    ).toThrow(/equals the public development default/);
    const keys = piiKeys({ NODE_ENV: 'production', CITYCODE_PII_HMAC_KEY: hex, CITYCODE_PII_ENC_KEY: b64 });
    expect(keys.hmacKey.toString('hex')).toBe(hex);
  });
});
