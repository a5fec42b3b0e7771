//! The role × route × confidentiality matrix (issue 19). The routes come from the router's own
//! source: every `.route("…", …)` the server registers is found and must have an entry in
//! [`POLICY`], so a new route without one fails this test. Then, for every route and every role of
//! the province (inside and outside the case's scope), on a public, a minors' and a state-secret
//! case: the expected status, never a server error, and none of the planted protected strings (a
//! minor's name, a reason naming them, a state secret's facts and party) in the body — pages, API,
//! Excel (opened) and printable reports alike. Every state-changing route refuses a request
//! without the session's CSRF token.

mod common;

use common::*;
use std::collections::BTreeSet;
use tianping_domain::AgencyKind;
use tianping_store::org::Org;
use tianping_store::retrieval::{Annotation, NewReport, ReportFilters, ReportResult};
use tianping_store::{Actor, Numbered};

const MINOR: &str = "李小明";
const MINOR_REASON: &str = "李小明住院治疗";
const SECRET_FACT: &str = "刺探军事设施坐标";
const SECRET_PARTY: &str = "赵秘密";
const PROTECTED: &[&str] = &[MINOR, MINOR_REASON, SECRET_FACT, SECRET_PARTY];

const PUBLIC_CASE: &str = "（2025）浙0102民初7号";
const MINORS_CASE: &str = "（2026）浙0102刑初1号";
const SECRET_CASE: &str = "（2026）浙0102刑初2号";
const OTHER_COURT_CASE: &str = "（2026）浙0106民初3号";

/// What a route is, for the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// Anyone, without logging in.
    Open,
    /// Any logged-in user.
    Anyone,
    /// Reads one case by `{id}`: readers of cases in scope get it; others 403/404.
    Case,
    /// Only these roles (others 403 or 404).
    Only(&'static [Role]),
    /// Decided by the handler from role, organisation and record (checked for the invariants:
    /// no server error, no protected string, no entry without logging in).
    Scoped,
    /// A state change: refused without the session's CSRF token.
    Write,
    /// Logging in and out (their own CSRF defences are tested in security.rs).
    Session,
    /// Posting events: a session with its CSRF token, or an agency system's bearer token.
    Events,
}

use Policy::*;

const SYS: &[Role] = &[Role::Sysadmin];
const SEC: &[Role] = &[Role::Secadmin];
const ADMINS: &[Role] = &[Role::Sysadmin, Role::Secadmin];
const AUDITOR: &[Role] = &[Role::Auditor];

