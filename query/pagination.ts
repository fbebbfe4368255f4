import { isCityCode } from '../domain/citycode';
import { badInput } from '../core/errors';

import { MAX_PAGE } from '../spatial/limits';

export const DEFAULT_PAGE = 20;
/** The largest page any connection returns (one limit for relations and spatial searches); larger requests are refused, not truncated. */
export { MAX_PAGE };

/** One page of a connection: what every connection field answers (resolvers/types/connection.ts declares its GraphQL type). */
export interface ConnectionShape<T> {
  totalCount: number;
  nodes: T[];
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const CURSOR_PREFIX = 'cc:';

export function encodeCursor(code: string): string {
  return Buffer.from(CURSOR_PREFIX + code, 'utf8').toString('base64url');
}

/** The city code inside a cursor, or BAD_USER_INPUT when the cursor was not one of ours. */
export function decodeCursor(cursor: string | null | undefined): string | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const code = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : '';
  if (!isCityCode(code)) {
    throw badInput('The cursor is not valid', 'Pass pageInfo.endCursor of the previous page as `after`, unchanged.', {
      argument: 'after',
    });
  }
  return code;
}

export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE}, got ${size}`, `Ask for at most ${MAX_PAGE} items and page with \`after\`.`, {
      argument: 'first',
      max: MAX_PAGE,
    });
  }
  return size;
}

/** One page of nodes as a connection; edges and cursors are made only when a client selects them. */
class PageConnection<T extends { code: string }> implements ConnectionShape<T> {
  private madeEdges?: { cursor: string; node: T }[];

  constructor(
    readonly nodes: T[],
    readonly totalCount: number,
    private readonly hasNextPage: boolean,
  ) {}

  get edges(): { cursor: string; node: T }[] {
    this.madeEdges ??= this.nodes.map((node) => ({ cursor: encodeCursor(node.code), node }));
    return this.madeEdges;
  }

  get pageInfo(): { hasNextPage: boolean; endCursor: string | null } {
    const last = this.nodes[this.nodes.length - 1];
    return { hasNextPage: this.hasNextPage, endCursor: last ? encodeCursor(last.code) : null };
  }
}

/**
 * Builds a connection from one page of nodes that carry their city code. Edges and cursors are
 * made only when a client selects them (most select `nodes`).
 */
export function toConnection<T extends { code: string }>(nodes: T[], totalCount: number, hasNextPage: boolean): ConnectionShape<T> {
  return new PageConnection(nodes, totalCount, hasNextPage);
}
