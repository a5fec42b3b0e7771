//! The draw (RFC 3797, [`tianping_domain::draw`]): the justice bureau fixes the pool, the
//! exclusions with reasons, the number to pick with alternates and the sources of randomness —
//! all written to the ledger before any source's value exists; then records the public numbers
//! once announced and each party's reveal (checked against its commitment at once). When every
//! value is in, the draw is made, the picks are told and the alternates wait in order. A draw
//! can be stopped with a reason (a party that never reveals). Anyone with the record re-checks
//! it: on its page (`/supervisor-draws/{id}/verify`) or offline with `tianping draw verify`.

use super::activities::after;
use super::{Side, activity_for, path_id, text};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::extract::csrf_refused;
use crate::http::page::{Layout, api_error_page, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Form, Json};
use chrono::{Datelike, NaiveDate};
use tianping_domain::draw::{DrawError, Outcome, Record, Setup, Source, SourceValue, verify};
use tianping_domain::people_supervisors::{over_used, rules};
use tianping_store::people_supervisors::{ActivityRow, DrawRow, Drawn};
use tianping_store::user::Session;

fn refused(e: DrawError, field: &str) -> ApiError {
    let code = match e {
        DrawError::RevealMismatch { .. } => Code::RevealMismatch,
        _ => Code::DrawRefused,
    };
    ApiError::invalid_field(code, field, e.zh())
}

fn corrupt(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("stored draw: {e}"))
}

/// One source as the page shows it.
pub(crate) struct SourceView {
    pub no: usize,
    pub public: bool,
    pub description: String,
    /// Public numbers once given ("" until then).
    pub numbers: String,
    /// Commit–reveal: party, commitment, revealed number ("" until revealed).
    pub parties: Vec<(String, String, String)>,
}

pub(crate) struct PickView {
    pub order: usize,
    pub name: String,
    pub position: usize,
    pub hash: String,
    pub alternate: bool,
}

/// A draw as its activity's page shows it.
pub(crate) struct DrawView {
    pub id: i64,
    pub state: String,
    pub state_zh: &'static str,
    pub label: String,
    pub set: String,
    pub pool: Vec<String>,
    pub pool_sha256: String,
    pub excluded: Vec<(String, String)>,
    pub count: usize,
    pub alternates: usize,
    pub sources: Vec<SourceView>,
    pub key: String,
    pub picks: Vec<PickView>,
    pub drawn: String,
    pub aborted: String,
}

fn state_zh(state: &str) -> &'static str {
    match state {
        "awaiting" => "已固定抽选条件，待随机源公布",
        "drawn" => "已抽选",
        "aborted" => "已中止",
        _ => "—",
    }
}