/// Every route the server registers, by method and path, and what it is.
const POLICY: &[(&str, &str, Policy)] = &[
    ("GET", "/healthz", Open),
    ("GET", "/metrics", Open),
    ("GET", "/assets/app.css", Open),
    ("GET", "/api/docs", Open),
    ("GET", "/api/docs/", Open),
    ("GET", "/api/docs/{*file}", Open),
    ("GET", "/api/v1/openapi.json", Anyone),
    ("GET", "/", Open),
    ("GET", "/login", Open),
    ("POST", "/login", Session),
    ("POST", "/logout", Write),
    ("GET", "/home", Anyone),
    ("GET", "/todo", Anyone),
    ("GET", "/cases", Scoped),
    ("GET", "/cases/export.xlsx", Scoped),
    ("GET", "/cases/{id}", Case),
    ("GET", "/incidents/samples", Scoped),
    ("POST", "/incidents/samples", Write),
    ("GET", "/incidents/samples/{id}", Scoped),
    ("GET", "/api/v1/incident-samples", Scoped),
    ("POST", "/api/v1/incident-samples", Write),
    ("GET", "/api/v1/incident-samples/{id}", Scoped),
    ("GET", "/supervisors", Scoped),
    ("POST", "/supervisors", Write),
    ("GET", "/supervisors/report", Scoped),
    ("GET", "/supervisors/report.xlsx", Scoped),
    ("GET", "/supervisors/{id}", Scoped),
    ("POST", "/supervisors/{id}/remove", Write),
    ("POST", "/supervisors/{id}/records", Write),
    ("POST", "/supervisors/{id}/allowances", Write),
    ("POST", "/supervisors/assessments", Write),
    ("GET", "/supervisor-activities", Scoped),
    ("POST", "/supervisor-activities", Write),
    ("POST", "/supervisor-activities/own", Write),
    ("GET", "/supervisor-activities/{id}", Scoped),
    ("POST", "/supervisor-activities/{id}/draw", Write),
    ("POST", "/supervisor-activities/{id}/opinions", Write),
    ("POST", "/supervisor-draws/{id}/values", Write),
    ("POST", "/supervisor-draws/{id}/abort", Write),
    ("GET", "/supervisor-draws/{id}/verify", Scoped),
    ("POST", "/supervisor-invitations/{id}/act", Write),
    ("POST", "/supervisor-opinions/{id}/answer", Write),
    ("POST", "/supervisor-opinions/{id}/supervise", Write),
    ("GET", "/api/v1/supervisor-activities", Scoped),
    ("POST", "/api/v1/supervisor-activities", Write),
    ("GET", "/api/v1/supervisor-draws/{id}", Scoped),
    ("GET", "/persons", Scoped),
    ("POST", "/persons", Write),
    ("GET", "/persons/{id}", Scoped),
    ("GET", "/api/v1/persons/{id}", Scoped),
    ("GET", "/admin/users", Only(ADMINS)),
    ("POST", "/admin/users", Write),
    ("POST", "/admin/users/{username}/grant", Write),
    ("POST", "/admin/users/{username}/disable", Write),
    ("POST", "/admin/users/{username}/enable", Write),
    ("POST", "/admin/users/{username}/unlock", Write),
    ("POST", "/admin/users/{username}/password", Write),
    ("GET", "/admin/orgs", Only(SYS)),
    ("POST", "/admin/orgs", Write),
    ("GET", "/api/v1/admin/users", Only(ADMINS)),
    ("POST", "/api/v1/admin/users", Write),
    ("POST", "/api/v1/admin/users/{username}/grant", Write),
    ("POST", "/api/v1/admin/users/{username}/disable", Write),
    ("POST", "/api/v1/admin/users/{username}/enable", Write),
    ("POST", "/api/v1/admin/users/{username}/unlock", Write),
    ("POST", "/api/v1/admin/users/{username}/password", Write),
    ("GET", "/api/v1/admin/orgs", Only(SYS)),
    ("POST", "/api/v1/admin/orgs", Write),
    ("GET", "/admin/calendar", Only(SYS)),
    ("POST", "/admin/calendar", Write),
    ("GET", "/admin/systems", Only(SEC)),
    ("GET", "/audit/reads", Only(AUDITOR)),
    ("GET", "/api/v1/audit/confidential-reads", Only(AUDITOR)),
    ("GET", "/api/v1/audit/admin-actions", Only(AUDITOR)),
    ("POST", "/admin/systems", Write),
    ("POST", "/admin/systems/{id}/revoke", Write),
    ("GET", "/warnings", Scoped),
    ("GET", "/warnings/export.xlsx", Scoped),
    ("POST", "/warnings/ack", Write),
    ("POST", "/warnings/letters", Write),
    ("POST", "/warnings/{id}/ack", Write),
    ("GET", "/ledger", Only(AUDITOR)),
    ("POST", "/ledger/witness", Write),
    ("POST", "/ledger/cosignatures", Write),
    ("GET", "/ledger/find", Only(AUDITOR)),
    ("GET", "/ledger/case", Only(AUDITOR)),
    ("GET", "/ledger/leaves/{index}", Only(AUDITOR)),
    ("GET", "/ledger/checkpoints/{id}", Only(AUDITOR)),
    ("POST", "/cases/{id}/letters", Write),
    ("GET", "/cases/{id}/letters/new", Scoped),
    ("GET", "/letters/{id}", Scoped),
    ("GET", "/letters/drafts/{id}", Scoped),
    ("POST", "/letters/drafts/{id}/sign", Write),
    ("POST", "/letters/drafts/{id}/return", Write),
    ("POST", "/letters/drafts/{id}/withdraw", Write),
    ("GET", "/clock-changes", Scoped),
    ("GET", "/nodes", Scoped),
    ("GET", "/risks", Scoped),
    ("POST", "/clock-changes/ack", Write),
    ("POST", "/cases/{id}/flags", Write),
    ("GET", "/cases/{id}/similar", Case),
    ("POST", "/cases/{id}/similar/reports", Write),
    ("GET", "/cases/{id}/similar/reports/{rid}", Case),
    (
        "POST",
        "/cases/{id}/similar/reports/{rid}/conclusion",
        Write,
    ),
    ("POST", "/deviation-warnings/{id}/ack", Write),
    ("POST", "/flags/{id}/clear", Write),
    ("POST", "/cases/{id}/acts", Write),
    ("POST", "/acts/{id}/answer", Write),
    ("GET", "/interference", Scoped),
    ("POST", "/interference", Write),
    ("POST", "/interference/zero", Write),
    ("GET", "/interference/export.xlsx", Scoped),
    ("GET", "/supervision", Scoped),
    ("POST", "/supervision", Write),
    ("GET", "/supervision/export.xlsx", Scoped),
    ("GET", "/supervision/ledger.docx", Scoped),
    ("GET", "/supervision/{id}", Scoped),
    ("POST", "/supervision/{id}/actions", Write),
    ("POST", "/supervision/{id}/evidence", Write),
    ("GET", "/supervision/{id}/evidence/{eid}", Scoped),
    ("GET", "/referrals", Scoped),
    ("POST", "/referrals", Write),
    ("GET", "/referrals/{id}", Scoped),
    ("POST", "/referrals/{id}/actions", Write),
    ("GET", "/projects", Scoped),
    ("POST", "/projects", Write),
    ("GET", "/projects/{id}", Scoped),
    ("POST", "/projects/{id}/actions", Write),
    ("GET", "/quality", Scoped),
    ("GET", "/quality/cases", Scoped),
    ("GET", "/quality/cases.xlsx", Scoped),
    ("GET", "/quality/export.xlsx", Scoped),
    ("GET", "/quality/report", Scoped),
    ("GET", "/quality/report.docx", Scoped),
    ("GET", "/judgments", Scoped),
    ("GET", "/judgments/{id}", Scoped),
    ("GET", "/mailbox", Anyone),
    ("GET", "/account/security", Anyone),
    ("POST", "/account/security/totp", Write),
    ("POST", "/admin/users/{username}/totp-reset", Write),
    ("POST", "/api/v1/session/totp", Session),
    ("POST", "/api/v1/me/totp/enrol", Write),
    ("POST", "/api/v1/me/password", Write),
    ("POST", "/account/security/password", Write),
    ("POST", "/api/v1/me/totp/confirm", Write),
    ("POST", "/api/v1/admin/users/{username}/totp-reset", Write),
    ("POST", "/mailbox/preferences", Write),
    ("GET", "/mailbox/confirm", Anyone),
    ("POST", "/mailbox/confirm", Write),
    // the JSON API
    ("POST", "/api/v1/session", Session),
    ("DELETE", "/api/v1/session", Write),
    ("GET", "/api/v1/me", Anyone),
    ("GET", "/api/v1/me/todo", Anyone),
    ("GET", "/api/v1/cases", Scoped),
    ("GET", "/api/v1/cases/{id}", Case),
    ("POST", "/api/v1/events", Events),
    ("POST", "/api/v1/events/batch", Events),
    ("GET", "/api/v1/case-numbers/parse", Open),
    ("GET", "/api/v1/cases/{id}/clocks", Case),
    ("GET", "/api/v1/cases/{id}/similar", Case),
    (
        "POST",
        "/api/v1/cases/{id}/similar/reports/{rid}/conclusion",
        Write,
    ),
    ("GET", "/api/v1/deviation-warnings", Scoped),
    ("POST", "/api/v1/deviation-warnings/{id}/ack", Write),
    ("POST", "/api/v1/cases/{id}/letters", Write),
    ("GET", "/api/v1/warnings", Scoped),
    ("POST", "/api/v1/warnings/ack", Write),
    ("POST", "/api/v1/warnings/{id}/ack", Write),
    ("GET", "/api/v1/clock-changes", Scoped),
    ("GET", "/api/v1/process-nodes", Scoped),
    ("GET", "/api/v1/risk-hits", Scoped),
    ("GET", "/api/v1/clocks/self-check", Scoped),
    ("GET", "/api/v1/rules", Anyone),
    ("POST", "/api/v1/me/notifications", Write),
    ("GET", "/api/v1/ledger", Only(AUDITOR)),
    ("GET", "/api/v1/ledger/leaves/{index}/proof", Only(AUDITOR)),
    ("GET", "/api/v1/ledger/records/{table}/{key}", Only(AUDITOR)),
    ("GET", "/api/v1/ledger/consistency", Only(AUDITOR)),
    ("POST", "/api/v1/ledger/witness", Write),
    ("POST", "/api/v1/ledger/cosignatures", Write),
    ("GET", "/api/v1/metrics", Scoped),
    ("GET", "/api/v1/metrics/cases", Scoped),
    ("GET", "/api/v1/cases/{id}/flags", Case),
    ("POST", "/api/v1/cases/{id}/flags", Write),
    ("POST", "/api/v1/flags/{id}/clear", Write),
    ("POST", "/api/v1/cases/{id}/acts", Write),
    ("POST", "/api/v1/acts/{id}/answer", Write),
    ("GET", "/api/v1/interference", Scoped),
    ("POST", "/api/v1/interference", Write),
    ("POST", "/api/v1/interference/zero-report", Write),
    ("GET", "/api/v1/supervision/items", Scoped),
    ("POST", "/api/v1/supervision/items", Write),
    ("GET", "/api/v1/supervision/items/{id}", Scoped),
    ("GET", "/api/v1/supervision/catalogue", Anyone),
    ("POST", "/api/v1/supervision/items/{id}/actions", Write),
    ("POST", "/api/v1/supervision/items/{id}/evidence", Write),
    ("GET", "/api/v1/referrals", Scoped),
    ("POST", "/api/v1/referrals", Write),
    ("POST", "/api/v1/referrals/{id}/actions", Write),
    ("GET", "/api/v1/projects", Scoped),
    ("POST", "/api/v1/projects", Write),
    ("GET", "/api/v1/projects/{id}", Scoped),
    ("POST", "/api/v1/projects/{id}/actions", Write),
    // The public's ratings (issue 24): the rating page needs no login; the court's side is
    // decided by role, court and record.
    ("GET", "/r/{token}", Open),
    ("POST", "/r/{token}", Open),
    ("GET", "/r/{token}/qr.svg", Open),
    ("GET", "/cases/{id}/feedback-codes", Scoped),
    ("POST", "/cases/{id}/feedback-codes", Write),
    ("GET", "/feedback/windows", Scoped),
    ("POST", "/feedback/windows", Write),
    ("GET", "/feedback", Scoped),
    ("GET", "/feedback/ratings", Scoped),
    ("GET", "/feedback/ratings/{id}", Scoped),
    ("POST", "/feedback/ratings/{id}/decide", Write),
    ("POST", "/api/v1/cases/{id}/feedback-tokens", Write),
    ("GET", "/api/v1/feedback/index", Scoped),
    ("GET", "/api/v1/feedback/ratings", Scoped),
    // 失信被执行人名单: the court's execution staff keep it; the public list needs no login.
    ("GET", "/dishonest", Scoped),
    ("POST", "/dishonest", Write),
    ("GET", "/dishonest/{id}", Scoped),
    ("POST", "/dishonest/{id}/cause", Write),
    ("POST", "/dishonest/{id}/delete", Write),
    ("GET", "/public/dishonest", Open),
    ("GET", "/api/v1/dishonest", Scoped),
    ("GET", "/typical", Scoped),
    ("POST", "/typical", Write),
    ("GET", "/typical/{id}", Scoped),
    ("POST", "/typical/{id}/approve", Write),
    ("POST", "/typical/{id}/return", Write),
    ("GET", "/public/typical", Open),
    ("GET", "/public/typical/{id}", Open),
    ("GET", "/api/v1/typical-cases", Scoped),
    ("GET", "/refusals", Scoped),
    ("POST", "/refusals", Write),
    ("GET", "/refusals/{id}", Scoped),
    ("POST", "/refusals/{id}/steps", Write),
    ("GET", "/api/v1/refusal-referrals", Scoped),
    // Deputies at work: the registry, the 终本 cases given to deputies, the campaigns.
    ("GET", "/deputies", Scoped),
    ("POST", "/deputies", Write),
    ("GET", "/deputies/cases", Scoped),
    ("POST", "/deputies/cases", Write),
    ("GET", "/deputies/cases/{id}", Scoped),
    ("POST", "/deputies/cases/{id}/actions", Write),
    ("POST", "/deputies/cases/{id}/result", Write),
    ("GET", "/campaigns", Scoped),
    ("POST", "/campaigns", Write),
    ("GET", "/campaigns/{id}", Scoped),
    ("GET", "/api/v1/deputies", Scoped),
    ("GET", "/api/v1/deputy-assignments", Scoped),
    ("GET", "/api/v1/campaigns/{id}", Scoped),
    ("GET", "/deputies/invitations", Scoped),
    ("POST", "/deputies/invitations", Write),
    ("GET", "/deputies/invitations/{id}", Scoped),
    ("POST", "/deputies/invitations/{id}/act", Write),
    ("GET", "/api/v1/deputy-invitations", Scoped),
    ("GET", "/deputies/suggestions", Scoped),
    ("POST", "/deputies/suggestions", Write),
    ("GET", "/deputies/suggestions/{id}", Scoped),
    ("POST", "/deputies/suggestions/{id}/step", Write),
    ("POST", "/deputies/suggestions/{id}/hand", Write),
    ("POST", "/deputies/suggestions/{id}/follow", Write),
    ("GET", "/api/v1/deputy-suggestions", Scoped),
    ("GET", "/deputies/surveys", Scoped),
    ("POST", "/deputies/surveys", Write),
    ("GET", "/deputies/surveys/{id}", Scoped),
    ("POST", "/deputies/surveys/{id}/answer", Write),
    ("GET", "/deputies/surveys/{id}/results.xlsx", Scoped),
    ("GET", "/deputies/surveys/{id}/links.xlsx", Scoped),
    ("GET", "/s/{token}", Open),
    ("POST", "/s/{token}", Open),
    ("GET", "/api/v1/deputy-surveys/{id}/results", Scoped),
    ("GET", "/evaluations", Anyone),
    ("POST", "/evaluations", Write),
    ("GET", "/evaluations/experts", Scoped),
    ("POST", "/evaluations/experts", Write),
    ("POST", "/evaluations/experts/{id}/remove", Write),
    ("GET", "/evaluations/{id}", Scoped),
    ("GET", "/evaluations/{id}/pool.txt", Scoped),
    ("GET", "/evaluations/{id}/results.xlsx", Scoped),
    ("POST", "/evaluations/{id}/due", Write),
    ("GET", "/evaluations/cases/{id}", Scoped),
    ("POST", "/evaluations/cases/{id}/act", Write),
    ("POST", "/evaluations/cases/{id}/assign", Write),
    ("GET", "/api/v1/evaluation-plans/{id}", Scoped),
    ("GET", "/api/v1/evaluation-cases/{id}", Scoped),
    ("POST", "/api/v1/evaluation-cases/{id}/acts", Write),
    ("GET", "/evaluations/self-checks", Scoped),
    ("POST", "/evaluations/self-checks/{id}", Write),
    ("GET", "/api/v1/self-checks", Scoped),
    ("POST", "/api/v1/self-checks/{id}", Write),
    ("GET", "/proofreading", Scoped),
    ("GET", "/cases/{id}/proofreading", Scoped),
    ("POST", "/cases/{id}/proofreading", Write),
    ("POST", "/proofreading/{draft}/findings/{seq}", Write),
    ("GET", "/proofreading/{draft}/text", Scoped),
    ("GET", "/api/v1/proofreading", Scoped),
    ("GET", "/api/v1/cases/{id}/proofreading", Scoped),
    ("POST", "/api/v1/cases/{id}/proofreading", Write),
    ("GET", "/api/v1/proofreading/{draft}", Scoped),
    ("POST", "/api/v1/proofreading/{draft}/findings/{seq}", Write),
    ("GET", "/api/v1/admin/system-clients", Only(SEC)),
    ("POST", "/api/v1/admin/system-clients", Write),
    ("POST", "/api/v1/admin/system-clients/{id}/revoke", Write),
];

