import { ref } from 'vue';

/** Chinese first (officials read it), English switchable; the choice is kept in localStorage. */
export type Lang = 'zh' | 'en';
export const lang = ref<Lang>((localStorage.getItem('citycode.lang') as Lang) === 'en' ? 'en' : 'zh');
export function setLang(l: Lang): void {
  lang.value = l;
  localStorage.setItem('citycode.lang', l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

const MESSAGES = {
  title: ['城市码 · 数据治理控制台', 'citycode · Data governance console'],
  overview: ['一图全面感知', 'City overview'],
  search: ['检索', 'Search'],
  lineage: ['血缘', 'Lineage'],
  catalogue: ['数据超市', 'Data catalogue'],
  requests: ['申请与授权', 'Requests and grants'],
  review: ['打架与复核', 'Conflicts and review'],
  quality: ['数据质量', 'Quality'],
  audit: ['审计', 'Audit'],
  graphiql: ['GraphiQL', 'GraphiQL'],
  signOut: ['退出', 'Sign out'],
  purpose: ['用途', 'Purpose'],
  persons: ['人口', 'Persons'],
  enterprises: ['法人', 'Enterprises'],
  objects: ['城市实体', 'City objects'],
  facilities: ['公共设施', 'Public facilities'],
  recentChanges: ['最近变更', 'Recent changes'],
  district: ['区', 'District'],
  searchHint: ['名称、城市码、统一社会信用代码、房屋编码、目录编码…', 'Name, city code, USCC, house code, catalogue key…'],
  entities: ['实体', 'Entities'],
  datasets: ['数据集', 'Datasets'],
  attributes: ['属性', 'Attributes'],
  noResults: ['没有结果 (或无权查看)', 'No results (or none you may see)'],
  attribute: ['属性', 'Attribute'],
  value: ['值', 'Value'],
  source: ['来源', 'Source'],
  department: ['部门', 'Department'],
  time: ['时间', 'Time'],
  authoritative: ['权威', 'Authoritative'],
  denied: ['无权查看', 'Not permitted'],
  masked: ['已脱敏', 'Masked'],
  conflicts: ['数据打架', 'Conflicts'],
  relations: ['关系', 'Relations'],
  map: ['地图', 'Map'],
  upstream: ['上游', 'Upstream'],
  downstream: ['下游', 'Downstream'],
  both: ['上下游', 'Both'],
  depth: ['深度', 'Depth'],
  partial: ['结果不完整 (超出时间预算), 显示已得到的部分', 'Partial result (time budget reached): showing what was found'],
  expandHint: ['点击节点展开一跳', 'Click a node to expand one hop'],
  node: ['节点', 'Node'],
  show: ['查看', 'Show'],
  request: ['申请使用', 'Request access'],
  approve: ['同意', 'Approve'],
  reject: ['驳回', 'Reject'],
  reason: ['理由', 'Reason'],
  state: ['状态', 'State'],
  expires: ['到期', 'Expires'],
  grant: ['授权', 'Grant'],
  mine: ['本部门提出的', 'Mine'],
  toApprove: ['待我审批', 'To approve'],
  all: ['全部', 'All'],
  justification: ['申请理由', 'Justification'],
  scope: ['范围', 'Scope'],
  submit: ['提交', 'Submit'],
  accept: ['接受', 'Accept'],
  reviewQueue: ['疑似匹配复核', 'Match review'],
  chooseA: ['采用 A', 'Choose A'],
  chooseB: ['采用 B', 'Choose B'],
  completeness: ['完整性', 'Completeness'],
  freshness: ['及时性', 'Freshness'],
  matchRate: ['匹配率', 'Match rate'],
  registrationRate: ['空间配准率', 'Spatial registration'],
  target: ['目标', 'Target'],
  verifyChain: ['校验审计链', 'Verify chain'],
  chainOk: ['审计链完整', 'Chain intact'],
  chainBroken: ['审计链被篡改, 第一条异常记录', 'Chain broken; first bad row'],
  user: ['账号', 'User'],
  entity: ['实体', 'Entity'],
  from: ['起', 'From'],
  to: ['止', 'To'],
  filter: ['筛选', 'Filter'],
  decision: ['决定', 'Decision'],
  more: ['更多', 'More'],
  loading: ['加载中…', 'Loading…'],
  level: ['级别', 'Level'],
  rows: ['行数', 'Rows'],
  quickPicks: ['常用', 'Quick picks'],
} as const;

export type MessageKey = keyof typeof MESSAGES;

export function t(key: MessageKey): string {
  return MESSAGES[key][lang.value === 'zh' ? 0 : 1];
}
