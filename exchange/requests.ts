/**
 * Access requests end to end (申请—审批—授权): a department's request is planned against the policy
 * in force (policy/requests.ts) and stored; each move is checked by the state machine and, for the
 * final approval or a revocation, writes or revokes the grant `req-<id>` as a new policy version in
 * the same transaction, which every API process loads at once (store/policy.ts notifies them).
 */
import type { Subject } from '../core/subject';
import { FEEDABLE_ATTRIBUTES, RELATION_FIELDS, ATTRIBUTE_FIELDS } from '../domain/modelIndex';
import { datasetsByIds } from '../graph/datasets';
import { validateGrant } from '../policy/engine';
import type { Policy } from '../policy/model';
import { grantOf, planRequest, transition, type AccessRequest, type DatasetFacts, type RequestAction, type RequestInput } from '../policy/requests';
import { PolicyError } from '../policy/load';
import { badInput, CityCodeError } from '../core/errors';
import { insertRequest, recordMove, requestForMove } from '../sharing/requests';
import { changeGrantWith, shenzhenStreetCodes } from '../store/policy';
import type { Stores } from '../store/stores';

/** The department that is the authoritative source of a field: its authoritative dataset's department. */
async function authorities(stores: Stores, policy: Policy): Promise<(fieldKey: string) => string | null> {
  const datasetOf = (key: string) => ATTRIBUTE_FIELDS.get(key)?.decl.authoritative ?? RELATION_FIELDS.get(key)?.decl.authoritative ?? null;
  const ids = [...new Set([...policy.fields.keys()].map(datasetOf).filter((d): d is string => d !== null))];
  const datasets = await datasetsByIds(stores.graph, ids);
  return (key) => {
    const id = datasetOf(key);
    return id ? (datasets.get(id)?.definition.department ?? null) : null;
  };
}

/** Plans, checks and stores a department's request; what the grant would be is validated now, not at approval. */
export async function submitRequest(stores: Stores, policy: Policy, requester: Subject, input: RequestInput, now = new Date()): Promise<AccessRequest> {
  const registered = await datasetsByIds(stores.graph, input.datasets);
  const datasets = new Map<string, DatasetFacts>(
    [...registered.values()].map((d) => [
      d.id,
      {
        domain: d.definition.domain,
        department: d.definition.department,
        fields: d.definition.fields.map((f) => (f.attribute ? (FEEDABLE_ATTRIBUTES[f.attribute]?.classifiedAs ?? f.attribute) : null)).filter((k): k is string => k !== null),
      },
    ]),
  );
  const planned = planRequest(policy, requester, input, datasets, await authorities(stores, policy), now);
  try {
    validateGrant(policy, grantOf({ ...planned, id: 'ar-000000', state: 'SUBMITTED', grantId: null, createdAt: now.toISOString() }), {
      knownStreetCodes: shenzhenStreetCodes(),
    });
  } catch (err) {
    if (err instanceof PolicyError) {
      throw badInput(`the grant this request asks for is not valid: ${err.message}`, 'Fix the scope, purpose or expiry as the problems say.', { argument: 'scope', problems: err.problems });
    }
    throw err;
  }
  return insertRequest(stores.sql, planned, { username: requester.username, department: requester.department });
}

/** One move of a request (approve, reject, withdraw, revoke) with its grant change, in one transaction. */
export async function moveRequest(
  stores: Stores,
  id: string,
  action: RequestAction,
  actor: Subject,
  reason: string,
  now = new Date(),
): Promise<{ request: AccessRequest; policyVersion: string | null }> {
  if (reason.trim() === '' || reason.length > 2000) throw badInput('a reason of 1-2000 characters is required', 'Say why (审批意见): the agreement, the ticket, the need.', { argument: 'reason' });
  return stores.sql.transaction(async (client) => {
    const r = await requestForMove(client, id);
    if (!r) throw new CityCodeError('NOT_FOUND', `no access request ${id.slice(0, 40)}`, 'List requests with accessRequests and pass an id from it.', { argument: 'id' });
    const t = transition(r, action, actor, now);
    let policyVersion: string | null = null;
    let grantId = r.grantId;
    if (t.grant === 'CREATE') {
      const grant = grantOf(r);
      const result = await changeGrantWith(client, actor, { action: 'CREATE', grant, reason: `access request ${r.id} approved: ${reason.trim()}` }, { now, authorized: 'access-request' });
      policyVersion = result.version;
      grantId = grant.id;
    } else if (t.grant === 'REVOKE' && r.grantId) {
      const result = await changeGrantWith(client, actor, { action: 'REVOKE', grant: { id: r.grantId }, reason: `access request ${r.id} revoked: ${reason.trim()}` }, { now, authorized: 'access-request' });
      policyVersion = result.version;
    }
    const request = await recordMove(client, r, {
      to: t.to,
      grantId,
      actor: actor.username,
      actorDepartment: actor.department,
      actingAs: t.as,
      reason: reason.trim(),
      policyVersion,
    });
    return { request, policyVersion };
  });
}
