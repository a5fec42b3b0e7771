//! The API described: an OpenAPI 3.1 document of every `/api/v1` operation, served at
//! `/api/v1/openapi.json`, and Swagger UI (vendored into the binary) at `/api/docs/`.
//!
//! Request bodies, query parameters and the typed responses are described from their Rust types
//! (`utoipa::ToSchema` / `IntoParams` on the structs the handlers parse and return); the
//! operation table below says which type each operation takes and returns. Responses that
//! handlers still build as ad-hoc JSON are described as objects. Every operation lists the error
//! responses its kind can give, each with the error codes of that status (`error::Code`, the one
//! table of codes). `tests/openapi.rs` checks the document is valid and names exactly the routes
//! the API serves.

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::CurrentUser;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use utoipa::openapi::path::ParameterIn;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/docs", get(docs_redirect))
        .route("/api/docs/", get(docs_index))
        .route("/api/docs/{*file}", get(docs_file))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(api_document))
}

/// `GET /api/v1/openapi.json`: the document (for anyone logged in, like the API it describes).
async fn api_document(CurrentUser(_s): CurrentUser) -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    let body = DOC.get_or_init(|| document().to_string());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.clone(),
    )
        .into_response()
}

async fn docs_redirect() -> Response {
    axum::response::Redirect::to("/api/docs/").into_response()
}

async fn docs_index(State(_st): State<AppState>) -> Response {
    swagger_file("index.html")
}

async fn docs_file(Path(file): Path<String>) -> Response {
    swagger_file(&file)
}

