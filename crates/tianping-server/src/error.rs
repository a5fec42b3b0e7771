//! The one API error type: an HTTP status, a stable snake_case code, a Chinese message, and
//! optional details (field, line, part …). Pages render the same errors as Chinese HTML.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Defines [`Code`]: every error code the API answers with, its HTTP status and a short Chinese
/// title — one row each, so a code without a status does not compile (Meilisearch's
/// `make_error_codes!` is the model).
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal, $status:ident, $zh:literal;)*) => {
        /// A stable error code of the API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in the order of the table.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as it appears in `{"error": {"code": …}}`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// The HTTP status a response with this code carries.
            pub fn status(self) -> StatusCode {
                match self {
                    $(Code::$variant => StatusCode::$status,)*
                }
            }

            /// A short Chinese title of the code (the response's message says what in particular).
            pub fn zh(self) -> &'static str {
                match self {
                    $(Code::$variant => $zh,)*
                }
            }

            /// The code named `s`, if the API has it (domain refusals name theirs as text).
            pub fn parse(s: &str) -> Option<Code> {
                match s {
                    $($code => Some(Code::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    // Who is asking.
    Unauthenticated = "unauthenticated", UNAUTHORIZED, "请先登录";
    InvalidCredentials = "invalid_credentials", UNAUTHORIZED, "用户名、密码或验证码不正确";
    SystemTokenInvalid = "system_token_invalid", UNAUTHORIZED, "业务系统接入凭据无效或已被吊销";
    AccountInactive = "account_inactive", FORBIDDEN, "账户未启用或已停用";
    SecondFactorRequired = "second_factor_required", FORBIDDEN, "须先设置双因素认证";
    PasswordChangeRequired = "password_change_required", FORBIDDEN, "须先修改管理员设置的临时密码";
    CrossOriginLogin = "cross_origin_login", FORBIDDEN, "不接受来自其他网站的登录请求";
    CsrfTokenInvalid = "csrf_token_invalid", FORBIDDEN, "缺少有效的 CSRF 令牌";
    Forbidden = "forbidden", FORBIDDEN, "当前角色无权进行此操作";
    OutOfScope = "out_of_scope", FORBIDDEN, "超出本单位的权限范围";
    RateLimited = "rate_limited", TOO_MANY_REQUESTS, "请求过于频繁";
    // What was asked for.
    NotFound = "not_found", NOT_FOUND, "不存在或不在权限范围内";
    CaseNotFound = "case_not_found", BAD_REQUEST, "案件不存在或不在权限范围内";
    LeafOutOfRange = "leaf_out_of_range", BAD_REQUEST, "叶子序号超出账本范围";
    SizeOutOfRange = "size_out_of_range", BAD_REQUEST, "树规模超出账本范围";
    UnknownTable = "unknown_table", BAD_REQUEST, "账本不记录该数据表";
    CheckpointNotSigned = "checkpoint_not_signed", UNPROCESSABLE_ENTITY, "检查点没有本账本密钥的有效签名";
    CheckpointUnknown = "checkpoint_unknown", UNPROCESSABLE_ENTITY, "账本中没有这个检查点";
    CosignatureInvalid = "cosignature_invalid", UNPROCESSABLE_ENTITY, "见证签名校验未通过";
    NoCosignature = "no_cosignature", UNPROCESSABLE_ENTITY, "没有已登记见证机构的签名";
    // The request's form.
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED, "该接口不支持此请求方法";
    BodyTooLarge = "body_too_large", PAYLOAD_TOO_LARGE, "请求体过大";
    ContentTypeJsonRequired = "content_type_json_required", UNSUPPORTED_MEDIA_TYPE, "请求须为 application/json";
    InvalidJson = "invalid_json", BAD_REQUEST, "请求体不是有效的 JSON";
    BodyMalformed = "body_malformed", UNPROCESSABLE_ENTITY, "请求体字段不符合要求";
    EventMalformed = "event_malformed", UNPROCESSABLE_ENTITY, "事件 JSON 无效";
    LetterMalformed = "letter_malformed", UNPROCESSABLE_ENTITY, "函件请求无效";
    PreferencesMalformed = "preferences_malformed", UNPROCESSABLE_ENTITY, "提醒设置无效";
    Invalid = "invalid", BAD_REQUEST, "输入无效";
    InvalidId = "invalid_id", BAD_REQUEST, "编号不是整数";
    InvalidQuery = "invalid_query", BAD_REQUEST, "查询条件无效";
    EmptyQuery = "empty_query", BAD_REQUEST, "检索内容为空";
    InvalidDate = "invalid_date", BAD_REQUEST, "日期无效";
    InvalidTime = "invalid_time", BAD_REQUEST, "时间无效";
    InvalidYear = "invalid_year", BAD_REQUEST, "年份无效";
    InvalidQuarter = "invalid_quarter", BAD_REQUEST, "季度无效";
    InvalidPeriod = "invalid_period", BAD_REQUEST, "统计期间无效";
    InvalidKind = "invalid_kind", BAD_REQUEST, "类别无效";
    InvalidCounter = "invalid_counter", BAD_REQUEST, "统计项无效";
    InvalidLevel = "invalid_level", BAD_REQUEST, "级别无效";
    InvalidAction = "invalid_action", BAD_REQUEST, "操作无效";
    InvalidSource = "invalid_source", BAD_REQUEST, "来源或过问人类别无效";
    InvalidChannel = "invalid_channel", BAD_REQUEST, "过问方式无效";
    InvalidOutcome = "invalid_outcome", BAD_REQUEST, "处理结果无效";
    InvalidName = "invalid_name", BAD_REQUEST, "名称无效";
    InvalidOrg = "invalid_org", BAD_REQUEST, "单位无效";
    InvalidEmail = "invalid_email", BAD_REQUEST, "邮箱地址无效";
    InvalidCadence = "invalid_cadence", BAD_REQUEST, "提醒频率无效";
    InvalidSnapshot = "invalid_snapshot", BAD_REQUEST, "检索快照无效";
    InvalidAnnotation = "invalid_annotation", BAD_REQUEST, "标注无效";
    InvalidLetterKind = "invalid_letter_kind", BAD_REQUEST, "函件种类无效";
    InvalidWarning = "invalid_warning", BAD_REQUEST, "预警无效";
    LetterTooLong = "letter_too_long", BAD_REQUEST, "函件正文过长";
    InvalidReplyBy = "invalid_reply_by", UNPROCESSABLE_ENTITY, "反馈期限无效";
    InvalidAddressee = "invalid_addressee", UNPROCESSABLE_ENTITY, "主送机关无效";
    InvalidRole = "invalid_role", UNPROCESSABLE_ENTITY, "角色无效";
    InvalidClearance = "invalid_clearance", UNPROCESSABLE_ENTITY, "密级无效";
    InvalidCourtCode = "invalid_court_code", UNPROCESSABLE_ENTITY, "法院代字无效";
    InvalidDisplayName = "invalid_display_name", UNPROCESSABLE_ENTITY, "姓名无效";
    InvalidOrgId = "invalid_org_id", UNPROCESSABLE_ENTITY, "机构编号无效";
    InvalidParent = "invalid_parent", UNPROCESSABLE_ENTITY, "上级机构无效";
    InvalidRegionCode = "invalid_region_code", UNPROCESSABLE_ENTITY, "行政区划代码无效";
    InvalidUsername = "invalid_username", UNPROCESSABLE_ENTITY, "用户名无效";
    LevelAboveParent = "level_above_parent", UNPROCESSABLE_ENTITY, "机构层级不能高于上级机构";
    PasswordTooShort = "password_too_short", UNPROCESSABLE_ENTITY, "密码过短";
    WrongPassword = "wrong_password", UNPROCESSABLE_ENTITY, "当前密码不正确";
    PasswordMismatch = "password_mismatch", UNPROCESSABLE_ENTITY, "两次输入的新密码不一致";
    PasswordRejected = "password_rejected", UNPROCESSABLE_ENTITY, "新密码不符合要求";
    AccountDisabled = "account_disabled", CONFLICT, "账号已停用";
    RoleDoesNotFit = "role_does_not_fit", UNPROCESSABLE_ENTITY, "角色与机构类别不符";
    CaseNumberInvalid = "case_number_invalid", UNPROCESSABLE_ENTITY, "案号无效";
    NoPendingSecret = "no_pending_secret", BAD_REQUEST, "没有待确认的双因素密钥";
    CodeInvalid = "code_invalid", BAD_REQUEST, "验证码不正确";
    // Conflicts with what is stored.
    SecondFactorEnrolled = "second_factor_enrolled", CONFLICT, "已设置双因素认证";
    NameTaken = "name_taken", CONFLICT, "名称已被使用";
    UsernameTaken = "username_taken", CONFLICT, "用户名已被使用";
    OrgIdTaken = "org_id_taken", CONFLICT, "机构编号已被使用";
    CourtCodeTaken = "court_code_taken", CONFLICT, "法院代字已被使用";
    /// A refused event; the status of a particular refusal is in `ApiError::status` (403 for
    /// another person's approval, 409 for a reused event id) and its reason in the details.
    EventRejected = "event_rejected", UNPROCESSABLE_ENTITY, "事件被拒绝";
    // Refusals of the supervision loop (`tianping_domain::supervision` and the store).
    ActForbidden = "act_forbidden", FORBIDDEN, "该院庭长监督行为不被允许";
    NotOpenerSide = "not_opener_side", FORBIDDEN, "只有督办单位可以进行此操作";
    NotResponsibleSide = "not_responsible_side", FORBIDDEN, "只有整改单位可以进行此操作";
    NotProjectMember = "not_project_member", FORBIDDEN, "不是联合监督项目的成员";
    NotSender = "not_sender", FORBIDDEN, "只有移送单位可以进行此操作";
    NotReceiver = "not_receiver", FORBIDDEN, "只有接收单位可以进行此操作";
    NotZero = "not_zero", FORBIDDEN, "本季度已有过问记录，不能零报告";
    VerifierIsRectifier = "verifier_is_rectifier", UNPROCESSABLE_ENTITY, "整改人不能验收自己的整改";
    WrongState = "wrong_state", CONFLICT, "当前状态下不能进行此操作";
    ItemClosed = "item_closed", CONFLICT, "督办事项已办结";
    ItemNotClosed = "item_not_closed", CONFLICT, "督办事项尚未办结";
    ProjectClosed = "project_closed", CONFLICT, "联合监督项目已结束";
    Conflict = "conflict", CONFLICT, "与已保存的内容冲突";
    FlagNotActive = "flag_not_active", CONFLICT, "该标记已解除";
    AlreadyFlagged = "already_flagged", CONFLICT, "已标记";
    AlreadyAnswered = "already_answered", CONFLICT, "已答复";
    AlreadyReported = "already_reported", CONFLICT, "已报告";
    AlreadyRevisited = "already_revisited", CONFLICT, "已回访";
    AlreadyMember = "already_member", CONFLICT, "已是项目成员";
    AlreadyDone = "already_done", CONFLICT, "已完成";
    ActUnknown = "act_unknown", UNPROCESSABLE_ENTITY, "未知的监督行为";
    UnknownSituation = "unknown_situation", UNPROCESSABLE_ENTITY, "未知的四类案件情形";
    UnknownOrg = "unknown_org", UNPROCESSABLE_ENTITY, "单位不存在";
    ReferralPair = "referral_pair", UNPROCESSABLE_ENTITY, "移送只在人大常委会与政法委之间进行";
    NotProcuratorate = "not_procuratorate", FORBIDDEN, "检察监督事项只能由人民检察院提出";
    WrongAddressee = "wrong_addressee", UNPROCESSABLE_ENTITY, "所选案件不属于该监督事项针对的机关";
    UnknownCatalogueItem = "unknown_catalogue_item", UNPROCESSABLE_ENTITY, "监督事项目录中没有该事项";
    ProjectLead = "project_lead", UNPROCESSABLE_ENTITY, "牵头单位不符合要求";
    NoteRequired = "note_required", UNPROCESSABLE_ENTITY, "须填写说明或理由";
    FieldEmpty = "field_empty", UNPROCESSABLE_ENTITY, "必填项为空";
    EvidenceRequired = "evidence_required", UNPROCESSABLE_ENTITY, "须先上传整改证明材料";
    FileEmpty = "file_empty", UNPROCESSABLE_ENTITY, "文件为空";
    FileTooLarge = "file_too_large", UNPROCESSABLE_ENTITY, "文件过大";
    DateInFuture = "date_in_future", UNPROCESSABLE_ENTITY, "日期不能晚于今天";
    DueInPast = "due_in_past", UNPROCESSABLE_ENTITY, "期限不能早于今天";
    // People's supervisors (`tianping_domain::people_supervisors`, `tianping_domain::draw`).
    NotEligible = "not_eligible", UNPROCESSABLE_ENTITY, "不符合人民监督员任职条件";
    DrawRefused = "draw_refused", UNPROCESSABLE_ENTITY, "抽选条件或随机源不符合要求";
    RevealMismatch = "reveal_mismatch", UNPROCESSABLE_ENTITY, "公开的随机数与承诺值不符";
    NotInvited = "not_invited", FORBIDDEN, "不是本次活动抽中的人民监督员";
    NotSupervisable = "not_supervisable", CONFLICT, "该意见不能立督办事项";
    // The public's ratings (`tianping_domain::feedback`, `tianping_ledger::token`).
    BadToken = "bad_token", BAD_REQUEST, "二维码无效（不是本院签发或已被改动）";
    TokenExpired = "token_expired", GONE, "二维码已过有效期";
    AlreadyRated = "already_rated", CONFLICT, "该二维码已评价过";
    TooManyRatings = "too_many_ratings", TOO_MANY_REQUESTS, "同一设备今日评价次数已满";
    InvalidRating = "invalid_rating", UNPROCESSABLE_ENTITY, "评价内容不符合要求";
    FieldTooLong = "field_too_long", UNPROCESSABLE_ENTITY, "内容过长";
    OwnCase = "own_case", FORBIDDEN, "不能对本人承办案件的评价作此决定";
    AlreadyDecided = "already_decided", CONFLICT, "已作过同样的决定";
    // 失信被执行人名单 (`tianping_domain::dishonest`).
    AlreadyListed = "already_listed", CONFLICT, "已在失信名单中";
    // 典型案例 (`tianping_domain::typical`).
    AlreadyProposed = "already_proposed", CONFLICT, "该案已被推荐为典型案例";
    AlreadyAssigned = "already_assigned", CONFLICT, "该案已有人大代表正在协助";
    AssistanceClosed = "assistance_closed", CONFLICT, "法院已登记协助结果";
    LoginTaken = "login_taken", CONFLICT, "该登录账号已登记为另一位代表";
    NotPending = "not_pending", CONFLICT, "该典型案例已发布或已退回";
    UnknownUser = "unknown_user", UNPROCESSABLE_ENTITY, "没有该用户名的账号";
    AlreadyInPool = "already_in_pool", CONFLICT, "此人已在评查专家库中";
    PoolTooLarge = "pool_too_large", UNPROCESSABLE_ENTITY, "评查范围内的案件过多";
    NoCases = "no_cases", UNPROCESSABLE_ENTITY, "评查范围内没有符合条件的已结案件";
    OwnProposal = "own_proposal", FORBIDDEN, "推荐人不能审核自己推荐的典型案例";
    // Faults.
    Internal = "internal", INTERNAL_SERVER_ERROR, "服务器内部错误，已记录日志";
    Unavailable = "unavailable", SERVICE_UNAVAILABLE, "数据库暂时无法连接（可能正在切换），请稍后重试";
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Code,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    /// An error with its code's status and a message that says what in particular is wrong.
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            status: code.status(),
            code,
            message: message.into(),
            details: None,
        }
    }
    pub fn with_details(mut self, d: Value) -> ApiError {
        self.details = Some(d);
        self
    }
    /// A field of a submitted form or body that fails validation: 422 whatever the code (the same
    /// code in a query string is the code's own status, 400), with the field in the details.
    pub fn invalid_field(code: Code, field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(code, message)
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .with_details(json!({ "field": field }))
    }
    /// The form field the error names in its details (empty when none): where a page shows it.
    pub fn field(&self) -> &str {
        self.details
            .as_ref()
            .and_then(|d| d.get("field"))
            .and_then(|f| f.as_str())
            .unwrap_or("")
    }
    /// Another status than the code's own, for a code whose cases differ (`event_rejected`).
    pub fn with_status(mut self, status: StatusCode) -> ApiError {
        self.status = status;
        self
    }
    pub fn unauthenticated() -> ApiError {
        ApiError::new(Code::Unauthenticated, "请先登录")
    }
    pub fn forbidden(what: &str) -> ApiError {
        ApiError::new(Code::Forbidden, format!("当前角色无权{what}"))
    }
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(Code::NotFound, format!("{what}不存在或不在您的权限范围内"))
    }
    pub fn csrf() -> ApiError {
        ApiError::new(
            Code::CsrfTokenInvalid,
            "请求缺少有效的 CSRF 令牌（X-CSRF-Token）",
        )
    }
    /// 429: over a rate limit; the client may try again after `retry_after` seconds.
    pub fn rate_limited(retry_after: u64) -> ApiError {
        ApiError::new(
            Code::RateLimited,
            format!("请求过于频繁，请 {retry_after} 秒后再试"),
        )
        .with_details(json!({ "retry_after_seconds": retry_after }))
    }
    /// A domain or store refusal: its code's status and its Chinese reason. A refusal whose code
    /// the table lacks is a fault (`refusal_codes_are_in_the_table` lists them all).
    pub fn refused(code: &str, zh: impl Into<String>) -> ApiError {
        match Code::parse(code) {
            Some(c) => ApiError::new(c, zh),
            None => ApiError::internal(format!(
                "refusal code {code} is not in the error code table"
            )),
        }
    }
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "internal error");
        ApiError::new(Code::Internal, Code::Internal.zh())
    }
}