/// The routes the server's source registers: `(method, path)`, with `/api/v1` before the routes of
/// each capability's `api_router`.
fn registered_routes() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeSet::new();
    // Every source file, capability directories included.
    let mut files = vec![];
    let mut dirs = vec![dir];
    while let Some(d) = dirs.pop() {
        for p in std::fs::read_dir(&d)
            .expect("src")
            .filter_map(|e| e.ok().map(|e| e.path()))
        {
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("source");
        let mut prefix = "";
        let mut rest = text.as_str();
        while let Some(i) = rest.find(".route(") {
            // The function the call is in: the last `fn NAME(` before it.
            let before = &rest[..i];
            if let Some(fi) = before.rfind("fn ") {
                let name: String = before[fi + 3..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    prefix = if name == "api_router" { "/api/v1" } else { "" };
                }
            }
            let call = &rest[i + ".route(".len()..];
            // The call's text up to its closing parenthesis.
            let mut depth = 1;
            let mut end = call.len();
            for (j, c) in call.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let args = &call[..end];
            let path = args
                .split('"')
                .nth(1)
                .expect("a route's path is a string literal");
            for (token, method) in [
                ("get(", "GET"),
                ("post(", "POST"),
                ("delete(", "DELETE"),
                ("put(", "PUT"),
                ("patch(", "PATCH"),
            ] {
                if args.contains(token) {
                    out.insert((method.to_string(), format!("{prefix}{path}")));
                }
            }
            rest = &call[end..];
        }
    }
    out
}

