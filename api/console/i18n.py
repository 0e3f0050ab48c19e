"""The console's message catalogue (Chinese and English) and the choice of language per request.

Every label a page shows comes from here. Each entry is written as a (zh, en) pair, so a
message cannot exist in one language only; the tests check that every key the templates
and routes use is defined, and that both texts take the same ``{placeholders}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "jrp_lang"
HTML_LANG = {"zh": "zh-CN", "en": "en"}

_PAIRS: dict[str, tuple[str, str]] = {
    # layout
    "app.title": ("联合奖惩控制台", "Joint rewards and penalties console"),
    "nav.decisions": ("决定查询", "Decisions"),
    "nav.verify": ("日志校验", "Verify log"),
    "nav.rulesets": ("规则集", "Rulesets"),
    "nav.measures": ("措施目录", "Measures"),
    "nav.diff": ("版本比较", "Diff"),
    "nav.impact": ("影响预估", "Impact preview"),
    "nav.stats": ("统计", "Statistics"),
    "nav.signed_in_as": ("当前用户：{name}（{role}）", "Signed in as {name} ({role})"),
    "nav.sign_out": ("退出", "Sign out"),
    "nav.language": ("语言", "Language"),
    "nav.print": ("打印", "Print"),
    "footer.note": ("本控制台只读，不通知被查询主体。", "This console reads only; checked subjects are never notified."),
    # sign-in
    "sign_in.title": ("登录", "Sign in"),
    "sign_in.intro": ("请使用 API 密钥登录。密钥仅用于核验身份，不会显示在页面或网址中。",
                      "Sign in with your API key. It is only verified, never shown in a page or a URL."),
    "sign_in.key": ("API 密钥", "API key"),
    "sign_in.submit": ("登录", "Sign in"),
    "sign_in.unknown_key": ("密钥无效：请检查后重试。", "Unknown API key: check it and try again."),
    "sign_in.missing_key": ("请填写 API 密钥。", "Enter an API key."),
    "sign_in.signed_out": ("您已退出。", "You have signed out."),
    # errors
    "error.title": ("错误 {status}", "Error {status}"),
    "error.forbidden": ("无权访问：{role} 角色的密钥不能执行“{action}”。",
                        "Forbidden: a {role} key may not {action}."),
    "error.own_decisions": ("无权访问：业务查询密钥只能查看本密钥作出的决定。",
                            "Forbidden: a checker key may only read the decisions it made itself."),
    "error.csrf": ("表单已过期或来源不明，请刷新页面后重试。",
                   "The form has expired or did not come from this console: reload the page and try again."),
    "error.not_found": ("未找到：{what}", "Not found: {what}"),
    "error.no_page": ("没有这个页面。", "There is no such page."),
    "error.internal": ("内部错误，已记录。", "Internal error; it has been logged."),
    "error.back": ("返回首页", "Back to the start page"),
    "error.field": ("{field}：{message}", "{field}: {message}"),
    "error.bad_date": ("日期应为 YYYY-MM-DD 格式，收到“{value}”", "a date is written YYYY-MM-DD, not “{value}”"),
    "error.bad_choice": ("未知的取值“{value}”", "unknown value “{value}”"),
    "error.bad_number": ("应为 {low} 至 {high} 之间的整数，收到“{value}”",
                         "a whole number from {low} to {high}, not “{value}”"),
    "error.bad_id": ("只能包含字母、数字和 . _ - *，收到“{value}”",
                     "only letters, digits and . _ - * are allowed, not “{value}”"),
    "error.date_order": ("结束日期早于开始日期", "the end date is before the start date"),
    "error.detail": ("{detail}", "{detail}"),
    "error.no_candidate": ("请选择一个版本、粘贴 YAML 或上传文件", "choose a version, paste YAML or upload a file"),
    "error.not_utf8": ("文件不是 UTF-8 文本", "the file is not UTF-8 text"),
    "error.too_large": ("超过 {limit} 个字符的上限", "longer than the limit of {limit} characters"),
    "error.bad_request": ("请求无效（表单过大或格式不对）。", "Bad request: the form is too large or malformed."),
    # fields
    "field.subject": ("主体代码", "Subject id"),
    "field.scenario": ("应用场景", "Scenario"),
    "field.outcome": ("结果", "Outcome"),
    "field.since": ("开始日期", "From date"),
    "field.until": ("结束日期", "To date"),
    "field.page": ("页码", "Page"),
    "field.rules": ("规则", "Rules"),
    "field.jurisdiction": ("地区", "Jurisdiction"),
    "field.list": ("名单", "List"),
    "field.q": ("关键词", "Text"),
    "field.version": ("版本", "Version"),
    "field.from": ("原版本", "From version"),
    "field.to": ("新版本", "To version"),
    "field.base": ("已有版本", "Bundled version"),
    "field.candidate_yaml": ("候选版本 YAML", "Candidate YAML"),
    "field.candidate_file": ("上传文件", "Upload a file"),
    "field.as_of": ("生效日期", "As of"),
    "field.sample": ("抽样数量", "Sample size"),
    "field.period": ("统计周期", "Period"),
    "field.any": ("（全部）", "(any)"),
    # decisions search
    "decisions.title": ("决定查询", "Search decisions"),
    "decisions.search": ("查询", "Search"),
    "decisions.none": ("没有符合条件的决定。", "No decision matches."),
    "decisions.created_at": ("时间", "Time"),
    "decisions.decision": ("决定号", "Decision"),
    "decisions.caller": ("查询密钥", "Caller key"),
    "decisions.purpose": ("查询用途", "Purpose"),
    "decisions.page": ("第 {page} 页", "Page {page}"),
    "decisions.previous": ("上一页", "Previous"),
    "decisions.next": ("下一页", "Next"),
    # one decision
    "decision.title": ("决定 {decision_id}", "Decision {decision_id}"),
    "decision.request": ("查询请求", "Request"),
    "decision.subject": ("主体", "Subject"),
    "decision.role": ("主体角色", "Role"),
    "decision.as_of": ("核查日期", "As of"),
    "decision.created_at": ("记录时间", "Logged at"),
    "decision.caller": ("查询单位", "Caller"),
    "decision.reference": ("项目编号", "Reference"),
    "decision.batch": ("批次号", "Batch"),
    "decision.bundle": ("规则包", "Rules bundle"),
    "decision.bundle_hash": ("规则包哈希", "Bundle hash"),
    "decision.facts": ("所用事实", "Facts used"),
    "decision.facts_digest": ("事实摘要", "Facts digest"),
    "decision.related": ("关联主体", "Related parties"),
    "decision.record": ("记录", "Record"),
    "decision.record_type": ("类型", "Type"),
    "decision.list": ("名单", "List"),
    "decision.authority": ("认定机关", "Authority"),
    "decision.doc_no": ("文号", "Document"),
    "decision.period": ("期间", "Period"),
    "decision.severity": ("严重程度", "Severity"),
    "decision.status": ("状态", "Status"),
    "decision.used": ("触发措施", "Triggered a measure"),
    "decision.no_records": ("无记录。", "No records."),
    "decision.measures": ("惩戒措施", "Penalty measures"),
    "decision.incentives": ("激励措施", "Incentives"),
    "decision.none": ("无。", "None."),
    "decision.measure": ("措施", "Measure"),
    "decision.effect": ("效力", "Effect"),
    "decision.category": ("类别", "Category"),
    "decision.until": ("截止日期", "Until"),
    "decision.until_open": ("随触发记录", "while the record stands"),
    "decision.via": ("经由 {role}：{subject}", "via {role} {subject}"),
    "decision.ruleset": ("规则集", "Ruleset"),
    "decision.basis": ("法律依据", "Legal basis"),
    "decision.quote": ("原文", "Quote"),
    "decision.proportionality": ("过惩相当说明", "Proportionality"),
    "decision.triggered_by": ("触发记录", "Triggered by"),
    "decision.disputed": ("有异议", "disputed"),
    "decision.chain": ("日志链", "Log chain"),
    "decision.seq": ("序号", "Sequence"),
    "decision.prev_hash": ("前一哈希", "Previous hash"),
    "decision.hash": ("本条哈希", "Hash"),
    "decision.replay_original": ("按原规则重放", "Replay with original rules"),
    "decision.replay_current": ("按现行规则重放", "Replay with current rules"),
    "decision.supervision": ("分级分类监管", "Graded supervision"),
    # replay
    "replay.title": ("重放决定 {decision_id}", "Replay of decision {decision_id}"),
    "replay.original": ("原规则", "original rules"),
    "replay.current": ("现行规则", "current rules"),
    "replay.rules": ("重放所用规则：{rules}", "Replayed with the {rules}"),
    "replay.identical": ("结果一致：重放与记录的决定相同。", "Identical: the replay matches the logged decision."),
    "replay.different": ("结果不同：共 {count} 处差异。", "Different: {count} difference(s)."),
    "difference.outcome": ("结果由 {before} 变为 {after}", "outcome {before} → {after}"),
    "difference.gone": ("{group} {measure} 不再适用", "{group}: {measure} no longer applies"),
    "difference.new": ("{group} {measure} 将适用", "{group}: {measure} now applies"),
    "difference.changed": ("{group} {measure} 的 {attribute} 有变化", "{group}: {measure} {attribute} changed"),
    "group.measures": ("惩戒措施", "measures"),
    "group.incentives": ("激励措施", "incentives"),
    "replay.logged": ("记录的决定", "Logged decision"),
    "replay.replayed": ("重放结果", "Replayed"),
    "replay.back": ("返回决定", "Back to the decision"),
    "replay.unavailable": ("无法重放：{detail}", "Cannot replay: {detail}"),
    # audit
    "verify.title": ("决定日志校验", "Decision log verification"),
    "verify.ok": ("日志完整：{count} 条决定的哈希链全部有效。", "The log is intact: the hash chain of {count} decisions holds."),
    "verify.broken": ("日志已被改动：第 {seq} 条（决定 {decision_id}）链断开。",
                      "The log was tampered with: the chain breaks at row {seq} (decision {decision_id})."),
    "verify.reason": ("原因", "Reason"),
    "verify.count": ("已校验条数", "Rows verified"),
    "verify.head": ("最新哈希（请另行保存以发现截断）", "Head hash (keep a copy elsewhere to detect truncation)"),
    "verify.again": ("重新校验", "Verify again"),
    # rulesets and measures
    "rulesets.title": ("规则集", "Rulesets"),
    "rulesets.filter": ("筛选", "Filter"),
    "rulesets.ruleset": ("规则集", "Ruleset"),
    "rulesets.versions": ("版本", "Versions"),
    "rulesets.effective": ("施行期间", "In force"),
    "rulesets.open_end": ("至今", "open"),
    "rulesets.in_force": ("现行", "in force"),
    "ruleset.title": ("规则集 {ruleset_id}@{version}", "Ruleset {ruleset_id}@{version}"),
    "ruleset.header": ("概况", "Header"),
    "ruleset.parent": ("上级地区", "Parent"),
    "ruleset.sources": ("来源文件", "Sources"),
    "ruleset.lists": ("名单", "Lists"),
    "ruleset.measures": ("措施", "Measures"),
    "ruleset.rules": ("规则条数", "Rules"),
    "ruleset.kind": ("种类", "Kind"),
    "ruleset.listing_period": ("列入期限", "Listing period"),
    "ruleset.extends_to": ("延伸至", "Extends to"),
    "ruleset.scenarios": ("适用场景", "Scenarios"),
    "ruleset.intensity": ("强度", "Intensity"),
    "ruleset.compare": ("比较版本", "Compare versions"),
    "measures.title": ("措施目录", "Measures catalogue"),
    "measures.count": ("共 {count} 项", "{count} measure(s)"),
    "measures.none": ("没有符合条件的措施。", "No measure matches."),
    "measure.title": ("措施 {measure_id}", "Measure {measure_id}"),
    "measure.matter": ("具体事项", "Matter"),
    "measure.target": ("实施对象", "Target"),
    "measure.means": ("实施手段", "Means"),
    "measure.authority": ("实施主体", "Authority"),
    "measure.duration": ("期限", "Duration"),
    "measure.min_severity": ("最低严重程度", "Minimum severity"),
    # diff
    "diff.title": ("版本比较", "Compare ruleset versions"),
    "diff.compare": ("比较", "Compare"),
    "diff.summary": ("{from_} → {to}：{count} 处变化，其中 {errors} 处错误",
                     "{from_} → {to}: {count} change(s), {errors} error(s)"),
    "diff.same": ("两个版本没有语义差异。", "The two versions do not differ in meaning."),
    "diff.aspect": ("方面", "Aspect"),
    "diff.direction": ("变化", "Change"),
    "diff.detail": ("说明", "Detail"),
    "diff.before": ("原位置", "Before (file:line)"),
    "diff.after": ("新位置", "After (file:line)"),
    "diff.level": ("级别", "Level"),
    "diff.error_note": ("“错误”表示在没有新增法律依据的情况下加重了惩戒（过惩相当）。",
                        "An error is a penalty widened without a new legal basis (过惩相当)."),
    # impact
    "impact.title": ("影响预估", "Impact preview"),
    "impact.intro": ("预估候选版本生效后哪些主体将增加或不再适用哪些措施；不写入决定日志。",
                     "Who would gain or lose which measures if the candidate went live; nothing is logged."),
    "impact.load": ("载入编辑", "Load into the editor"),
    "impact.no_base": ("（不选）", "(none)"),
    "impact.run": ("预估", "Preview"),
    "impact.or": ("或", "or"),
    "impact.summary": ("候选版本 {candidate}，日期 {as_of}：评估 {subjects} 个主体、{evaluations} 次计算，用时 {seconds} 秒。",
                       "Candidate {candidate} as of {as_of}: {subjects} subjects, {evaluations} evaluations, {seconds} s."),
    "impact.no_change": ("候选版本不改变任何地区的规则包。", "The candidate changes no jurisdiction's bundle."),
    "impact.gained": ("新增措施", "Measures gained"),
    "impact.lost": ("不再适用的措施", "Measures lost"),
    "impact.shifts": ("结果变化", "Outcome shifts"),
    "impact.examples": ("示例主体", "Example subjects"),
    "impact.decisions": ("近期决定：重算 {checked} 条，{changed} 条结果不同",
                         "Recent decisions: {checked} re-evaluated, {changed} would differ"),
    "impact.subjects": ("主体数", "Subjects"),
    "impact.any_role": ("（任意角色）", "(any role)"),
    "impact.before": ("原结果", "Before"),
    "impact.after": ("新结果", "After"),
    "impact.change": ("变化", "Change"),
    "impact.change.gains": ("新增", "gains"),
    "impact.change.loses": ("不再适用", "loses"),
    "impact.none": ("无。", "None."),
    # statistics
    "stats.title": ("查询与反馈统计", "Checks and feedback statistics"),
    "stats.period.month": ("按月", "monthly"),
    "stats.period.quarter": ("按季度", "quarterly"),
    "stats.department": ("查询部门", "Department"),
    "stats.checks": ("查询次数", "Checks"),
    "stats.feedback_received": ("已反馈", "Feedback received"),
    "stats.feedback_missing": ("未反馈", "Feedback missing"),
    "stats.none": ("暂无数据。", "No data yet."),
    "stats.show": ("显示", "Show"),
    # actions (for the 403 page)
    "action.check": ("核查", "run checks"),
    "action.read_decision": ("查看决定", "read decisions"),
    "action.search_decisions": ("查询决定", "search decisions"),
    "action.replay": ("重放决定", "replay decisions"),
    "action.verify": ("校验日志", "verify the log"),
    "action.ingest": ("报送数据", "send events"),
    "action.read_subject": ("查看信用档案", "read credit files"),
    "action.read_catalogue": ("查看目录", "read the catalogue"),
    "action.read_supervision": ("查看监管分类", "read supervision classes"),
    "action.diff_rulesets": ("比较规则集版本", "compare ruleset versions"),
    "action.preview_impact": ("预估影响", "preview impact"),
    "action.give_feedback": ("反馈", "give feedback"),
    "action.read_stats": ("查看统计", "read statistics"),
    # roles
    "role.checker": ("业务查询", "checker"),
    "role.ingester": ("数据报送", "ingester"),
    "role.maintainer": ("规则维护", "maintainer"),
    "role.auditor": ("审计", "auditor"),
    "role.admin": ("管理员", "admin"),
    # outcomes
    "outcome.deny": ("禁止", "deny"),
    "outcome.restrict": ("限制", "restrict"),
    "outcome.review": ("审查", "review"),
    "outcome.allow": ("通过", "allow"),
    # scenarios
    "scenario.government_procurement": ("政府采购", "government procurement"),
    "scenario.bidding": ("招标投标", "bidding"),
    "scenario.administrative_licensing": ("行政许可", "administrative licensing"),
    "scenario.commitment_approval": ("告知承诺审批", "approval by commitment"),
    "scenario.fiscal_support": ("财政资金支持", "fiscal support"),
    "scenario.honours": ("评先评优", "honours"),
    "scenario.state_land_transfer": ("国有土地出让", "state land transfer"),
    "scenario.financing": ("融资信贷", "financing"),
    "scenario.market_access": ("市场准入", "market access"),
    "scenario.qualification": ("资质认定", "qualification"),
    "scenario.civil_service_hiring": ("公务员录用", "civil service hiring"),
    "scenario.consumption": ("高消费", "consumption"),
    "scenario.travel": ("出行", "travel"),
    "scenario.inspection": ("监督检查", "inspection"),
    "scenario.public_services": ("公共服务", "public services"),
    "scenario.ip_support": ("知识产权扶持", "IP support"),
    "scenario.tax_administration": ("税收征管", "tax administration"),
    "scenario.customs_clearance": ("海关通关", "customs clearance"),
    "scenario.exit_control": ("出境管理", "exit control"),
    "scenario.project_approval": ("项目审批", "project approval"),
    "scenario.insurance_pricing": ("保险费率", "insurance pricing"),
    "scenario.tax_incentives": ("税收优惠", "tax incentives"),
    "scenario.cross_border_ecommerce": ("跨境电商", "cross-border e-commerce"),
    # measure attributes
    "kind.penalty": ("惩戒", "penalty"),
    "kind.incentive": ("激励", "incentive"),
    "effect.prohibit": ("禁止", "prohibit"),
    "effect.restrict": ("限制", "restrict"),
    "effect.heightened_review": ("从严审核", "heightened review"),
    "effect.key_supervision": ("重点监管", "key supervision"),
    "effect.facilitate": ("便利", "facilitate"),
    "effect.priority": ("优先", "priority"),
    "effect.reduced_inspection": ("减少检查", "reduced inspection"),
    "level.error": ("错误", "error"),
    "level.warning": ("提示", "warning"),
}

MESSAGES: dict[str, dict[str, str]] = {
    language: {key: texts[index] for key, texts in _PAIRS.items()} for index, language in enumerate(LANGUAGES)
}


@dataclass(frozen=True)
class Translator:
    """``t("key", name=…)``: the message in one language, with its placeholders filled."""

    language: str

    def __call__(self, key: str, **params: object) -> str:
        return MESSAGES[self.language][key].format(**params)

    def label(self, prefix: str, value: str | None) -> str:
        """An enum value's label (``t.label("scenario", "bidding")``); the raw value where none is written."""
        if value is None:
            return ""
        return MESSAGES[self.language].get(f"{prefix}.{value}", value)


def requested_language(request: Request) -> str | None:
    """The language asked for with ``?lang=`` (remembered in a cookie by the page), if a known one."""
    asked = request.query_params.get("lang")
    return asked if asked in LANGUAGES else None


def language_of(request: Request) -> str:
    """``?lang=``, else the remembered choice, else Chinese."""
    remembered = request.cookies.get(LANG_COOKIE)
    return requested_language(request) or (remembered if remembered in LANGUAGES else DEFAULT_LANGUAGE)
