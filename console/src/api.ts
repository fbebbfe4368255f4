import { ref } from 'vue';
import { accessToken } from './auth';

/** The purpose (数据用途) every call declares in X-Purpose; the user picks it in the header. */
export const purpose = ref<string>(localStorage.getItem('citycode.purpose') ?? 'DATA_GOVERNANCE');
export function setPurpose(p: string): void {
  purpose.value = p;
  localStorage.setItem('citycode.purpose', p);
}

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; hint?: string };
}

export interface GqlResult<T> {
  data: T | null;
  errors: GqlError[];
}

/**
 * One GraphQL call with the signed-in user's token: the API answers exactly what this user may
 * see. Field-level denials come back as errors beside partial data, and are shown, not thrown.
 */
export async function gql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await accessToken()}`,
      'x-purpose': purpose.value,
      'apollographql-client-name': 'citycode-console',
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json().catch(() => ({ errors: [{ message: `HTTP ${res.status}` }] }))) as { data?: T; errors?: GqlError[] };
  return { data: body.data ?? null, errors: body.errors ?? [] };
}

/** Like gql, but any error is thrown (for mutations and whole-page queries). */
export async function must<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await gql<T>(query, variables);
  if (r.errors.length || !r.data) throw new Error(describe(r.errors));
  return r.data;
}

export function describe(errors: GqlError[]): string {
  return errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}${e.extensions?.hint ? ` (${e.extensions.hint})` : ''}`).join('\n');
}

/** The error of one path (e.g. ['entity', 'phone']), if the API denied it. */
export function errorAt(errors: GqlError[], path: (string | number)[]): GqlError | undefined {
  return errors.find((e) => e.path && e.path.length === path.length && e.path.every((p, i) => p === path[i]));
}