#[test]
fn every_registered_route_has_an_entry_in_the_matrix() {
    let registered = registered_routes();
    assert!(
        registered.len() > 90,
        "the scan found {} routes",
        registered.len()
    );
    let listed: BTreeSet<(String, String)> = POLICY
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes without an entry in the matrix (add them to POLICY): {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(
        stale.is_empty(),
        "matrix entries for routes that no longer exist: {stale:?}"
    );
}

fn records(v: &[Value]) -> Vec<Numbered> {
    v.iter()
        .enumerate()
        .map(|(i, r)| Numbered {
            line: i as u64 + 1,
            record: serde_json::from_value(r.clone()).expect("record"),
        })
        .collect()
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date")
}

/// Which of the matrix's court cases a user reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// 上城's own staff: 上城's cases, not 西湖's.
    Home,
    /// 西湖's staff: 西湖's case only.
    OtherCourt,
    /// The intermediate court and the city's 政法委 and 人大: all four.
    Above,
    /// A procuratorate or police unit: no court case.
    OtherKind,
    /// Roles that read no case files.
    NoCases,
}

/// The users of the matrix: every role, none cleared for confidential cases.
const USERS: &[(&str, &str, Role, Reach)] = &[
    ("m_judge", "sc-court", Role::Judge, Reach::Home),
    ("m_clerk", "sc-court", Role::Clerk, Reach::Home),
    ("m_chief", "sc-court", Role::DivisionChief, Reach::Home),
    ("m_president", "sc-court", Role::President, Reach::Home),
    ("m_office", "sc-court", Role::CaseOffice, Reach::Home),
    ("m_xh_judge", "xh-court", Role::Judge, Reach::OtherCourt),
    ("m_hz_office", "hz-court", Role::CaseOffice, Reach::Above),
    ("m_proc", "sc-proc", Role::CaseOffice, Reach::OtherKind),
    ("m_police", "sc-police", Role::Judge, Reach::OtherKind),
    ("m_plc", "hz-plc", Role::PlcSupervisor, Reach::Above),
    ("m_pc", "hz-pc", Role::PcSupervisor, Reach::Above),
    ("m_deputy", "hz-pc", Role::Deputy, Reach::NoCases),
    (
        "m_justice",
        "hz-justice",
        Role::JusticeAdmin,
        Reach::NoCases,
    ),
    (
        "m_lay",
        "hz-justice",
        Role::PeopleSupervisor,
        Reach::NoCases,
    ),
    ("m_eval", "hz-plc", Role::Evaluator, Reach::NoCases),
    ("m_sys", "zj-court", Role::Sysadmin, Reach::NoCases),
    ("m_sec", "zj-court", Role::Secadmin, Reach::NoCases),
    ("m_audit", "zj-court", Role::Auditor, Reach::NoCases),
];

struct World {
    app: Router,
    /// Case ids: public, minors', state secret (上城), and another court's (西湖).
    cases: [i64; 4],
    reports: Vec<(i64, i64)>,
    warning: i64,
    letter: i64,
    /// A 送签稿 of 上城's.
    draft: i64,
    /// A rating code of the minors' case (rated badly, with words naming the minor).
    token: String,
    /// m_deputy's signed link to the survey (`/s/{token}`), already answered.
    survey_token: String,
}

async fn world(db: &TestDb) -> World {
    let s = &db.store;
    load_fixture_orgs(s).await.expect("orgs");
    s.insert_org(
        &Org {
            id: "hz-justice".into(),
            parent_id: None,
            name: "杭州市司法局".into(),
            kind: AgencyKind::JusticeBureau,
            level: tianping_domain::Level::City,
            region_code: "3301".into(),
            region_path: "/33/3301/".into(),
            court_code: None,
        },
        now(),
    )
    .await
    .expect("org");
    for (u, org, role, _) in USERS {
        add_user(s, u, org, *role, Clearance::default()).await;
    }
    let events = [
        ev(
            "p1",
            PUBLIC_CASE,
            "2025-06-02T09:00:00+08:00",
            "filed",
            json!({"cause": "买卖合同纠纷", "parties": [{"name": "甲公司", "role": "原告", "kind": "legal"}]}),
        ),
        ev(
            "p2",
            PUBLIC_CASE,
            "2025-06-03T09:00:00+08:00",
            "assigned",
            json!({"judge": "m_judge-name"}),
        ),
        ev(
            "m1",
            MINORS_CASE,
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "盗窃", "charges": ["盗窃罪"], "parties": [{"name": MINOR, "role": "被告人", "minor": true}]}),
        ),
        ev(
            "m2",
            MINORS_CASE,
            "2026-03-05T09:00:00+08:00",
            "adjourned",
            json!({"reason": MINOR_REASON}),
        ),
        ev(
            "m3",
            MINORS_CASE,
            "2026-03-06T09:00:00+08:00",
            "complaint_received",
            json!({"against": "承办法官", "summary": format!("{MINOR}的家属反映")}),
        ),
        ev(
            "s1",
            SECRET_CASE,
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": SECRET_FACT, "charges": ["为境外刺探、非法提供国家秘密罪"], "confidentiality": "state_secret", "parties": [{"name": SECRET_PARTY, "role": "被告人"}]}),
        ),
        ev(
            "o1",
            OTHER_COURT_CASE,
            "2026-03-02T09:00:00+08:00",
            "filed",
            json!({"cause": "劳动争议"}),
        ),
    ];
    let r = s
        .ingest(&records(&events), &Actor::system("cms"), now())
        .await
        .expect("ingest");
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    s.poll(now(), 1000).await.expect("poll");
    let id = |n: &str| {
        let n = n.to_string();
        async move {
            s.case_id_by_number(&n)
                .await
                .expect("case")
                .expect("exists")
        }
    };
    let cases = [
        id(PUBLIC_CASE).await,
        id(MINORS_CASE).await,
        id(SECRET_CASE).await,
        id(OTHER_COURT_CASE).await,
    ];
    let president = s
        .user_by_username("m_president")
        .await
        .expect("user")
        .expect("exists");
    let mut reports = vec![];
    // The minors' report: its facts, shared words and note name the minor (the results are
    // public judgments). The state secret's: its results' titles name the secret party too.
    for (case, facts, title) in [
        (cases[1], MINOR_REASON, "张某盗窃案判决书".to_string()),
        (cases[2], SECRET_FACT, format!("{SECRET_PARTY}案判决书")),
    ] {
        let rid = s
            .save_report(
                &NewReport {
                    case_id: case,
                    query_facts: facts.into(),
                    query_charges: vec!["盗窃罪".into()],
                    filters: ReportFilters::default(),
                    snapshot_last_id: 0,
                    snapshot_count: 0,
                    ranking_version: "similar-3".into(),
                    results: vec![ReportResult {
                        rank: 1,
                        judgment_id: 1,
                        score: 1.0,
                        facts: 1.0,
                        text: 1.0,
                        charges: 1.0,
                        shared_charges: vec![],
                        shared_words: vec![MINOR.into()],
                        shared_articles: vec![],
                        title,
                        court: None,
                        case_number: None,
                        decided_on: None,
                        outcome: "有期徒刑三年".into(),
                        annotation: Annotation::Refer,
                        note: MINOR.into(),
                        coverage: None,
                        source: String::new(),
                    }],
                },
                &president,
                now(),
            )
            .await
            .expect("report");
        reports.push((case, rid));
    }
    let board = s
        .board(
            &tianping_store::clocks::BoardQuery {
                region_prefix: "/".into(),
                limit: 100,
                ..Default::default()
            },
            now(),
        )
        .await
        .expect("board");
    let warning = board
        .iter()
        .find_map(|l| l.warning_id)
        .expect("the overdue public case has a warning");
    // A 督办函 on the minors' case whose words name the minor.
    let letter = s
        .issue_letter(
            &tianping_store::clocks::NewLetter {
                kind: "supervision",
                case_id: cases[1],
                warning_id: None,
                org_id: "sc-court",
                org_code: "浙0102",
                issued_by: president.id,
                addressee: "刑事审判庭",
                reply_by: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default(),
                body: &format!("{MINOR}案久拖未决，请说明理由。\n\n审理期限：届满日 2026-05-06（已超期），适用规则 x；依据：y"),
            },
            now(),
        )
        .await
        .expect("letter");
    // A draft 督办函 on the same case, waiting for a president's signature, naming the minor.
    let draft = s
        .draft_letter(
            &tianping_store::clocks::NewLetter {
                kind: "supervision",
                case_id: cases[1],
                warning_id: None,
                org_id: "sc-court",
                org_code: "浙0102",
                issued_by: president.id,
                addressee: "刑事审判庭",
                reply_by: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default(),
                body: &format!("{MINOR}案久拖未决，请说明理由。"),
            },
            now(),
        )
        .await
        .expect("draft");
    people_supervisors(s, cases[1]).await;
    let token = ratings(s, &cases).await;
    typical_case(s, cases[1]).await;
    refusal_referrals(s, cases[1], cases[2]).await;
    let survey_token = deputies(s, cases[1], cases[2]).await;
    evaluations(s).await;
    // The matrix sends thousands of requests at one fixed instant: no rate limits here (they
    // are tested in security.rs).
    let unlimited = tianping_server::auth::Policy {
        totp_required: vec![],
        ..tianping_server::auth::Policy::default()
    }
    .with_limits(tianping_server::rate::RateLimits {
        login_per_addr: 0,
        api_per_addr: 0,
        per_user: 0,
    });
    World {
        app: app_with(s, now(), unlimited),
        cases,
        reports,
        warning,
        letter: letter.id,
        draft: draft.id,
        token,
        survey_token,
    }
}