pub(crate) async fn draw_view(st: &AppState, d: &DrawRow) -> Result<DrawView, ApiError> {
    let setup: Setup = serde_json::from_str(&d.setup).map_err(corrupt)?;
    let values: Vec<SourceValue> = serde_json::from_str(&d.source_values).map_err(corrupt)?;
    let outcome: Option<Outcome> = d
        .outcome
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(corrupt)?;
    // Members are supervisor ids; the page names them.
    let mut names = std::collections::BTreeMap::new();
    for id in &setup.pool {
        let name = match id.parse::<i64>() {
            Ok(n) => st.store.supervisor(n).await?.map(|r| r.name),
            Err(_) => None,
        };
        names.insert(id.clone(), name.unwrap_or_else(|| id.clone()));
    }
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let sources = setup
        .sources
        .iter()
        .zip(&values)
        .enumerate()
        .map(|(i, (s, v))| match (s, v) {
            (Source::Public { description }, SourceValue::Public(n)) => SourceView {
                no: i + 1,
                public: true,
                description: description.clone(),
                numbers: n.join(" "),
                parties: vec![],
            },
            (Source::CommitReveal { parties }, SourceValue::Reveals(r)) => SourceView {
                no: i + 1,
                public: false,
                description: String::new(),
                numbers: String::new(),
                parties: parties
                    .iter()
                    .map(|(p, c)| {
                        let revealed = r
                            .iter()
                            .find(|(q, _)| q == p)
                            .and_then(|(_, n)| n.clone())
                            .unwrap_or_default();
                        (p.clone(), c.clone(), revealed)
                    })
                    .collect(),
            },
            _ => SourceView {
                no: i + 1,
                public: true,
                description: "（记录有误）".into(),
                numbers: String::new(),
                parties: vec![],
            },
        })
        .collect();
    Ok(DrawView {
        id: d.id,
        state_zh: state_zh(&d.state),
        state: d.state.clone(),
        label: setup.draw.clone(),
        set: format!("{}，{}", d.set_by, crate::view::local(&d.set_at)),
        pool: setup.pool.iter().map(|m| name(m)).collect(),
        pool_sha256: setup.pool_sha256.clone(),
        excluded: setup
            .excluded
            .iter()
            .map(|(m, why)| (name(m), why.clone()))
            .collect(),
        count: setup.count,
        alternates: setup.alternates,
        sources,
        key: outcome.as_ref().map(|o| o.key.clone()).unwrap_or_default(),
        picks: outcome
            .map(|o| {
                o.picks
                    .into_iter()
                    .map(|p| PickView {
                        order: p.order,
                        name: name(&p.member),
                        position: p.position,
                        hash: p.hash,
                        alternate: p.alternate,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        drawn: d
            .drawn_at
            .as_deref()
            .map(crate::view::local)
            .unwrap_or_default(),
        aborted: match (&d.aborted_reason, &d.aborted_at) {
            (Some(r), Some(t)) => format!("{}（{}）", r, crate::view::local(t)),
            _ => String::new(),
        },
    })
}

/// A pool member on the setup form.
pub(crate) struct Member {
    pub id: i64,
    pub name: String,
    pub expertise: String,
    pub selections: i64,
    /// Excluded before the form (over the yearly cap): the reason.
    pub out: String,
}

/// The setup form: the pool the draw takes from and what the form starts with.
pub(crate) struct SetupView {
    pub label: String,
    pub members: Vec<Member>,
    pub alternates: usize,
    pub year: i32,
    pub cap: u32,
}

/// The pool for an activity: the keeper's serving supervisors whose term covers the activity's
/// day, limited to those with the activity's expertise when it asks for one, in file order.
async fn pool(st: &AppState, s: &Session, a: &ActivityRow) -> Result<(Vec<Member>, i32), ApiError> {
    let day = crate::view::parse_utc(&a.starts_at)
        .map(tianping_domain::clock::local_date)
        .ok_or_else(|| corrupt("activity time"))?;
    let year = day.year();
    let from =
        tianping_domain::clock::local_midnight(NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(day));
    let to = tianping_domain::clock::local_midnight(
        NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or(day),
    );
    let counts = st
        .store
        .supervisor_selections(&s.org.region_path, from, to)
        .await?;
    let day_text = day.to_string();
    let wanted = a.expertise.trim();
    let members: Vec<_> = st
        .store
        .supervisors(&s.org.region_path)
        .await?
        .into_iter()
        .filter(|r| {
            r.serving()
                && r.term_start.as_str() <= day_text.as_str()
                && day_text.as_str() <= r.term_end.as_str()
                && (wanted.is_empty() || r.tags().contains(&wanted))
        })
        .collect();
    let ids: Vec<String> = members.iter().map(|m| m.id.to_string()).collect();
    let used: Vec<(&str, u32)> = ids
        .iter()
        .zip(&members)
        .map(|(id, m)| {
            let n = counts.iter().find(|c| c.0 == m.id).map_or(0, |c| c.1);
            (id.as_str(), u32::try_from(n).unwrap_or(u32::MAX))
        })
        .collect();
    let out = over_used(rules(), &used);
    Ok((
        members
            .into_iter()
            .map(|m| Member {
                selections: counts.iter().find(|c| c.0 == m.id).map_or(0, |c| c.1),
                out: out
                    .iter()
                    .find(|(id, _)| *id == m.id.to_string())
                    .map(|x| x.1.clone())
                    .unwrap_or_default(),
                id: m.id,
                name: m.name,
                expertise: m.expertise,
            })
            .collect(),
        year,
    ))
}

fn label(a: &ActivityRow, draws: usize) -> String {
    format!("人民监督员抽选-{}-{}", a.id, draws + 1)
}

pub(crate) async fn setup_view(
    st: &AppState,
    s: &Session,
    a: &ActivityRow,
) -> Result<SetupView, ApiError> {
    let (members, year) = pool(st, s, a).await?;
    let draws = st.store.supervisor_draws(a.id).await?.len();
    let eligible = members.iter().filter(|m| m.out.is_empty()).count();
    Ok(SetupView {
        label: label(a, draws),
        alternates: eligible.saturating_sub(a.required as usize).min(3),
        members,
        year,
        cap: rules().selection.yearly_cap,
    })
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Fixes a draw from the setup form: `out_{id}` = reason to exclude a member, `alternates`,
/// `public` (the public source's description), `party_{n}`/`commitment_{n}` (commit–reveal).
async fn set_up(
    st: &AppState,
    s: &Session,
    activity: &str,
    pairs: &[(String, String)],
) -> Result<(), ApiError> {
    let id = path_id(activity, "监督活动")?;
    let (a, side) = activity_for(st, s, id).await?;
    if !side.keeper() {
        return Err(ApiError::forbidden("抽选人民监督员"));
    }
    let (members, _) = pool(st, s, &a).await?;
    let mut excluded = vec![];
    for m in &members {
        let why = field(pairs, &format!("out_{}", m.id)).trim();
        if !m.out.is_empty() {
            excluded.push((m.id.to_string(), m.out.clone()));
        } else if !why.is_empty() {
            if why.chars().count() > 100 {
                return Err(ApiError::invalid_field(
                    Code::Invalid,
                    &format!("out_{}", m.id),
                    format!("排除{}的理由不能超过 100 字", m.name),
                ));
            }
            excluded.push((m.id.to_string(), why.to_string()));
        }
    }
    let alternates: usize = field(pairs, "alternates").trim().parse().map_err(|_| {
        ApiError::invalid_field(Code::Invalid, "alternates", "候补人数应为 0 或正整数")
    })?;
    if alternates > 9 {
        return Err(ApiError::invalid_field(
            Code::Invalid,
            "alternates",
            "候补人数不能超过 9 人",
        ));
    }
    let mut sources = vec![];
    let public = field(pairs, "public").trim();
    if !public.is_empty() {
        sources.push(Source::Public {
            description: text(public, "public", "公开随机源", 120)?.to_string(),
        });
    }
    let mut parties = vec![];
    for n in 1..=3 {
        let party = field(pairs, &format!("party_{n}")).trim();
        let commitment = field(pairs, &format!("commitment_{n}"))
            .trim()
            .to_lowercase();
        match (party.is_empty(), commitment.is_empty()) {
            (true, true) => continue,
            (false, false) => {}
            _ => {
                return Err(ApiError::invalid_field(
                    Code::FieldEmpty,
                    &format!("commitment_{n}"),
                    format!("第 {n} 方的名称和承诺值须同时填写"),
                ));
            }
        }
        if commitment.len() != 64 || !commitment.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::invalid_field(
                Code::Invalid,
                &format!("commitment_{n}"),
                format!("{party}的承诺值应为 64 位十六进制数（SHA-256）"),
            ));
        }
        if parties.iter().any(|(p, _): &(String, String)| p == party) {
            return Err(ApiError::invalid_field(
                Code::Invalid,
                &format!("party_{n}"),
                format!("“{party}”填写了两次"),
            ));
        }
        parties.push((party.to_string(), commitment));
    }
    if !parties.is_empty() {
        sources.push(Source::CommitReveal { parties });
    }
    if sources.is_empty() {
        return Err(ApiError::invalid_field(
            Code::FieldEmpty,
            "public",
            "至少应指定一个随机源：事后公布的公开号码，或各方事先提交承诺值的随机数",
        ));
    }
    let draws = st.store.supervisor_draws(a.id).await?.len();
    let setup = Setup::new(
        &label(&a, draws),
        members.iter().map(|m| m.id.to_string()).collect(),
        excluded,
        a.required as usize,
        alternates,
        sources,
    )
    .map_err(|e| refused(e, "alternates"))?;
    let json = serde_json::to_string(&setup).map_err(ApiError::internal)?;
    let values = serde_json::to_string(&setup.blank_values()).map_err(ApiError::internal)?;
    st.store
        .set_supervisor_draw(
            a.id,
            &s.org.id,
            &json,
            &values,
            &s.user.display_name,
            st.now(),
        )
        .await?;
    Ok(())
}

pub(crate) async fn setup_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(r) = csrf_refused(field(&pairs, "csrf"), &s) {
        return r;
    }
    let done = set_up(&st, &s, &id, &pairs).await;
    after(&st, &s, &id, "#draws", done).await
}

/// A keeper's draw and its activity.
async fn keepers_draw(
    st: &AppState,
    s: &Session,
    id: &str,
) -> Result<(DrawRow, ActivityRow), ApiError> {
    let id = path_id(id, "抽选")?;
    let Some(d) = st.store.supervisor_draw(id).await? else {
        return Err(ApiError::not_found("抽选"));
    };
    let (a, side) = activity_for(st, s, d.activity_id).await?;
    if !side.keeper() {
        return Err(ApiError::forbidden("录入抽选随机源"));
    }
    Ok((d, a))
}

#[derive(serde::Deserialize)]
pub(crate) struct ValueForm {
    csrf: String,
    /// `public` or `reveal`
    #[serde(default)]
    what: String,
    #[serde(default)]
    source_no: String,
    #[serde(default)]
    numbers: String,
    #[serde(default)]
    party: String,
    #[serde(default)]
    number: String,
}

async fn give(st: &AppState, s: &Session, d: &DrawRow, f: &ValueForm) -> Result<(), ApiError> {
    if d.state != "awaiting" {
        return Err(ApiError::new(Code::WrongState, "该抽选已完成或已中止"));
    }
    let setup: Setup = serde_json::from_str(&d.setup).map_err(corrupt)?;
    let mut values: Vec<SourceValue> = serde_json::from_str(&d.source_values).map_err(corrupt)?;
    match f.what.as_str() {
        "public" => {
            let no: usize = f.source_no.trim().parse().unwrap_or(0);
            let numbers: Vec<String> = f
                .numbers
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect();
            setup
                .give_public(&mut values, no, numbers)
                .map_err(|e| refused(e, "numbers"))?;
        }
        "reveal" => {
            let party = f.party.trim();
            let number = text(&f.number, "number", "公开的随机数", 60)?;
            setup
                .reveal(&mut values, party, number)
                .map_err(|e| refused(e, "number"))?;
        }
        _ => return Err(ApiError::new(Code::InvalidAction, "未知的录入类别")),
    }
    let json = serde_json::to_string(&values).map_err(ApiError::internal)?;
    if !Setup::complete(&values) {
        st.store.give_draw_values(d.id, &json, st.now()).await?;
        return Ok(());
    }
    let outcome = setup.draw(&values).map_err(|e| refused(e, "numbers"))?;
    let mut drawn = vec![];
    for p in &outcome.picks {
        drawn.push(Drawn {
            supervisor_id: p.member.parse().map_err(corrupt)?,
            place: p.order,
            alternate: p.alternate,
        });
    }
    let _ = s;
    st.store
        .complete_supervisor_draw(
            d.id,
            &json,
            &serde_json::to_string(&outcome).map_err(ApiError::internal)?,
            &drawn,
            st.now(),
        )
        .await?;
    Ok(())
}

pub(crate) async fn values_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ValueForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let (d, a) = match keepers_draw(&st, &s, &id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let done = give(&st, &s, &d, &f).await;
    after(&st, &s, &a.id.to_string(), "#draws", done).await
}

#[derive(serde::Deserialize)]
pub(crate) struct AbortForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn abort_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<AbortForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let (d, a) = match keepers_draw(&st, &s, &id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let done = async {
        let reason = text(&f.reason, "reason", "中止理由", 200)?;
        st.store
            .abort_supervisor_draw(d.id, reason, st.now())
            .await?;
        Ok(())
    }
    .await;
    after(&st, &s, &a.id.to_string(), "#draws", done).await
}

/// A made draw's record, for anyone who may read its activity.
async fn record(st: &AppState, s: &Session, id: &str) -> Result<(Record, ActivityRow), ApiError> {
    let id = path_id(id, "抽选")?;
    let Some(d) = st.store.supervisor_draw(id).await? else {
        return Err(ApiError::not_found("抽选"));
    };
    let (a, side) = activity_for(st, s, d.activity_id).await?;
    if matches!(side, Side::Supervisor(_)) && d.state != "drawn" {
        return Err(ApiError::not_found("抽选"));
    }
    let Some(outcome) = d.outcome.as_deref() else {
        return Err(ApiError::new(
            Code::NotFound,
            "该抽选尚未完成，没有结果可供复核",
        ));
    };
    Ok((
        Record {
            setup: serde_json::from_str(&d.setup).map_err(corrupt)?,
            values: serde_json::from_str(&d.source_values).map_err(corrupt)?,
            outcome: serde_json::from_str(outcome).map_err(corrupt)?,
        },
        a,
    ))
}

/// `GET /api/v1/supervisor-draws/{id}`: the record `tianping draw verify` re-checks.
pub(crate) async fn api_record(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Record>, ApiError> {
    Ok(Json(record(&st, &s, &id).await?.0))
}

#[derive(Template)]
#[template(path = "supervisor_draw_verify.html")]
struct VerifyPage {
    layout: Layout,
    id: i64,
    activity_id: i64,
    title: String,
    key: String,
    ok: bool,
    problem: String,
    /// Recomputed: order, position, hash, published member, recomputed member, alternate.
    lines: Vec<(usize, usize, String, String, bool)>,
    pool_size: usize,
    pool_sha256: String,
}

/// Recomputes a made draw from its record and shows each step against what was published.
pub(crate) async fn verify_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let (r, a) = match record(&st, &s, &id).await {
        Ok(x) => x,
        Err(e) => return api_error_page(e),
    };
    let mut names = std::collections::BTreeMap::new();
    for m in &r.setup.pool {
        if let Ok(n) = m.parse::<i64>()
            && let Ok(Some(row)) = st.store.supervisor(n).await
        {
            names.insert(m.clone(), row.name);
        }
    }
    let name = |m: &str| names.get(m).cloned().unwrap_or_else(|| m.to_string());
    let (ok, problem, again) = match verify(&r) {
        Ok(o) => (true, String::new(), o),
        Err(e) => (
            false,
            e.zh(),
            r.setup.draw(&r.values).unwrap_or(r.outcome.clone()),
        ),
    };
    render(&VerifyPage {
        layout: Layout::new(&s, "/supervisor-activities"),
        id: path_id(&id, "抽选").unwrap_or_default(),
        activity_id: a.id,
        title: a.title,
        key: again.key.clone(),
        ok,
        problem,
        lines: again
            .picks
            .iter()
            .map(|p| {
                (
                    p.order,
                    p.position,
                    p.hash.clone(),
                    name(&p.member),
                    p.alternate,
                )
            })
            .collect(),
        pool_size: r.setup.pool.len(),
        pool_sha256: r.setup.pool_sha256.clone(),
    })
}