/// A file of the vendored Swagger UI, configured to read `/api/v1/openapi.json`.
fn swagger_file(file: &str) -> Response {
    static CONFIG: OnceLock<Arc<utoipa_swagger_ui::Config<'static>>> = OnceLock::new();
    let config = CONFIG
        .get_or_init(|| Arc::new(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")))
        .clone();
    match utoipa_swagger_ui::serve(file, config) {
        Ok(Some(f)) => {
            let mut res = (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_str(&f.content_type)
                        .unwrap_or(HeaderValue::from_static("application/octet-stream")),
                )],
                f.bytes.into_owned(),
            )
                .into_response();
            // Swagger UI sets inline styles; scripts stay 'self' only. The page holds no data: it
            // reads the document with the user's session.
            res.headers_mut().insert(
                "content-security-policy",
                HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'"),
            );
            if f.gzpipped {
                res.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            res
        }
        Ok(None) => ApiError::not_found("文件").into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

// ---- the document --------------------------------------------------------------------------------

/// Who may call an operation.
#[derive(Clone, Copy, PartialEq)]
enum Auth {
    /// No session (the login itself, parsing a case number).
    Public,
    /// A logged-in session (cookie); state-changing calls also carry `X-CSRF-Token`.
    Session,
    /// A session, or an agency system's token (`Authorization: Bearer tps_…`).
    SessionOrSystem,
}

/// One operation of the API.
struct Op {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    auth: Auth,
    params: Vec<Value>,
    body: Option<Value>,
    ok: u16,
    ok_body: Value,
}

/// The schemas the operations refer to, by name.
#[derive(Default)]
struct Components(BTreeMap<String, Value>);

impl Components {
    fn schema<T: ToSchema>(&mut self) -> Value {
        let mut nested = vec![];
        T::schemas(&mut nested);
        for (name, s) in nested {
            self.0.insert(name, to_value(&s));
        }
        let name = T::name().to_string();
        self.0.insert(name.clone(), to_value(&T::schema()));
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

/// A response body built by hand in the handler: an object, not yet described field by field.
fn object(description: &str) -> Value {
    json!({ "type": "object", "description": description })
}

fn op(method: &'static str, path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op {
        method,
        path,
        tag,
        summary,
        auth: Auth::Session,
        params: vec![],
        body: None,
        ok: 200,
        ok_body: object("结果"),
    }
}

impl Op {
    fn public(mut self) -> Op {
        self.auth = Auth::Public;
        self
    }
    fn system(mut self) -> Op {
        self.auth = Auth::SessionOrSystem;
        self
    }
    fn query<T: IntoParams>(mut self) -> Op {
        for p in T::into_params(|| Some(ParameterIn::Query)) {
            self.params.push(to_value(&p));
        }
        self
    }
    fn body(mut self, schema: Value) -> Op {
        self.body = Some(schema);
        self
    }
    fn ok(mut self, status: u16, schema: Value) -> Op {
        self.ok = status;
        self.ok_body = schema;
        self
    }
    fn returns(mut self, schema: Value) -> Op {
        self.ok_body = schema;
        self
    }
}

/// Path parameters by name: ids are integers (a non-integer is refused with `invalid_id`).
fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let (schema, zh) = match name {
                "id" | "rid" => (json!({ "type": "integer", "format": "int64" }), "编号"),
                "index" => (
                    json!({ "type": "integer", "format": "int64", "minimum": 0 }),
                    "叶子序号",
                ),
                "username" => (json!({ "type": "string" }), "用户名"),
                "table" => (json!({ "type": "string" }), "数据表"),
                "key" => (json!({ "type": "string" }), "记录主键"),
                _ => (json!({ "type": "string" }), "参数"),
            };
            json!({ "name": name, "in": "path", "required": true, "description": zh, "schema": schema })
        })
        .collect()
}

/// An event as agencies' systems send it (`tianping_domain::EventRecord`): the envelope is fixed,
/// the body's fields depend on `kind` (the event catalogue in the domain).
fn event_schema() -> Value {
    json!({
        "type": "object",
        "required": ["source", "source_event_id", "case_number", "occurred_at", "kind"],
        "properties": {
            "source": { "type": "string", "description": "来源系统" },
            "source_event_id": { "type": "string", "description": "来源系统中的事件编号（幂等键）" },
            "case_number": { "type": "string", "description": "案号，如（2026）浙0102民初1号" },
            "occurred_at": { "type": "string", "format": "date-time", "description": "发生时间（含时区）" },
            "kind": { "type": "string", "description": "事件种类，如 filed、hearing_held、closed" },
            "corrects": { "type": "string", "description": "更正的事件编号（更正事件才有）" }
        }
    })
}

/// Every operation of `/api/v1`, in the order of the routers.
fn operations(c: &mut Components) -> Vec<Op> {
    use crate::{
        account, accounts, cases, clocks, evaluation, feedback, incidents, ledger, mailbox,
        metrics, people_supervisors, persons, session, similar, supervision, system_clients, todo,
        view,
    };
    vec![
        // Session.
        op("post", "/api/v1/session", "会话", "登录（用户名和密码）")
            .public()
            .body(c.schema::<session::LoginBody>()),
        op("delete", "/api/v1/session", "会话", "退出登录"),
        op(
            "post",
            "/api/v1/session/totp",
            "会话",
            "登录第二步：双因素验证码",
        )
        .public()
        .body(c.schema::<session::SecondFactorBody>()),
        op("get", "/api/v1/me", "会话", "当前用户").returns(c.schema::<session::UserInfo>()),
        op(
            "get",
            "/api/v1/me/todo",
            "会话",
            "我的待办：各类待办的数量和事项（每类至多 50 项）",
        )
        .returns(c.schema::<todo::TodoOut>()),
        op(
            "post",
            "/api/v1/me/totp/enrol",
            "账户",
            "开始设置双因素认证",
        ),
        op("post", "/api/v1/me/totp/confirm", "账户", "确认双因素认证")
            .body(c.schema::<account::CodeInput>()),
        op(
            "post",
            "/api/v1/me/password",
            "账户",
            "修改本人密码（其他登录随之退出）",
        )
        .body(c.schema::<account::PasswordInput>())
        .returns(c.schema::<account::PasswordChanged>()),
        op("post", "/api/v1/me/notifications", "账户", "提醒设置")
            .body(c.schema::<mailbox::PrefsInput>()),
        // Cases and events.
        op(
            "get",
            "/api/v1/cases",
            "案件",
            "案件列表（本单位权限范围内）",
        )
        .query::<cases::CaseQuery>()
        .returns(c.schema::<cases::CaseList>()),
        op("get", "/api/v1/cases/{id}", "案件", "案件详情").returns(c.schema::<view::CaseDetail>()),
        op("post", "/api/v1/events", "案件", "报送一个事件")
            .system()
            .body(event_schema())
            .ok(201, object("已记录的事件")),
        op(
            "post",
            "/api/v1/events/batch",
            "案件",
            "批量报送事件（逐条受理）",
        )
        .system()
        .body(json!({ "type": "array", "items": event_schema() })),
        op(
            "get",
            "/api/v1/persons/{id}",
            "案件",
            "人员全流程：各机关办案经过、羁押、刑期折抵",
        )
        .returns(c.schema::<persons::PersonDetail>()),
        op(
            "get",
            "/api/v1/incident-samples",
            "案件",
            "警情抽查：本辖区的抽样记录",
        )
        .returns(c.schema::<incidents::SampleList>()),
        op(
            "post",
            "/api/v1/incident-samples",
            "案件",
            "警情抽查：按期间随机抽取（种子与样本池公开，可复核）",
        )
        .body(c.schema::<incidents::DrawInput>())
        .ok(201, c.schema::<view::Created>()),
        op(
            "get",
            "/api/v1/incident-samples/{id}",
            "案件",
            "警情抽查：一次抽样的种子、样本池与抽中的警情",
        )
        .returns(c.schema::<incidents::Sample>()),
        op(
            "get",
            "/api/v1/supervisor-activities",
            "人民监督员",
            "人民监督员监督活动：本辖区（人民监督员本人：被抽选参加的）活动及进展",
        )
        .returns(c.schema::<people_supervisors::activities::ActivityList>()),
        op(
            "post",
            "/api/v1/supervisor-activities",
            "人民监督员",
            "检察院申请人民监督员参加办案活动（应当邀请的类别按规定自动标记）",
        )
        .body(c.schema::<people_supervisors::activities::ActivityInput>())
        .ok(201, c.schema::<view::Created>()),
        op(
            "get",
            "/api/v1/supervisor-draws/{id}",
            "人民监督员",
            "人民监督员抽选记录（RFC 3797）：抽选前固定的条件、随机源的值和公布的结果，可用 tianping draw verify 离线复核",
        )
        .returns(json!({
            "type": "object",
            "required": ["setup", "values", "outcome"],
            "properties": {
                "setup": {"type": "object", "description": "抽选编号、人员库（按序）及其 SHA-256、排除名单及理由、抽选人数、候补人数、随机源"},
                "values": {"type": "array", "description": "各随机源的值，顺序同 setup.sources"},
                "outcome": {"type": "object", "description": "随机数种子（key）和按序抽中的人员（含散列值、是否候补）"}
            }
        })),
        op(
            "post",
            "/api/v1/cases/{id}/feedback-tokens",
            "群众评价",
            "为本院案件的一方当事人签发司法公正码（评价码），返回 token 和评价页地址",
        )
        .body(c.schema::<feedback::codes::IssueInput>())
        .ok(
            201,
            json!({
                "type": "object",
                "required": ["token", "url", "expires_at"],
                "properties": {
                    "token": {"type": "string", "description": "签名的评价码（126 个 base64url 字符），可用 tianping feedback verify 离线核验"},
                    "url": {"type": "string", "description": "评价页地址（印成二维码）"},
                    "expires_at": {"type": "string", "description": "有效期至（UTC）"}
                }
            }),
        ),
        op(
            "get",
            "/api/v1/feedback/index",
            "群众评价",
            "司法公正感受度：某季度按法院、承办法官或案件类型的评价数、满意率、得分、回访率、整改办结率及上年同期满意率",
        )
        .query::<feedback::index::IndexQuery>(),
        op(
            "get",
            "/api/v1/feedback/ratings",
            "群众评价",
            "群众评价明细（最近 200 条及总数）；联系方式仅对负责回访的法院审判管理部门返回",
        )
        .query::<feedback::index::RatingsQuery>(),
        op(
            "get",
            "/api/v1/dishonest",
            "执行",
            "本辖区法院的失信被执行人名单信息：情形、期限、删除事由和应删除日期（state：listed 在列、to_delete 应删除、deleted 已删除）",
        ),
        op(
            "get",
            "/api/v1/typical-cases",
            "执行",
            "本辖区的典型案例推荐：类别、标题、法院与检察院审核情况（stage：proposed 待审核、returned 已退回、published 已联合发布）",
        ),
        op(
            "get",
            "/api/v1/refusal-referrals",
            "执行",
            "本辖区的拒执线索移送及进展（stage：referred 待公安机关决定、filed 已立案、declined 不予立案、prosecuted 已起诉、not_prosecuted 不起诉、convicted 有罪判决、acquitted 无罪、self_prosecution 自诉）与公安机关决定期限",
        ),
        op(
            "get",
            "/api/v1/deputies",
            "人大代表",
            "本辖区及上级人大的代表名册：级别、选区、乡镇（街道）、代表联络站、正在协助和已出清的案件数",
        ),
        op(
            "get",
            "/api/v1/deputy-assignments",
            "人大代表",
            "交由人大代表协助执行的终本案件（代表本人只见交由自己的案件）：协助次数与法院登记的结果（outcome：settled 和解履行完毕、performed 执行完毕、restored 恢复执行、terminated 终结执行、corrected 更正、unresolved 未能出清；未登记为 null）",
        ),
        op(
            "get",
            "/api/v1/deputy-invitations",
            "人大代表",
            "邀请人大代表视察、旁听庭审、见证执行或座谈（代表本人只见邀请自己的）：类型、时间、地点、邀请、接受和参加人数",
        ),
        op(
            "get",
            "/api/v1/deputy-suggestions",
            "人大代表",
            "代表建议与公益诉讼检察建议（代表本人只见自己的）：领域、检察机关、办理阶段（stage：submitted 待审查、accepted 已受理为线索、declined 不予转化、recommended 已发出检察建议、replied 已回复、reported_back 已反馈代表）、回复期限及是否逾期、是否采纳、是否移送人大",
        ),
        op(
            "get",
            "/api/v1/deputy-surveys/{id}/results",
            "人大代表",
            "代表问卷结果：发出与回收份数，每题各选项人数、评分题平均分、问答题回答，以及按区县的选项人数",
        ),
        op(
            "get",
            "/api/v1/campaigns/{id}",
            "人大代表",
            "终本库出清专项行动看板：目标、期间、期初库存量、入库、出清（按方式）、代表协助出清、各法院、各乡镇（街道）及逐日累计出清",
        ),
        op(
            "get",
            "/api/v1/evaluation-plans/{id}",
            "监督",
            "评查计划：类型、评查表及版本、结案期间、截止日、是否交叉评查、随机种子、案件池摘要与件数，每件被评查案件的入选原因、进展（stage：unassigned 待指定评查人、assigned 待评查、scored 已评分异议期内、objected 异议待复核、final 已确定）、评查人、得分、最终得分与等次、是否合格及所立督办事项",
        ),
        op(
            "get",
            "/api/v1/evaluation-cases/{id}",
            "监督",
            "被评查案件：评查表、进展、评分与扣分项（项目、分值、理由）、异议期限、异议、复核、最终得分与等次、所立督办事项，及当前用户此刻可进行的操作（acts_open_to_you）；涉密案件的扣分理由、异议与复核意见仅对有相应密级或需知悉者显示",
        ),
        op(
            "post",
            "/api/v1/evaluation-cases/{id}/acts",
            "监督",
            "评查操作：score 评分（评查人，附扣分项）、accept 认可、object 异议（被评查的承办人，异议期内一次，须写理由）、recheck 复核（复核人，附扣分项与意见）、confirm 异议期满确认（组织评查的部门）；与页面同一校验，返回操作后的被评查案件",
        )
        .body(c.schema::<evaluation::api::ActBody>()),
        op(
            "get",
            "/api/v1/self-checks",
            "监督",
            "案件自查：检察官本人自规定施行之日以后结案的案件，或（案管办、政法委等）本辖区检察院的案件，每件的结案日期、自查期限（结案后若干工作日）、状态（overdue 逾期未自查、waiting 待自查、late 逾期完成、on_time 按期完成）、结论及问题和整改情况",
        )
        .query::<evaluation::self_checks::Params>(),
        op(
            "post",
            "/api/v1/self-checks/{id}",
            "监督",
            "承办检察官填报本人已结案件的自查（{id} 为案件编号；每案一次）：finding 为 clean 或 problems，发现问题时须写明问题及整改情况",
        )
        .body(c.schema::<evaluation::self_checks::SelfCheckBody>())
        .ok(201, serde_json::json!({"type": "object", "description": "填报后的案件自查（同列表中的一件）"})),
        op(
            "get",
            "/api/v1/proofreading",
            "文书校对",
            "本辖区法院按承办人统计的文书校对（审管办、院长、庭长）：每人上传的文稿数、发现问题数、待处理数、不适用数",
        ),
        op(
            "get",
            "/api/v1/cases/{id}/proofreading",
            "文书校对",
            "本案上传校对的文稿（最近的在前）：文件名、上传人、上传时间、发现问题数、待处理数",
        ),
        op(
            "post",
            "/api/v1/cases/{id}/proofreading",
            "文书校对",
            "上传本院承办案件的裁判文书文稿进行校对（text 为全文，或 docx_base64 为 Word 文档的 Base64 编码）；返回文稿及每条校对意见：种类（kind）、位置（start、end，按字计）、原文、理由、建议修改，及状态",
        )
        .body(c.schema::<crate::proofreading::DraftBody>())
        .ok(201, serde_json::json!({"type": "object", "description": "校对后的文稿及其校对意见（同 GET /api/v1/proofreading/{draft}）"})),
        op(
            "get",
            "/api/v1/proofreading/{draft}",
            "文书校对",
            "一份文稿：采用一键修改后的全文（text）、上传时的全文（uploaded_text）、每条校对意见及其状态（open 待处理、fixed 已修改、not_applicable 不适用及理由），及当前用户可否处理（acts_open_to_you，仅上传人）；涉密案件的文字仅对有相应密级或需知悉者显示",
        ),
        op(
            "post",
            "/api/v1/proofreading/{draft}/findings/{seq}",
            "文书校对",
            "处理一条校对意见（仅上传人）：apply_fix 一键修改（有建议修改时）、fixed 已在文稿中修改、not_applicable 不适用（须写理由）；返回处理后的文稿",
        )
        .body(c.schema::<crate::proofreading::ActBody>()),
        op(
            "get",
            "/api/v1/process-nodes",
            "审限",
            "超时的流程节点（审管办、院庭长、政法委本辖区）：view=overdue 已超时未完成（默认），view=late 超时完成；每项含案号、法院、承办人、流程、节点、节点标准及依据、起算日、应完成日、完成日、超时天数",
        )
        .query::<crate::nodes::NodeParams>(),
        op(
            "get",
            "/api/v1/risk-hits",
            "监督",
            "本辖区一个季度的执法司法风险点命中（审管办、案管部门、院（检察）长、政法委）：quarter=2026Q3（默认本季度）；每项含案号、单位、承办人、风险点编号与名称、类别、等级、涉及岗位、发现方式（signal）、日期",
        )
        .query::<crate::risk_points::RiskParams>(),
        op("get", "/api/v1/case-numbers/parse", "案件", "解析案号")
            .public()
            .query::<cases::ParseQuery>(),
        // Clocks.
        op(
            "get",
            "/api/v1/cases/{id}/clocks",
            "审限",
            "案件的审限与期限（含计算依据）",
        )
        .returns(c.schema::<clocks::CaseClocks>()),
        op(
            "post",
            "/api/v1/cases/{id}/letters",
            "审限",
            "制发提示函、督办函或警示函（审管办拟制的督办函、警示函返回送签稿，待院领导签发）",
        )
        .body(c.schema::<clocks::letters::LetterInput>())
        .ok(201, object("函件")),
        op("get", "/api/v1/warnings", "审限", "预警看板")
            .query::<clocks::board::BoardParams>()
            .returns(c.schema::<clocks::board::Board>()),
        op(
            "post",
            "/api/v1/warnings/ack",
            "审限",
            "批量确认预警（每项单独判断，未能确认的逐项说明）",
        )
        .body(c.schema::<clocks::board::BulkAckInput>()),
        op("post", "/api/v1/warnings/{id}/ack", "审限", "签收预警"),
        op(
            "get",
            "/api/v1/clock-changes",
            "审限",
            "规则变更引起的届满日变化",
        ),
        op("get", "/api/v1/clocks/self-check", "审限", "审限自检"),
        op("get", "/api/v1/rules", "审限", "现行期限规则（含出处）"),
        // Supervision.
        op(
            "get",
            "/api/v1/cases/{id}/flags",
            "监督",
            "案件的四类案件标注",
        ),
        op("post", "/api/v1/cases/{id}/flags", "监督", "标注四类案件")
            .body(c.schema::<supervision::case::FlagInput>())
            .ok(201, c.schema::<view::Created>()),
        op(
            "post",
            "/api/v1/flags/{id}/clear",
            "监督",
            "取消四类案件标注",
        )
        .body(c.schema::<supervision::case::ReasonInput>()),
        op(
            "post",
            "/api/v1/cases/{id}/acts",
            "监督",
            "记录院庭长监督措施",
        )
        .body(c.schema::<supervision::case::ActInput>())
        .ok(201, c.schema::<view::Created>()),
        op("post", "/api/v1/acts/{id}/answer", "监督", "答复监督措施")
            .body(c.schema::<supervision::case::AnswerInput>()),
        op("get", "/api/v1/interference", "监督", "过问干预记录"),
        op("post", "/api/v1/interference", "监督", "记录过问干预")
            .body(c.schema::<supervision::interference::InterferenceInput>())
            .ok(201, c.schema::<view::Created>()),
        op(
            "post",
            "/api/v1/interference/zero-report",
            "监督",
            "季度零报告",
        )
        .body(c.schema::<supervision::interference::ZeroInput>())
        .ok(201, c.schema::<view::Created>()),
        op(
            "get",
            "/api/v1/supervision/items",
            "监督",
            "督办事项列表（source=feedback：群众评价引起的督办事项）",
        )
        .query::<supervision::items::ItemsQuery>(),
        op(
            "get",
            "/api/v1/supervision/catalogue",
            "监督",
            "检察监督事项目录（立项时 source=procuratorial，source_ref 为事项代码）",
        ),
        op("post", "/api/v1/supervision/items", "监督", "立督办事项")
            .body(c.schema::<supervision::items::ItemInput>())
            .ok(201, c.schema::<view::Created>()),
        op(
            "get",
            "/api/v1/supervision/items/{id}",
            "监督",
            "督办事项详情",
        ),
        op(
            "post",
            "/api/v1/supervision/items/{id}/actions",
            "监督",
            "办理督办事项",
        )
        .body(c.schema::<supervision::items::ActionInput>())
        .returns(c.schema::<view::Moved>()),
        op(
            "post",
            "/api/v1/supervision/items/{id}/evidence",
            "监督",
            "上传整改证明材料",
        )
        .body(json!({ "type": "string", "format": "binary" }))
        .ok(201, c.schema::<view::Created>()),
        op("get", "/api/v1/referrals", "监督", "移送事项"),
        op("post", "/api/v1/referrals", "监督", "移送")
            .body(c.schema::<supervision::referrals::ReferralInput>())
            .ok(201, c.schema::<view::Created>()),
        op(
            "post",
            "/api/v1/referrals/{id}/actions",
            "监督",
            "办理移送事项",
        )
        .body(c.schema::<supervision::items::ActionInput>())
        .returns(c.schema::<view::Moved>()),
        op("get", "/api/v1/projects", "监督", "联合监督项目"),
        op("post", "/api/v1/projects", "监督", "立联合监督项目")
            .body(c.schema::<supervision::projects::ProjectInput>())
            .ok(201, c.schema::<view::Created>()),
        op("get", "/api/v1/projects/{id}", "监督", "联合监督项目详情"),
        op(
            "post",
            "/api/v1/projects/{id}/actions",
            "监督",
            "办理联合监督项目",
        )
        .body(c.schema::<supervision::projects::ProjectActionInput>())
        .returns(c.schema::<view::Moved>()),
        // Similar cases.
        op("get", "/api/v1/cases/{id}/similar", "类案", "类案检索")
            .query::<similar::RetrievalInput>(),
        op(
            "post",
            "/api/v1/cases/{id}/similar/reports/{rid}/conclusion",
            "类案",
            "撰写类案检索报告的检索结论",
        )
        .body(c.schema::<similar::reports::ConclusionInput>())
        .ok(201, c.schema::<similar::reports::ConclusionOut>()),
        op("get", "/api/v1/deviation-warnings", "类案", "裁判偏离预警"),
        op(
            "post",
            "/api/v1/deviation-warnings/{id}/ack",
            "类案",
            "签收偏离预警",
        ),
        // Metrics.
        op("get", "/api/v1/metrics", "指标", "质效指标").query::<metrics::MetricsQuery>(),
        op(
            "get",
            "/api/v1/metrics/cases",
            "指标",
            "指标下钻：构成某项指标的案件",
        )
        .query::<metrics::MetricsQuery>(),
        // Ledger.
        op("get", "/api/v1/ledger", "账本", "账本概况与检查点")
            .returns(c.schema::<ledger::LedgerSummary>()),
        op(
            "get",
            "/api/v1/ledger/leaves/{index}/proof",
            "账本",
            "叶子的包含证明",
        )
        .query::<ledger::SizeQuery>(),
        op(
            "get",
            "/api/v1/ledger/records/{table}/{key}",
            "账本",
            "一条记录的账本证据",
        ),
        op(
            "get",
            "/api/v1/ledger/consistency",
            "账本",
            "两个检查点之间的一致性证明",
        )
        .query::<ledger::ConsistencyQuery>(),
        op(
            "post",
            "/api/v1/ledger/witness",
            "账本",
            "核对见证方保存的检查点",
        )
        .body(json!({ "type": "string", "description": "检查点全文" }))
        .returns(c.schema::<ledger::WitnessCheck>()),
        op(
            "post",
            "/api/v1/ledger/cosignatures",
            "账本",
            "登记见证机构对检查点的加签",
        )
        .body(json!({ "type": "string", "description": "见证机构加签后的检查点全文" }))
        .returns(c.schema::<ledger::CosignResult>()),
        // Administration.
        op("get", "/api/v1/admin/users", "管理", "用户"),
        op("post", "/api/v1/admin/users", "管理", "开设账户")
            .body(c.schema::<accounts::OpenInput>())
            .ok(201, object("账户")),
        op(
            "post",
            "/api/v1/admin/users/{username}/grant",
            "管理",
            "调整角色与密级",
        )
        .body(c.schema::<accounts::GrantInput>()),
        op(
            "post",
            "/api/v1/admin/users/{username}/disable",
            "管理",
            "停用账户",
        ),
        op(
            "post",
            "/api/v1/admin/users/{username}/enable",
            "管理",
            "启用账户",
        ),
        op(
            "post",
            "/api/v1/admin/users/{username}/totp-reset",
            "管理",
            "重置双因素认证",
        ),
        op(
            "post",
            "/api/v1/admin/users/{username}/unlock",
            "管理",
            "解除登录锁定",
        ),
        op(
            "post",
            "/api/v1/admin/users/{username}/password",
            "管理",
            "设置临时密码（本人登录后须先修改）",
        )
        .body(c.schema::<accounts::ResetInput>()),
        op("get", "/api/v1/admin/orgs", "管理", "机构"),
        op("post", "/api/v1/admin/orgs", "管理", "新增机构")
            .body(c.schema::<accounts::OrgInput>())
            .ok(201, object("机构")),
        op(
            "get",
            "/api/v1/admin/system-clients",
            "管理",
            "业务系统接入凭据",
        ),
        op(
            "post",
            "/api/v1/admin/system-clients",
            "管理",
            "签发接入凭据",
        )
        .body(c.schema::<system_clients::AddInput>())
        .ok(201, object("凭据（令牌只显示这一次）")),
        op(
            "post",
            "/api/v1/admin/system-clients/{id}/revoke",
            "管理",
            "吊销接入凭据",
        ),
        op(
            "get",
            "/api/v1/audit/confidential-reads",
            "审计",
            "涉密案件查阅记录",
        ),
        op("get", "/api/v1/audit/admin-actions", "审计", "管理操作记录"),
        op("get", "/api/v1/openapi.json", "接口", "本文档"),
    ]
}

/// The error statuses an operation of this kind can answer with.
/// Every operation can be refused for who is asking (401, 403: logging in too), for what it names
/// (404: a path id or a record named in the body or query) or its form (400, 405, 422), and can
/// meet a database out of reach (503, during a failover).
fn error_statuses(o: &Op) -> Vec<u16> {
    let mut s = vec![400, 401, 403, 404, 405, 422];
    if o.method != "get" {
        s.extend([409, 413, 415]);
    }
    s.extend([429, 500, 503]);
    s
}

/// The error codes answered with `status`, for the response's description.
fn codes_of(status: u16) -> Vec<&'static str> {
    Code::ALL
        .iter()
        .filter(|c| c.status().as_u16() == status)
        .map(|c| c.as_str())
        .collect()
}