/// Rating codes of 上城's three cases and a window, each rated: the minors' and the state
/// secret's badly, with a phone and words naming what their cases hide. Returns the minors'
/// case's token.
async fn ratings(s: &tianping_store::Store, cases: &[i64; 4]) -> String {
    use tianping_domain::feedback::{RatingInput, check_rating, rules};
    let office = s
        .user_by_username("m_office")
        .await
        .expect("rating fixture")
        .expect("rating fixture");
    let key = feedback_key();
    let mut minors_token = String::new();
    for (i, (case, comment)) in [
        (Some(cases[0]), "审理及时"),
        (Some(cases[1]), MINOR_REASON),
        (Some(cases[2]), SECRET_FACT),
        (None, "窗口服务好"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = [i as u8 + 1; 16];
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let expires = now() + chrono::Duration::days(365);
        let scope = if case.is_some() {
            tianping_ledger::Scope::CaseParty
        } else {
            tianping_ledger::Scope::Window
        };
        s.issue_feedback_token(
            &tianping_store::feedback::NewToken {
                token_id: &hex,
                scope: scope.as_str(),
                court_id: "sc-court",
                case_id: case,
                label: if case.is_some() {
                    "原告"
                } else {
                    "立案窗口"
                },
                expires_at: expires,
            },
            &office,
            now(),
        )
        .await
        .expect("rating fixture");
        let row = s
            .feedback_token(&hex)
            .await
            .expect("rating fixture")
            .expect("rating fixture");
        let level = if i == 1 || i == 2 { 1 } else { 5 };
        let r = check_rating(
            rules(),
            &RatingInput {
                level: Some(level),
                aspects: &[],
                comment,
                name: if i == 1 { MINOR } else { "" },
                phone: "13900001111",
            },
        )
        .expect("rating fixture");
        s.rate(&row, &r, None, now()).await.expect("rating fixture");
        if i == 1 {
            minors_token = key.sign_token(&tianping_ledger::Token {
                id,
                scope,
                expires: expires.timestamp(),
            });
        }
    }
    minors_token
}

/// The minors' case released as a typical case (`{id}` = 1): its summary named the minor before
/// the domain anonymised it, so no page — the public one least of all — may show the name.
async fn typical_case(s: &tianping_store::Store, minors_case: i64) {
    use tianping_domain::case::{Confidentiality, Party, PartyKind};
    use tianping_domain::typical::{Anonymiser, ProposalInput, Side, check_proposal, rules};
    let anon = Anonymiser::new(&[Party {
        name: MINOR.into(),
        role: "被告人".into(),
        kind: PartyKind::Natural,
        minor: true,
        id_number: None,
    }]);
    let summary = format!(
        "被告人{MINOR}盗窃他人财物，经法院审理依法判处刑罚，其家属积极退赔，取得被害人谅解。"
    );
    let p = check_proposal(
        rules(),
        &ProposalInput {
            category: "similar_case_guide",
            title: "未成年人盗窃案",
            summary: &summary,
            significance: "本案对未成年人犯罪坚持教育为主、惩罚为辅的原则，具有指引意义。",
            text: "",
            charges: &[],
            case_closed: true,
            confidentiality: Confidentiality::Minors,
        },
        &anon,
    )
    .expect("typical fixture");
    assert!(!p.summary.contains(MINOR));
    let user = |n: &'static str| async move {
        s.user_by_username(n).await.expect("user").expect("exists")
    };
    let id = s
        .propose_typical(minors_case, &p, Side::Court, &user("m_judge").await, now())
        .await
        .expect("typical fixture");
    s.approve_typical(id, Side::Court, &user("m_chief").await, now())
        .await
        .expect("typical fixture");
    s.approve_typical(id, Side::Procuratorate, &user("m_proc").await, now())
        .await
        .expect("typical fixture");
}

/// An evaluation plan of 上城 (`{id}` = 1) over the minors', the state secret's and the public
/// case (evaluated case 1 is the minors'): the two confidential ones go to the one expert cleared
/// for them, who scores them with reasons naming what they hide; m_eval, a third-party evaluator
/// with no clearance, gets the public one.
async fn evaluations(s: &tianping_store::Store) {
    use tianping_domain::evaluation::PlanKind;
    use tianping_domain::evaluation::review::{Act, Stage};
    add_user(
        s,
        "m_eval_cleared",
        "xh-court",
        Role::Judge,
        Clearance(vec![
            tianping_domain::Confidentiality::Minors,
            tianping_domain::Confidentiality::StateSecret,
        ]),
    )
    .await;
    let office = s.user_by_username("m_office").await.expect("u").expect("u");
    for (u, kind) in [("m_eval", "lawyer"), ("m_eval_cleared", "judge")] {
        s.add_evaluation_expert("sc-court", u, kind, "", &office, now())
            .await
            .expect("expert");
    }
    let made = s
        .make_evaluation_plan(
            &tianping_store::evaluation::PlanInput {
                org_id: "sc-court".into(),
                region_path: "/33/3301/330102/".into(),
                kind: PlanKind::Special,
                title: "涉未成年人和涉密案件专项评查".into(),
                agency: AgencyKind::Court,
                sheet_id: "court_case".into(),
                sheet_version: 1,
                closed_from: "2025-01-01".parse().expect("d"),
                closed_to: "2026-05-31".parse().expect("d"),
                percent: 0,
                min_per_judge: 0,
                signals: vec![],
                criteria: "保密和未成年人保护措施是否落实".into(),
                case_numbers: vec![MINORS_CASE.into(), SECRET_CASE.into(), PUBLIC_CASE.into()],
                cross: false,
                experts: vec![],
                due: "2026-06-30".parse().expect("d"),
                seed: "matrix".into(),
            },
            &office,
            now(),
        )
        .await
        .expect("plan");
    assert_eq!(made.unassigned, 0);
    let rows = s.evaluation_cases(made.id).await.expect("cases");
    let cleared = s
        .user_by_username("m_eval_cleared")
        .await
        .expect("u")
        .expect("u");
    for (number, note) in [(MINORS_CASE, MINOR_REASON), (SECRET_CASE, SECRET_FACT)] {
        let c = rows
            .iter()
            .find(|c| c.case_number == number)
            .expect("drawn");
        assert_eq!(c.evaluator_user_id, Some(cleared.id));
        s.act_on_evaluation(
            &tianping_store::evaluation::ActInput {
                id: c.id,
                act: Act::Score,
                deductions: Some(
                    serde_json::to_string(&json!([{"item": "3.1", "points": 12, "note": note}]))
                        .expect("json"),
                ),
                score: Some(88),
                grade: Some("合格".into()),
                passes: true,
                opens_item: false,
                note: String::new(),
                problems: vec![],
            },
            Stage::Assigned,
            &cleared,
            now(),
        )
        .await
        .expect("score");
    }
}

