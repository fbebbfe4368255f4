import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RELEASED_AS, type ReleaseDescriptors } from '../../policy/release';

export enum CatalogueKindEnum {
  KIND = 'KIND',
  ATTRIBUTE = 'ATTRIBUTE',
  DATASET = 'DATASET',
}
registerEnumType(CatalogueKindEnum, { name: 'CatalogueKind', description: '目录条目类别: 实体类别 / 属性 / 数据集' });

@ObjectType({ description: '数据质量 (数据集)' })
export class CatalogueQualityType {
  @Field(() => Float, { nullable: true, description: '完整性' }) completeness!: number | null;
  @Field(() => Float, { nullable: true, description: '匹配率' }) matchRate!: number | null;
  @Field(() => Float, { nullable: true, description: '空间配准率' }) registrationRate!: number | null;
  @Field(() => Int, { description: '数据打架' }) conflicts!: number;
  @Field(() => Int, { description: '未处理的数据打架' }) openConflicts!: number;
  @Field(() => Int, { description: '待复核' }) reviewOpen!: number;
}

@ObjectType({ description: '数据资源目录条目: 实体类别、属性或数据集' })
export class CatalogueEntryType {
  /** How the description is released (policy/release.ts RELEASED_AS): as metadata of its domain and level. */
  [RELEASED_AS]?: ReleaseDescriptors;

  @Field(() => String, { description: '目录编码: kind:Person、Person.phone、dataset:gaj-population' }) key!: string;
  @Field(() => CatalogueKindEnum) kind!: CatalogueKindEnum;
  @Field(() => String, { description: '名称' }) name!: string;
  @Field(() => String, { nullable: true, description: '说明: 仅向在某处可读取该数据域该级别数据的调用方展示, 否则为空 (条目本身仍可见, 可申请)' }) description!: string | null;
  @Field(() => String, { nullable: true, description: '所属实体类别' }) entityKind!: string | null;
  @Field(() => String, { nullable: true, description: '提供 (权威) 部门代码' }) department!: string | null;
  @Field(() => String, { nullable: true, description: '提供 (权威) 部门' }) departmentName!: string | null;
  @Field(() => String, { nullable: true, description: '主题' }) topic!: string | null;
  @Field(() => String, { description: '数据域' }) domain!: string;
  @Field(() => String, { description: '数据域名称' }) domainLabel!: string;
  @Field(() => String, { description: '级别 L1-L4' }) level!: string;
  @Field(() => String, { nullable: true, description: '个人信息类别' }) pii!: string | null;
  @Field(() => String, { nullable: true, description: '权威来源数据集' }) authoritativeDataset!: string | null;
  @Field(() => String, { nullable: true, description: '权威来源部门' }) authoritativeDepartment!: string | null;
  @Field(() => Float, { nullable: true, description: '更新周期 (天)' }) cadenceDays!: number | null;
  @Field(() => String, { nullable: true, description: '最近一次入库' }) lastIngest!: string | null;
  @Field(() => Boolean, { nullable: true, description: '是否在更新周期内' }) fresh!: boolean | null;
  @Field(() => CatalogueQualityType, { nullable: true, description: '质量 (数据集)' }) quality!: CatalogueQualityType | null;
  @Field(() => Float, { nullable: true, description: '行数 (实体数或记录数)' }) rowCount!: number | null;
  @Field(() => [String], { description: '同义词' }) synonyms!: string[];
}

@ObjectType({ description: '数据资源目录分页结果' })
export class CataloguePageType {
  @Field(() => Int, { description: '符合条件的条目总数' }) totalCount!: number;
  @Field(() => [CatalogueEntryType]) nodes!: CatalogueEntryType[];
  @Field(() => String, { nullable: true, description: '传给 after 以取下一页' }) endCursor!: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
}
