import { splitCypher } from '../../store/migrate';
import { formatError } from '../../api/app';

describe('splitCypher', () => {
  it('splits at semicolons that end a line and drops // comments', () => {
    const body = `// constraints\nCREATE CONSTRAINT a IF NOT EXISTS FOR (n:A) REQUIRE n.x IS UNIQUE;\n\nCREATE INDEX b IF NOT EXISTS\n  FOR (n:B) ON (n.y);\n`;
    expect(splitCypher(body)).toEqual([
      'CREATE CONSTRAINT a IF NOT EXISTS FOR (n:A) REQUIRE n.x IS UNIQUE',
      'CREATE INDEX b IF NOT EXISTS\n  FOR (n:B) ON (n.y)',
    ]);
  });

  it('keeps a semicolon inside a line', () => {
    expect(splitCypher("RETURN 'a;b' AS s;")).toEqual(["RETURN 'a;b' AS s"]);
  });
});

describe('formatError', () => {
  it('passes errors with a known code through unchanged', () => {
    const e = { message: 'bad', extensions: { code: 'BAD_USER_INPUT', hint: 'fix it' } };
    expect(formatError(e, new Error('bad'))).toBe(e);
  });

  it('hides unexpected errors behind INTERNAL_SERVER_ERROR without leaking the message', () => {
    const out = formatError({ message: 'password=secret at db', path: ['entity'] }, new Error('x'));
    expect(out.message).not.toContain('secret');
    expect(out.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(out.path).toEqual(['entity']);
  });
});