/// 拒执 referrals naming the minor (`{id}` = 1, with a step of the police) and the state secret's
/// party: only readers cleared for the case see the debtor or the facts.
async fn refusal_referrals(s: &tianping_store::Store, minors_case: i64, secret_case: i64) {
    use tianping_store::refusal::NewReferral;
    let judge = s
        .user_by_username("m_judge")
        .await
        .expect("user")
        .expect("exists");
    let day = |d: &str| d.parse::<chrono::NaiveDate>().expect("date");
    let facts = format!("{MINOR_REASON}期间，其监护人转移名下财产，拒不履行赔偿义务。");
    let one = s
        .refer_refusal(
            &NewReferral {
                case_id: minors_case,
                police_org_id: "sc-police",
                debtor: MINOR,
                facts: &facts,
                referred_on: day("2026-03-10"),
            },
            &judge,
            now(),
        )
        .await
        .expect("refusal fixture");
    let police = s
        .user_by_username("m_police")
        .await
        .expect("user")
        .expect("exists");
    s.record_refusal_step(
        one,
        tianping_domain::refusal::Step::File,
        day("2026-03-11"),
        "",
        &police,
        "sc-police",
        tianping_domain::refusal::Stage::Referred,
        now(),
    )
    .await
    .expect("refusal fixture");
    s.refer_refusal(
        &NewReferral {
            case_id: secret_case,
            police_org_id: "sc-police",
            debtor: SECRET_PARTY,
            facts: SECRET_FACT,
            referred_on: day("2026-03-10"),
        },
        &judge,
        now(),
    )
    .await
    .expect("refusal fixture");
}

/// A deputy (m_deputy's login) given the minors' case with an action naming the minor
/// (`{id}` = 1), another given the state-secret case (planted past the domain's refusal, to
/// prove the pages withhold it anyway), and a campaign of 杭州's courts (`{id}` = 1).
async fn deputies(s: &tianping_store::Store, minors_case: i64, secret_case: i64) -> String {
    use tianping_store::deputies::{NewAssignment, NewCampaign, NewDeputy};
    let user = |name: &'static str| async move {
        s.user_by_username(name)
            .await
            .expect("user")
            .expect("exists")
    };
    let (keeper, deputy_login, judge) = (
        user("m_pc").await,
        user("m_deputy").await,
        user("m_judge").await,
    );
    let dir = s.org_directory().await.expect("orgs");
    let congress = dir.get("hz-pc").expect("hz-pc").clone();
    let day = |d: &str| d.parse::<chrono::NaiveDate>().expect("date");
    let deputy = s
        .register_deputy(
            &NewDeputy {
                name: "褚代表",
                level: tianping_domain::deputies::Level::City,
                constituency: "上城区第3选区",
                township: "湖滨街道",
                liaison_station: "湖滨街道代表联络站",
                user_id: Some(deputy_login.id),
            },
            &congress,
            &keeper,
            now(),
        )
        .await
        .expect("deputy fixture");
    let one = s
        .assign_deputy(
            &NewAssignment {
                case_id: minors_case,
                deputy_id: deputy,
                debtor: MINOR,
                township: "湖滨街道",
                note: "请协助走访被执行人监护人",
                assigned_on: day("2026-03-10"),
            },
            &judge,
            now(),
        )
        .await
        .expect("deputy fixture");
    s.log_deputy_action(
        one,
        tianping_domain::deputies::Action::Visit,
        day("2026-03-12"),
        MINOR_REASON,
        &deputy_login,
        now(),
    )
    .await
    .expect("deputy fixture");
    s.assign_deputy(
        &NewAssignment {
            case_id: secret_case,
            deputy_id: deputy,
            debtor: SECRET_PARTY,
            township: "湖滨街道",
            note: SECRET_FACT,
            assigned_on: day("2026-03-10"),
        },
        &judge,
        now(),
    )
    .await
    .expect("deputy fixture");
    let court = dir.get("sc-court").expect("sc-court").clone();
    let office = user("m_office").await;
    let invitation = s
        .invite_deputies(
            &tianping_store::deputy_invitations::NewInvitation {
                kind: tianping_domain::deputy_invitations::Kind::Hearing,
                title: "邀请人大代表旁听庭审",
                place: "上城区人民法院第三法庭",
                starts_at: now() - chrono::Duration::days(1),
                note: "",
                deputies: &[deputy],
            },
            &court,
            &office,
            now(),
        )
        .await
        .expect("deputy fixture");
    let line = s.deputy_invitees(invitation).await.expect("lines")[0].id;
    s.answer_deputy_invitation(
        line,
        tianping_domain::deputy_invitations::State::Invited,
        tianping_domain::deputy_invitations::State::Attended,
        "庭审程序规范",
        &deputy_login,
        now(),
    )
    .await
    .expect("deputy fixture");
    // A suggestion to 上城's procuratorate, recommended with its reply overdue and handed to the
    // 人大 (`{id}` = 1).
    let procuratorate = dir.get("sc-proc").expect("sc-proc").clone();
    let suggestion = s
        .submit_suggestion(
            &tianping_store::deputy_suggestions::NewSuggestion {
                deputy_id: deputy,
                procuratorate: &procuratorate,
                field: "ecology",
                title: "关于督促整治河道污染的建议",
                content: "沿河餐饮店长期将油污直排入河，河水发黑发臭，建议依法督促整治。",
                on: day("2026-01-05"),
            },
            &deputy_login,
            now(),
        )
        .await
        .expect("deputy fixture");
    let prosecutor = user("m_proc").await;
    for (step, on) in [
        (
            tianping_domain::deputy_suggestions::Step::Accept,
            "2026-01-06",
        ),
        (
            tianping_domain::deputy_suggestions::Step::Recommend,
            "2026-01-10",
        ),
    ] {
        s.record_suggestion_step(
            suggestion,
            &tianping_store::deputy_suggestions::StepRecord {
                from: if step == tianping_domain::deputy_suggestions::Step::Accept {
                    tianping_domain::deputy_suggestions::Stage::Submitted
                } else {
                    tianping_domain::deputy_suggestions::Stage::Accepted
                },
                step,
                on: day(on),
                text: "建议依法履行监管职责",
                agency: "生态环境分局",
                urgent: false,
                due: Some(day("2026-03-10")),
                adopted: None,
            },
            &prosecutor,
            now(),
        )
        .await
        .expect("deputy fixture");
    }
    s.hand_suggestion_to_congress(suggestion, &prosecutor, now())
        .await
        .expect("deputy fixture");
    // A survey sent to m_deputy's deputy and answered, its free answer naming the minor's reason
    // is not a case's: it is shown to the 人大 as written (`{id}` = 1).
    let questions = tianping_domain::deputy_surveys::parse_questions(
        "单选：您对法院执行工作的总体评价\n- 满意\n- 不满意\n\n问答：意见和建议",
    )
    .expect("deputy fixture");
    let survey = s
        .send_survey(
            &tianping_store::deputy_surveys::NewSurvey {
                title: "意见征询",
                intro: "",
                questions: &questions,
                level: "",
                area: "",
                closes_on: day("2026-12-31"),
                deputies: &[deputy],
            },
            &congress,
            &keeper,
            now(),
        )
        .await
        .expect("deputy fixture");
    let line = s
        .survey_recipient(survey, deputy)
        .await
        .expect("deputy fixture")
        .expect("deputy fixture");
    s.answer_survey(
        line.id,
        &[
            tianping_domain::deputy_surveys::Answer::Choices(vec![0]),
            tianping_domain::deputy_surveys::Answer::Text("建议加强执行公开".into()),
        ],
        "login",
        now(),
    )
    .await
    .expect("deputy fixture");
    let link = feedback_codes().survey_link(
        survey,
        deputy,
        (now() + chrono::Duration::days(30)).timestamp(),
    );
    let survey_token = link.rsplit('/').next().unwrap_or_default().to_string();
    s.open_campaign(
        &NewCampaign {
            title: "终本库出清专项行动",
            target: 100,
            from: day("2026-01-01"),
            to: day("2026-12-31"),
        },
        &court,
        &judge,
        now(),
    )
    .await
    .expect("deputy fixture");
    survey_token
}

