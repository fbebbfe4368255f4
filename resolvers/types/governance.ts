import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum GrantActionEnum {
  CREATE = 'CREATE',
  UPDATE = 'UPDATE',
  REVOKE = 'REVOKE',
}
registerEnumType(GrantActionEnum, { name: 'GrantAction', description: '授权变更: 新增 / 修改 / 撤销' });

@InputType({ description: '授权变更申请 (数据治理委员会的数据管家操作, 全程留痕)' })
export class GrantChangeInput {
  @Field(() => GrantActionEnum)
  action!: GrantActionEnum;

  @Field(() => String, { description: '授权 (JSON): id, department, domain, maxLevel, scope, purposes, masks, expiresAt; 撤销时只需 {"id": …}' })
  grant!: string;

  @Field(() => String, { description: '变更理由 (协议、工单号……)' })
  reason!: string;
}

@ObjectType({ description: '一次授权变更的结果' })
export class GrantChangeResultType {
  @Field(() => String, { description: '新的策略版本, 如 v1.3' })
  version!: string;

  @Field(() => ID)
  changeId!: string;

  @Field(() => String)
  grantId!: string;

  @Field(() => GrantActionEnum)
  action!: GrantActionEnum;

  @Field(() => String, { description: '被授权部门' })
  department!: string;
}

@ObjectType({ description: '当前生效的策略版本' })
export class PolicyVersionType {
  @Field(() => String)
  version!: string;

  @Field(() => String)
  checksum!: string;

  @Field(() => String)
  effectiveFrom!: string;

  @Field(() => Int, { description: '授权条数' })
  grants!: number;
}

@ObjectType({ description: '审计链校验结果 (使用留痕)' })
export class AuditVerificationType {
  @Field(() => Boolean)
  ok!: boolean;

  @Field(() => Int)
  checkedRows!: number;

  @Field(() => Int)
  checkpointsVerified!: number;

  @Field(() => Int, { nullable: true, description: '第一条被篡改的记录' })
  firstBrokenId!: number | null;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => String, { nullable: true })
  message!: string | null;
}
