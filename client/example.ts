/**
 * How an app team calls citycode with the generated client: every operation in
 * client/operations/ is a TypedDocumentNode, so variables and results are typed end to end.
 *   npm run generate   (regenerates client/generated/graphql.ts from the operations)
 */
import { print } from 'graphql';
import { BuildingWithResidentsDocument, type BuildingWithResidentsQuery, type BuildingWithResidentsQueryVariables } from './generated/graphql';

export async function buildingWithResidents(
  endpoint: string,
  variables: BuildingWithResidentsQueryVariables,
  token?: string,
): Promise<BuildingWithResidentsQuery['cityObject']> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: print(BuildingWithResidentsDocument), variables }),
  });
  const body = (await response.json()) as { data?: BuildingWithResidentsQuery; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data?.cityObject ?? null;
}