/// A people's supervisors' activity of 上城's procuratorate on the minors' case, drawn from
/// 杭州's pool (m_lay among three), with an opinion awaiting its answer: the records `{id}` = 1
/// of the supervisor routes.
async fn people_supervisors(s: &tianping_store::Store, minors_case: i64) {
    use tianping_domain::draw::{Setup, Source, SourceValue};
    use tianping_store::people_supervisors::{Drawn, NewActivity, NewSupervisor};
    let lay = s
        .user_by_username("m_lay")
        .await
        .expect("supervisor fixture")
        .expect("supervisor fixture")
        .id;
    let day = |d: &str| d.parse::<chrono::NaiveDate>().expect("supervisor fixture");
    let mut ids = vec![];
    for (i, name) in ["钱监督", "孙监督", "李监督"].iter().enumerate() {
        let id = s
            .appoint_supervisor(
                &NewSupervisor {
                    org_id: "hz-justice",
                    region_path: "/33/3301/",
                    user_id: (i == 0).then_some(lay),
                    name,
                    gender: "女",
                    birth_date: day("1975-03-04"),
                    id_number: "110101197503040011",
                    phone: "13800000000",
                    email: None,
                    education: "本科",
                    profession: "教师",
                    expertise: "法律",
                    appointed_by: "设区的市级司法行政机关",
                    term_no: 1,
                    term_start: day("2025-01-01"),
                    term_end: day("2029-12-31"),
                    created_by: "司法局",
                },
                now(),
            )
            .await
            .expect("supervisor fixture");
        ids.push(id.to_string());
    }
    let activity = s
        .request_activity(
            &NewActivity {
                org_id: "sc-proc",
                region_path: "/33/3301/330102/",
                kind: "hearing_non_prosecution",
                mandatory: true,
                title: "拟不起诉案件公开审查",
                place: "上城区人民检察院听证室",
                starts_at: now() + chrono::Duration::days(5),
                case_id: Some(minors_case),
                summary: "未成年人涉嫌盗窃，拟作不起诉决定。",
                required: 1,
                expertise: "",
                requested_by: "检察官",
            },
            now(),
        )
        .await
        .expect("supervisor fixture");
    let setup = Setup::new(
        "人民监督员抽选-1-1",
        ids.clone(),
        vec![],
        1,
        1,
        vec![Source::Public {
            description: "福利彩票".into(),
        }],
    )
    .expect("supervisor fixture");
    let values = vec![SourceValue::Public(vec!["7".into(), "19".into()])];
    let draw = s
        .set_supervisor_draw(
            activity,
            "hz-justice",
            &serde_json::to_string(&setup).expect("supervisor fixture"),
            &serde_json::to_string(&setup.blank_values()).expect("supervisor fixture"),
            "司法局",
            now(),
        )
        .await
        .expect("supervisor fixture");
    let outcome = setup.draw(&values).expect("supervisor fixture");
    let drawn: Vec<Drawn> = outcome
        .picks
        .iter()
        .map(|p| Drawn {
            supervisor_id: p.member.parse().expect("supervisor fixture"),
            place: p.order,
            alternate: p.alternate,
        })
        .collect();
    s.complete_supervisor_draw(
        draw,
        &serde_json::to_string(&values).expect("supervisor fixture"),
        &serde_json::to_string(&outcome).expect("supervisor fixture"),
        &drawn,
        now(),
    )
    .await
    .expect("supervisor fixture");
    s.file_supervisor_opinion(
        activity,
        ids[0].parse().expect("supervisor fixture"),
        "建议听取被害人意见。",
        now() + chrono::Duration::days(30),
        now(),
    )
    .await
    .expect("supervisor fixture");
}

/// The concrete URIs a route is requested at in the matrix.
fn uris(path: &str, w: &World) -> Vec<String> {
    let mut out = vec![];
    if path.contains("{rid}") {
        for (case, rid) in &w.reports {
            let u = path
                .replace("{id}", &case.to_string())
                .replace("{rid}", &rid.to_string());
            out.push(format!("{u}?print=1"));
            out.push(u);
        }
        return out;
    }
    let path = path
        .replace("{index}", "0")
        .replace("{table}", "events")
        .replace("{key}", "1")
        .replace("{eid}", "1")
        .replace("{username}", "m_judge")
        .replace(
            "{token}",
            if path.starts_with("/s/") {
                &w.survey_token
            } else {
                &w.token
            },
        )
        .replace("{*file}", "swagger-initializer.js");
    if path.starts_with("/cases/{id}") || path.starts_with("/api/v1/cases/{id}") {
        for c in w.cases {
            out.push(path.replace("{id}", &c.to_string()));
        }
    } else if path.contains("warnings/{id}") {
        out.push(path.replace("{id}", &w.warning.to_string()));
    } else if path.starts_with("/letters/drafts/{id}") {
        out.push(path.replace("{id}", &w.draft.to_string()));
    } else if path == "/letters/{id}" {
        // The letter page and the same letter as a Word document.
        out.push(path.replace("{id}", &w.letter.to_string()));
        out.push(path.replace("{id}", &format!("{}.docx", w.letter)));
    } else {
        out.push(path.replace("{id}", "1"));
    }
    // Lists and exports with the query strings people use.
    if path == "/interference"
        || path == "/interference/export.xlsx"
        || path == "/api/v1/interference"
    {
        out = out
            .into_iter()
            .map(|u| format!("{u}?quarter=2026-Q1"))
            .collect();
    }
    if path == "/api/v1/case-numbers/parse" {
        out = vec![format!(
            "{path}?q=%EF%BC%882026%EF%BC%89%E6%B5%990102%E6%B0%91%E5%88%9D1%E5%8F%B7"
        )];
    }
    out
}

