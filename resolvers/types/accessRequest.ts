import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum RequestStateEnum {
  SUBMITTED = 'SUBMITTED',
  OWNER_APPROVED = 'OWNER_APPROVED',
  GRANTED = 'GRANTED',
  REJECTED = 'REJECTED',
  WITHDRAWN = 'WITHDRAWN',
  REVOKED = 'REVOKED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(RequestStateEnum, {
  name: 'AccessRequestState',
  description: '申请状态: 已提交 / 数据所有方已同意 (待委员会) / 已授权 / 已驳回 / 已撤回 / 已撤销 / 已到期',
});

export enum RequestViewEnum {
  MINE = 'MINE',
  TO_APPROVE = 'TO_APPROVE',
  ALL = 'ALL',
}
registerEnumType(RequestViewEnum, { name: 'AccessRequestView', description: '本部门提出的 / 待本部门审批的 / 全部 (数据治理委员会)' });

export enum ScopeKindEnum {
  CITY = 'CITY',
  DISTRICTS = 'DISTRICTS',
  STREETS = 'STREETS',
  GRIDS = 'GRIDS',
}
registerEnumType(ScopeKindEnum, { name: 'ScopeKind', description: '区域范围: 全市 / 若干区 / 若干街道 / 若干网格' });

@InputType({ description: '数据使用申请' })
export class AccessRequestInput {
  @Field(() => [String], { defaultValue: [], description: '申请的属性 (目录编码, 如 Person.phone)' }) attributes!: string[];
  @Field(() => [String], { defaultValue: [], description: '申请的数据集 (其供给的全部属性)' }) datasets!: string[];
  @Field(() => String, { nullable: true, description: '只申请行范围时: 数据域' }) domain!: string | null;
  @Field(() => String, { nullable: true, description: '只申请行范围时: 级别 L2-L4' }) maxLevel!: string | null;
  @Field(() => ScopeKindEnum, { description: '区域范围' }) scopeKind!: ScopeKindEnum;
  @Field(() => [String], { defaultValue: [], description: '区 (6 位) 或街道 (9 位) 代码' }) scopeCodes!: string[];
  @Field(() => String, { description: '用途 (数据用途代码, 如 GRID_GOVERNANCE)' }) purpose!: string;
  @Field(() => String, { description: '申请理由' }) justification!: string;
  @Field(() => String, { description: '到期时间 (ISO)' }) expiresAt!: string;
}

@ObjectType({ description: '申请的一次状态变化' })
export class AccessRequestEventType {
  @Field(() => String) at!: string;
  @Field(() => String) actor!: string;
  @Field(() => String, { nullable: true }) actorDepartment!: string | null;
  @Field(() => String, { description: 'REQUESTER / OWNER / COMMITTEE' }) actingAs!: string;
  @Field(() => String, { nullable: true }) from!: string | null;
  @Field(() => String) to!: string;
  @Field(() => String) reason!: string;
  @Field(() => String, { nullable: true, description: '产生的策略版本' }) policyVersion!: string | null;
}

@ObjectType({ description: '数据使用申请 (申请—审批—授权)' })
export class AccessRequestType {
  @Field(() => ID) id!: string;
  @Field(() => String) requesterDepartment!: string;
  @Field(() => String) requester!: string;
  @Field(() => String) domain!: string;
  @Field(() => [String]) fields!: string[];
  @Field(() => [String]) datasets!: string[];
  @Field(() => ScopeKindEnum) scopeKind!: ScopeKindEnum;
  @Field(() => [String]) scopeCodes!: string[];
  @Field(() => String) purpose!: string;
  @Field(() => String) justification!: string;
  @Field(() => String) expiresAt!: string;
  @Field(() => String) maxLevel!: string;
  @Field(() => String, { description: '数据所有方 (审批部门)' }) ownerDepartment!: string;
  @Field(() => Boolean, { description: 'L3/L4: 还需数据治理委员会审批' }) needsCommittee!: boolean;
  @Field(() => RequestStateEnum) state!: RequestStateEnum;
  @Field(() => String, { nullable: true, description: '授权编号 (req-<申请编号>)' }) grantId!: string | null;
  @Field(() => String) createdAt!: string;
  @Field(() => [AccessRequestEventType], { description: '审批记录' }) events!: AccessRequestEventType[];
}

@ObjectType()
export class AccessRequestPageType {
  @Field(() => [AccessRequestType]) nodes!: AccessRequestType[];
  @Field(() => String, { nullable: true }) endCursor!: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => Int, { description: '本页条数' }) count!: number;
}