/// The `Retry-After` of an answer given while the database did not answer.
const RETRY_UNAVAILABLE_SECONDS: u64 = 2;

impl From<tianping_store::StoreError> for ApiError {
    fn from(e: tianping_store::StoreError) -> Self {
        match e {
            tianping_store::StoreError::Invalid(m) => ApiError::new(Code::Invalid, m),
            tianping_store::StoreError::Refused(r) => ApiError::refused(r.code, r.zh),
            // A database restarting or failing over: the caller may retry in a moment (a
            // system posting events does), and nothing of the request was kept.
            other if other.is_unreachable() => {
                tracing::warn!(error = %other, "the database did not answer");
                ApiError::new(Code::Unavailable, Code::Unavailable.zh())
                    .with_details(json!({ "retry_after_seconds": RETRY_UNAVAILABLE_SECONDS }))
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry = self
            .details
            .as_ref()
            .and_then(|d| d.get("retry_after_seconds"))
            .and_then(Value::as_u64);
        let mut body = json!({ "error": { "code": self.code.as_str(), "message": self.message } });
        if let Some(d) = self.details {
            body["error"]["details"] = d;
        }
        let mut res = (self.status, Json(body)).into_response();
        if let (StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE, Some(secs)) =
            (self.status, retry)
            && let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_code_is_snake_case_unique_and_parses_back() {
        let mut seen = BTreeSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(
                !s.is_empty() && s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{s} is not snake_case"
            );
            assert!(seen.insert(s), "{s} appears twice");
            assert_eq!(Code::parse(s), Some(*c));
            assert!(!c.zh().is_empty(), "{s} has no Chinese title");
            let status = c.status();
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{s}: {status}"
            );
        }
        assert_eq!(Code::parse("no_such_code"), None);
    }

    /// The refusal codes written in the domain and the store (`refuse("…")`, `refusal("…")`):
    /// each must be in the table, or the API would answer it as a fault.
    #[test]
    fn refusal_codes_are_in_the_table() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut found = BTreeSet::new();
        let mut dirs = vec![
            root.join("tianping-domain/src"),
            root.join("tianping-store/src"),
        ];
        while let Some(d) = dirs.pop() {
            for p in std::fs::read_dir(&d)
                .expect("source dir")
                .filter_map(|e| e.ok().map(|e| e.path()))
            {
                if p.is_dir() {
                    dirs.push(p);
                    continue;
                }
                if p.extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&p).expect("source");
                for call in ["refuse(", "refusal("] {
                    let mut rest = text.as_str();
                    while let Some(i) = rest.find(call) {
                        rest = &rest[i + call.len()..];
                        // The call's arguments, up to its closing parenthesis: every snake_case
                        // literal in them is a code (a code may be chosen by a condition).
                        let mut depth = 1;
                        let end = rest
                            .char_indices()
                            .find(|(_, c)| {
                                match c {
                                    '(' => depth += 1,
                                    ')' => depth -= 1,
                                    _ => {}
                                }
                                depth == 0
                            })
                            .map_or(rest.len(), |(j, _)| j);
                        for (k, lit) in rest[..end].split('"').enumerate() {
                            if k % 2 == 1
                                && !lit.is_empty()
                                && lit.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                            {
                                found.insert(lit.to_string());
                            }
                        }
                    }
                }
            }
        }
        assert!(
            found.len() > 20,
            "the scan found only {} refusal codes",
            found.len()
        );
        let missing: Vec<_> = found.iter().filter(|c| Code::parse(c).is_none()).collect();
        assert!(
            missing.is_empty(),
            "refusal codes missing from the error code table: {missing:?}"
        );
    }

    #[test]
    fn a_database_out_of_reach_is_unavailable_with_a_retry_not_a_fault() {
        let e = ApiError::from(tianping_store::StoreError::Db(sqlx::Error::PoolTimedOut));
        assert_eq!(
            (e.code, e.status),
            (Code::Unavailable, StatusCode::SERVICE_UNAVAILABLE)
        );
        let res = e.into_response();
        assert_eq!(res.headers()[axum::http::header::RETRY_AFTER], "2");
        let e = ApiError::from(tianping_store::StoreError::Db(sqlx::Error::RowNotFound));
        assert_eq!(e.code, Code::Internal);
    }

    #[test]
    fn an_unknown_refusal_is_a_fault_not_a_silent_status() {
        let e = ApiError::refused("no_such_refusal", "x");
        assert_eq!(e.code, Code::Internal);
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        let e = ApiError::refused("not_sender", "只有移送单位可以撤回");
        assert_eq!((e.code, e.status), (Code::NotSender, StatusCode::FORBIDDEN));
        assert_eq!(e.message, "只有移送单位可以撤回");
    }
}