/// The whole document.
pub fn document() -> Value {
    let mut c = Components::default();
    let ops = operations(&mut c);
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for o in &ops {
        let mut params = path_params(o.path);
        params.extend(o.params.iter().cloned());
        let mut responses = Map::new();
        responses.insert(
            o.ok.to_string(),
            json!({
                "description": "成功",
                "content": { "application/json": { "schema": o.ok_body } }
            }),
        );
        for status in error_statuses(o) {
            let reason = StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            let codes = codes_of(status);
            let mut description = format!("{status} {reason}");
            if !codes.is_empty() {
                description.push_str(&format!("：{}", codes.join("、")));
            }
            responses.insert(
                status.to_string(),
                json!({
                    "description": description,
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
                }),
            );
        }
        let mut operation = json!({
            "tags": [o.tag],
            "summary": o.summary,
            "operationId": format!("{}_{}", o.method, o.path.trim_start_matches("/api/v1/").replace(['/', '{', '}', '-', '.'], "_")),
            "parameters": params,
            "responses": responses,
        });
        operation["security"] = match o.auth {
            Auth::Public => json!([]),
            Auth::Session => json!([{ "session": [] }]),
            Auth::SessionOrSystem => json!([{ "session": [] }, { "system": [] }]),
        };
        if let Some(b) = &o.body {
            let media = if b.get("format") == Some(&json!("binary")) {
                "application/octet-stream"
            } else if b.get("type") == Some(&json!("string")) {
                "text/plain"
            } else {
                "application/json"
            };
            operation["requestBody"] = json!({
                "required": true,
                "content": { media: { "schema": b } }
            });
        }
        paths
            .entry(o.path)
            .or_default()
            .insert(o.method.to_string(), operation);
    }
    let mut schemas: Map<String, Value> = c.0.into_iter().collect();
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "enum": Code::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                            "description": "稳定的错误码"
                        },
                        "message": { "type": "string", "description": "中文说明" },
                        "details": { "description": "出错的字段、行号等" }
                    }
                }
            }
        }),
    );
    let tags: Vec<Value> = [
        "会话", "账户", "案件", "审限", "监督", "类案", "指标", "账本", "管理", "审计", "接口",
    ]
    .iter()
    .map(|t| json!({ "name": t }))
    .collect();
    json!({
        "openapi": "3.1.0",
        "tags": tags,
        "info": {
            "title": "天平 司法监督平台 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "案件、审限、监督、类案、指标与账本的接口。登录后以会话 Cookie 调用；修改数据的请求须带 X-CSRF-Token（登录响应给出）。各业务系统报送事件用安全管理员签发的接入凭据（Authorization: Bearer）。错误的响应体为 {\"error\": {\"code\", \"message\", \"details\"}}，code 为稳定的错误码。"
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE },
                "system": { "type": "http", "scheme": "bearer", "description": "业务系统接入凭据 tps_…" }
            }
        }
    })
}

/// `METHOD path` of every operation in the document (for the test that compares it with the
/// routers).
pub fn operation_keys() -> Vec<String> {
    let mut c = Components::default();
    operations(&mut c)
        .iter()
        .map(|o| format!("{} {}", o.method.to_uppercase(), o.path))
        .collect()
}
