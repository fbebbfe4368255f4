import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { badInput } from '../core/errors';
import { resolveCode } from '../domain/identifiers';
import { idLookupKey, piiKeys } from '../domain/pii';
import { identifierField } from '../policy/engine';
import type { RequestContext } from './context';
import { CodeResolution, IdentifierSchemeEnum } from './types/resolution';
import { asEntity } from '../query/entities';

@Resolver()
export class ResolveCodeResolver {
  @Query(() => CodeResolution, { description: '多码融合: 由外部编码 (身份证号、信用代码、楼栋/房屋/设备/车位编码) 查城市码' })
  async resolveCode(
    @Arg('scheme', () => IdentifierSchemeEnum) scheme: IdentifierSchemeEnum,
    @Arg('value', () => String) value: string,
    @Ctx() ctx: RequestContext,
  ): Promise<CodeResolution> {
    const resolved = resolveCode(scheme, value.slice(0, 64));
    if (!resolved.ok) {
      throw badInput(`Not a valid ${scheme}: ${resolved.reason}`, 'Check the value against its standard; the reason says what is wrong.', {
        argument: 'value',
        reason: resolved.code,
      });
    }
    // A look-up by an identifier is a filter on the field that holds it (CITIZEN_ID → Person.idNumber):
    // whoever may not read that field in clear may not probe it either.
    const filterField = identifierField(ctx.release.policy, scheme);
    if (filterField) ctx.release.assertCanUse(filterField, 'lookup');
    const { canonical, details } = resolved.value;
    let cityCode: string | null;
    if (scheme === IdentifierSchemeEnum.CITY_CODE) {
      cityCode = (await ctx.loaders.entity.load(canonical)) ? canonical : null;
    } else {
      // ID numbers are looked up by their keyed hash only; the clear number never reaches Neo4j.
      const lookup = scheme === IdentifierSchemeEnum.CITIZEN_ID ? idLookupKey(canonical, piiKeys().hmacKey) : canonical;
      cityCode = await ctx.loaders.externalId.load({ scheme, value: lookup });
    }
    // The entity loader sees only rows in the caller's scope; outside it, the code stays unknown.
    const record = cityCode ? await ctx.loaders.entity.load(cityCode) : null;
    return {
      scheme,
      cityCode: record ? cityCode : null,
      entity: record ? asEntity(record) : null,
      conforming: (details as { conforming?: boolean }).conforming !== false,
      warnings: resolved.value.warnings,
    };
  }
}