fn user(username: &str) -> (Role, Reach) {
    USERS
        .iter()
        .find(|(u, _, _, _)| *u == username)
        .map(|(_, _, r, reach)| (*r, *reach))
        .expect("user")
}

/// The text a person would see in a response: the body, or the XML parts' text for Excel and
/// Word (both are zip archives of XML).
fn seen(r: &Resp) -> String {
    let xlsx = r
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("spreadsheetml") || t.contains("wordprocessingml"));
    if xlsx { r.xlsx_text() } else { r.body.clone() }
}

async fn matrix(db: &TestDb) {
    let w = world(db).await;
    let label = db.label;
    let anon = Client::anonymous(&w.app);
    let mut clients = vec![];
    for (u, _, _, _) in USERS {
        clients.push((*u, Client::as_user(&w.app, u).await));
    }
    let mut checked = 0usize;
    for (method, path, policy) in POLICY {
        for uri in uris(path, &w) {
            if *method == "GET" {
                // Without logging in: only the open routes answer.
                let r = anon.get(&uri).await;
                if *policy == Open {
                    assert!(
                        r.status.is_success() || r.status.is_redirection(),
                        "[{label}] anonymous GET {uri}: {}",
                        r.status
                    );
                } else {
                    let refused = r.status == StatusCode::UNAUTHORIZED
                        || (r.status == StatusCode::SEE_OTHER
                            && r.headers
                                .get(header::LOCATION)
                                .and_then(|v| v.to_str().ok())
                                == Some("/login"));
                    assert!(refused, "[{label}] anonymous GET {uri}: {}", r.status);
                }
                for (u, c) in &clients {
                    let (role, reach) = user(u);
                    let r = c.get(&uri).await;
                    checked += 1;
                    assert!(
                        !r.status.is_server_error(),
                        "[{label}] {u} GET {uri}: {} {}",
                        r.status,
                        r.body
                    );
                    let text = seen(&r);
                    // 上城's president needs to know 上城's cases and reads them whole.
                    let whole = *u == "m_president";
                    for p in PROTECTED.iter().filter(|_| !whole) {
                        assert!(
                            !text.contains(p),
                            "[{label}] {u} ({role:?}) GET {uri} shows the protected “{p}”: {:?}",
                            text.lines().filter(|l| l.contains(p)).collect::<Vec<_>>()
                        );
                    }
                    match policy {
                        Open | Anyone => assert!(
                            r.status.is_success() || r.status.is_redirection(),
                            "[{label}] {u} GET {uri}: {}",
                            r.status
                        ),
                        Only(roles) => {
                            if roles.contains(&role) {
                                // Allowed (a missing parameter or record aside).
                                assert!(
                                    r.status != StatusCode::FORBIDDEN,
                                    "[{label}] {u} GET {uri}: {}",
                                    r.status
                                );
                            } else {
                                assert!(
                                    matches!(
                                        r.status,
                                        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                                    ),
                                    "[{label}] {u} ({role:?}) GET {uri}: {}",
                                    r.status
                                );
                            }
                        }
                        Case => {
                            // The case's id is the path segment after `cases/`.
                            let case_id = uri
                                .split("cases/")
                                .nth(1)
                                .and_then(|r| r.split(['/', '?']).next())
                                .and_then(|n| n.parse::<i64>().ok());
                            let other = case_id == Some(w.cases[3]);
                            let reached = match reach {
                                Reach::Home => !other,
                                Reach::OtherCourt => other,
                                Reach::Above => true,
                                Reach::OtherKind | Reach::NoCases => false,
                            };
                            if reached {
                                assert!(
                                    r.status.is_success(),
                                    "[{label}] {u} GET {uri}: {} {}",
                                    r.status,
                                    r.body
                                );
                            } else {
                                // Outside the scope: as if the case did not exist (403 for a
                                // role that reads no cases at all).
                                assert!(
                                    matches!(
                                        r.status,
                                        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                                    ),
                                    "[{label}] {u} ({role:?}) GET {uri}: {}",
                                    r.status
                                );
                                for n in [PUBLIC_CASE, OTHER_COURT_CASE] {
                                    assert!(!r.body.contains(n), "[{label}] {u} GET {uri}");
                                }
                            }
                        }
                        _ => {}
                    }
                }
            } else {
                // Every state change needs the session's CSRF token (or, for events, an
                // agency system's bearer token).
                let expect_refusal = matches!(policy, Write | Events);
                for (u, c) in &clients {
                    let r = c
                        .send(method, &uri, Some("{}".into()), false, "application/json")
                        .await;
                    checked += 1;
                    assert!(
                        !r.status.is_server_error(),
                        "[{label}] {u} {method} {uri} without CSRF: {} {}",
                        r.status,
                        r.body
                    );
                    if expect_refusal {
                        assert!(
                            matches!(
                                r.status,
                                StatusCode::FORBIDDEN
                                    | StatusCode::NOT_FOUND
                                    | StatusCode::UNSUPPORTED_MEDIA_TYPE
                                    | StatusCode::UNPROCESSABLE_ENTITY
                                    | StatusCode::BAD_REQUEST
                            ) && !r.status.is_success(),
                            "[{label}] {u} {method} {uri} without CSRF: {} {}",
                            r.status,
                            r.body
                        );
                        for p in PROTECTED {
                            assert!(!r.body.contains(p), "[{label}] {u} {method} {uri}");
                        }
                    }
                }
                let r = anon
                    .send(method, &uri, Some("{}".into()), false, "application/json")
                    .await;
                if expect_refusal {
                    assert!(
                        matches!(
                            r.status,
                            StatusCode::UNAUTHORIZED
                                | StatusCode::SEE_OTHER
                                | StatusCode::FORBIDDEN
                                | StatusCode::UNSUPPORTED_MEDIA_TYPE
                                | StatusCode::UNPROCESSABLE_ENTITY
                        ),
                        "[{label}] anonymous {method} {uri}: {}",
                        r.status
                    );
                }
            }
        }
    }
    assert!(checked > 1500, "[{label}] only {checked} requests checked");
    // The mail the matrix's poll produced names no protected string either.
    for m in db.store.mails(None, 1000).await.expect("outbox") {
        for p in PROTECTED {
            assert!(
                !m.body.contains(p) && !m.subject.contains(p),
                "[{label}] mail {}",
                m.subject
            );
        }
    }
}

#[tokio::test]
async fn role_route_confidentiality_matrix_on_both_stores() {
    for db in TestDb::all().await.expect("databases") {
        matrix(&db).await;
        db.cleanup().await.expect("cleanup");
    }
}

/// The OpenAPI document names exactly the operations the API serves: a route added without its
/// entry in `openapi::operations` (or an entry left behind) fails here.
#[test]
fn every_api_route_is_in_the_openapi_document() {
    let served: BTreeSet<String> = registered_routes()
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api/v1/"))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    let documented: BTreeSet<String> = tianping_server::openapi::operation_keys()
        .into_iter()
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && stale.is_empty(),
        "served but not documented: {undocumented:?}; documented but not served: {stale:?}"
    );
    assert!(
        served.len() > 60,
        "the scan found {} API routes",
        served.len()
    );
}
