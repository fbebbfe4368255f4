import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found from compiled (dist/) and source (ts-jest) locations alike. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the citycode project root (package.json)');
    dir = parent;
  }
  return dir;
}

export function fromRoot(...parts: string[]): string {
  return join(projectRoot(), ...parts);
}
