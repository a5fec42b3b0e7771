//! Supervision items (整改台账): opening an item on a unit below, its actions through the closed
//! loop, evidence upload and download, one page per item, and the Excel export.

use super::{due_date, form_post, json_body, json_post};
use crate::AppState;
use crate::error::{ApiError, Code};
use crate::http::access::readable;
use crate::http::extract::UploadForm;
use crate::http::extract::{check_csrf, csrf_refused, parse_id};
use crate::http::page::{Layout, enc, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use crate::view::local;
use askama::Template;
use axum::Form;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use tianping_domain::AgencyKind;
use tianping_domain::supervision::{ItemAction, ItemSource, ItemState};
use tianping_store::org::Org;
use tianping_store::supervision::{
    EvidenceRow, ItemRow, NewItem, StepRow, can_read_item, item_actor, rectifies, supervises,
};
use tianping_store::user::Session;

pub(super) use super::catalogue::{
    CatalogueGroup, CatalogueView, catalogue_groups, catalogue_view, item_addressee,
};

// --- supervision items ----------------------------------------------------------------------------

pub struct ItemLine {
    pub id: i64,
    pub number: String,
    pub source_zh: &'static str,
    pub title: String,
    pub case_number: String,
    pub case_id: Option<i64>,
    pub org_name: String,
    pub responsible: String,
    pub state: String,
    pub state_zh: &'static str,
    pub stage_due: String,
    pub overdue: bool,
    pub rectify_due: String,
    pub opened_at: String,
    pub closed_at: String,
    pub revisit: String,
    pub evidence: i64,
}

pub(super) fn day_of(t: &Option<String>) -> String {
    t.as_deref()
        .map(|x| local(x)[..10].to_string())
        .unwrap_or_default()
}

pub fn item_line(i: &ItemRow, now: DateTime<Utc>) -> ItemLine {
    ItemLine {
        id: i.id,
        number: i.number.clone(),
        source_zh: ItemSource::parse(&i.source).map_or("—", |x| x.zh()),
        title: i.title.clone(),
        case_number: i.case_number.clone().unwrap_or_default(),
        case_id: i.case_id,
        org_name: i.org_name.clone(),
        responsible: i.responsible_org_name.clone().unwrap_or_default(),
        state: i.state.clone(),
        state_zh: i.state().zh(),
        stage_due: day_of(&i.stage_due_at),
        overdue: i.overdue(now),
        rectify_due: day_of(&i.rectify_due_at),
        opened_at: day_of(&Some(i.opened_at.clone())),
        closed_at: day_of(&i.closed_at),
        revisit: match (&i.revisited_at, &i.revisit_due_at) {
            (Some(t), _) => format!("已回访 {}", day_of(&Some(t.clone()))),
            (None, Some(d)) => format!("应于 {} 前回访", day_of(&Some(d.clone()))),
            _ => String::new(),
        },
        evidence: i.evidence_count,
    }
}

/// Items the session may see, newest first.
pub(super) async fn visible_items(st: &AppState, s: &Session) -> Result<Vec<ItemRow>, ApiError> {
    if !(supervises(s.user.role) || rectifies(s.user.role)) {
        return Err(ApiError::forbidden("查看督办事项"));
    }
    let dir = st.store.org_directory().await?;
    // Supervising bodies see the items of the agencies below them; others their own subtree.
    let all = st.store.items_in(&s.org.region_path).await?;
    Ok(all
        .into_iter()
        .filter(|i| can_read_item(i, &s.user, &s.org, &dir))
        .collect())
}

async fn item_for(st: &AppState, s: &Session, id: i64) -> Result<ItemRow, ApiError> {
    let dir = st.store.org_directory().await?;
    match st.store.item(id).await? {
        Some(i) if can_read_item(&i, &s.user, &s.org, &dir) => Ok(i),
        _ => Err(ApiError::not_found("督办事项")),
    }
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct ItemInput {
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub source_ref: Option<String>,
    #[serde(default)]
    pub case_number: Option<String>,
    #[serde(default)]
    pub case_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub responsible_org_id: Option<String>,
    /// YYYY-MM-DD (Beijing).
    #[serde(default)]
    pub rectify_due: Option<String>,
}

async fn open_item(st: &AppState, s: &Session, i: &ItemInput) -> Result<i64, ApiError> {
    if !supervises(s.user.role) {
        return Err(ApiError::forbidden("立督办事项"));
    }
    let source = ItemSource::parse(i.source.trim())
        .filter(|s| s.opened_by_hand())
        .ok_or_else(|| {
            ApiError::new(
                Code::InvalidSource,
                format!(
                    "来源“{}”无效（移送、联合监督和人民监督员意见的事项在受理移送、提交总结报告、意见逾期时生成）",
                    i.source
                ),
            )
            .with_details(json!({ "field": "source" }))
        })?;
    let mut case_id = i.case_id;
    if let Some(n) = i.case_number.as_deref().filter(|n| !n.trim().is_empty()) {
        let norm = tianping_domain::case_number::normalize(n);
        case_id = Some(st.store.case_id_by_number(&norm).await?.ok_or_else(|| {
            ApiError::new(Code::CaseNotFound, format!("案件“{}”不存在", n.trim()))
                .with_details(json!({ "field": "case_number" }))
        })?);
    }
    let case = match case_id {
        Some(c) => Some(readable(st, s, c).await?),
        None => None,
    };
    let cfg = st.store.supervision();
    // A procuratorial item names its situation in the catalogue; it decides who answers and
    // how long they have.
    let entry = match source {
        ItemSource::Procuratorial => {
            let code = i.source_ref.as_deref().map(str::trim).unwrap_or_default();
            let e = cfg.catalogue.get(code).ok_or_else(|| {
                ApiError::new(
                    Code::UnknownCatalogueItem,
                    if code.is_empty() {
                        "请从监督事项目录中选择监督事项".to_string()
                    } else {
                        format!("监督事项目录中没有“{code}”")
                    },
                )
                .with_details(json!({ "field": "source_ref", "value": code }))
            })?;
            let case_agency = case
                .as_ref()
                .and_then(|c| AgencyKind::parse(&c.agency_kind));
            cfg.catalogue
                .check_opening(e, s.org.kind, case_agency)
                .map_err(|r| ApiError::refused(r.code, r.zh))?;
            Some(e)
        }
        _ => None,
    };
    let addressee = entry.map(|e| e.addressee);
    let responsible = i
        .responsible_org_id
        .as_deref()
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        // A procuratorial item on a case is answered by the organ holding the case.
        .or_else(|| {
            case.as_ref()
                .filter(|c| addressee.is_some_and(|a| a.as_str() == c.agency_kind))
                .map(|c| c.org_id.clone())
        });
    if let Some(r) = &responsible {
        check_below(st, s, r, addressee).await?;
    }
    let rectify_due_at = match (
        due_date(i.rectify_due.as_deref().unwrap_or(""), "rectify_due")?,
        entry,
    ) {
        (Some(d), _) => Some(d),
        (None, Some(e)) => Some(st.now() + chrono::Duration::days(cfg.catalogue.reply_days(e))),
        (None, None) => None,
    };
    let title = match (i.title.trim(), entry) {
        ("", Some(e)) => e.zh.clone(),
        _ => i.title.clone(),
    };
    let n = NewItem {
        source,
        source_ref: match entry {
            Some(e) => Some(e.code.clone()),
            None => i.source_ref.clone().filter(|x| !x.trim().is_empty()),
        },
        case_id,
        title,
        description: i.description.clone(),
        responsible_org_id: responsible,
        rectify_due_at,
        referral_id: None,
        project_id: None,
        stage_due_at: None,
    };
    Ok(st.store.open_item(&n, &s.user, &s.org, st.now()).await?)
}

/// A unit may be made responsible only by a body above it, a supervising body whose region covers
/// it, or — for a procuratorial item — a procuratorate whose region covers the organ the item is
/// raised with (`catalogue::may_make_responsible` decides).
pub(super) async fn check_below(
    st: &AppState,
    s: &Session,
    org_id: &str,
    addressee: Option<AgencyKind>,
) -> Result<Org, ApiError> {
    let dir = st.store.org_directory().await?;
    let o = dir.get(org_id).cloned().ok_or_else(|| {
        ApiError::new(Code::UnknownOrg, format!("单位“{org_id}”不存在"))
            .with_details(json!({ "field": "responsible_org_id" }))
    })?;
    if tianping_domain::supervision::catalogue::may_make_responsible(
        s.org.kind,
        &s.org.region_path,
        o.kind,
        &o.region_path,
        addressee,
    ) {
        Ok(o)
    } else if addressee.is_none()
        && s.org.kind == AgencyKind::Procuratorate
        && matches!(o.kind, AgencyKind::Police | AgencyKind::Court)
    {
        // A procuratorate reaches the police and the courts only through the catalogue.
        Err(ApiError::new(
            Code::OutOfScope,
            format!(
                "向“{}”提出监督，请在“检察监督事项”中选择具体事项（监督事项目录）",
                o.name
            ),
        )
        .with_details(json!({ "field": "responsible_org_id" })))
    } else {
        Err(ApiError::new(
            Code::OutOfScope,
            format!("“{}”不在本单位的督办范围内", o.name),
        ))
    }
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct ActionInput {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub responsible_org_id: Option<String>,
    #[serde(default)]
    pub due: Option<String>,
}

async fn advance(
    st: &AppState,
    s: &Session,
    id: i64,
    a: &ActionInput,
) -> Result<ItemState, ApiError> {
    let item = item_for(st, s, id).await?;
    let action = ItemAction::parse(a.action.trim()).ok_or_else(|| {
        ApiError::new(Code::InvalidAction, format!("操作“{}”无效", a.action))
            .with_details(json!({ "field": "action" }))
    })?;
    let assign_to = a
        .responsible_org_id
        .as_deref()
        .map(str::trim)
        .filter(|x| !x.is_empty());
    if action == ItemAction::Assign
        && let Some(r) = assign_to
    {
        // Only the opening body decides whom to assign; it must be inside its reach.
        let dir = st.store.org_directory().await?;
        if item_actor(&item, &s.user, &s.org, &dir).opener_side {
            check_below(st, s, r, item_addressee(st, &item)).await?;
        }
    }
    Ok(st
        .store
        .advance_item(
            id,
            action,
            &a.note,
            assign_to,
            due_date(a.due.as_deref().unwrap_or(""), "due")?,
            &s.user,
            &s.org,
            st.now(),
        )
        .await?)
}

async fn upload(
    st: &AppState,
    s: &Session,
    id: i64,
    filename: &str,
    content_type: &str,
    data: &[u8],
) -> Result<i64, ApiError> {
    item_for(st, s, id).await?;
    Ok(st
        .store
        .add_evidence(id, filename, content_type, data, &s.user, &s.org, st.now())
        .await?)
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct LedgerPage {
    /// The unit the new-item form offers as responsible (the case's, when opened on one).
    responsible: String,
    layout: Layout,
    lines: Vec<ItemLine>,
    counts: Vec<(&'static str, &'static str, usize)>,
    state: String,
    can_open: bool,
    sources: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    case_number: String,
    title: String,
    source: String,
    overdue: usize,
    /// The catalogue of procuratorial items by category (procuratorates only).
    catalogue: Vec<CatalogueGroup>,
    catalogue_code: String,
}

#[derive(Deserialize, Default)]
pub struct LedgerQuery {
    #[serde(default)]
    state: String,
    /// Prefills the new-item form (from a warning or a case page).
    #[serde(default)]
    source: String,
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    title: String,
    /// A catalogue entry (procuratorial supervision).
    #[serde(default)]
    catalogue: String,
}

/// Organisations the session may make responsible (its reach), as a tree (id, indented name).
pub(super) async fn reachable_units(
    st: &AppState,
    s: &Session,
) -> Result<Vec<(String, String)>, ApiError> {
    let v = st
        .store
        .orgs_in(&s.org.region_path)
        .await?
        .into_iter()
        .filter(|o| {
            o.kind == s.org.kind
                || s.org.kind.supervises_all_kinds()
                // A procuratorate raises catalogue items with the police and courts it supervises.
                || (s.org.kind == AgencyKind::Procuratorate
                    && st
                        .store
                        .supervision()
                        .catalogue
                        .entries
                        .iter()
                        .any(|e| e.addressee == o.kind))
        })
        .filter(|o| {
            !matches!(
                o.kind,
                AgencyKind::PeoplesCongress | AgencyKind::PoliticalLegalCommittee
            ) || o.id == s.org.id
        })
        .collect::<Vec<_>>();
    // As a tree by region: the opener's own level first, the units below indented.
    Ok(crate::http::page::org_tree(v))
}

pub async fn ledger_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<LedgerQuery>,
) -> Response {
    let items = match visible_items(&st, &s).await {
        Ok(i) => i,
        Err(e) => return error_page(e.status, &e.message),
    };
    let now = st.now();
    let counts = ItemState::ALL
        .iter()
        .map(|x| {
            (
                x.as_str(),
                x.zh(),
                items.iter().filter(|i| i.state == x.as_str()).count(),
            )
        })
        .collect();
    let overdue = items.iter().filter(|i| i.overdue(now)).count();
    let lines = items
        .iter()
        .filter(|i| {
            q.state.is_empty() || i.state == q.state || (q.state == "overdue" && i.overdue(now))
        })
        .map(|i| item_line(i, now))
        .collect();
    let units = reachable_units(&st, &s).await.unwrap_or_default();
    // Opened on a case (from a warning): the case's own unit is offered first, if in reach.
    let responsible = match q.case_number.trim() {
        "" => String::new(),
        n => match st.store.case_id_by_number(n).await {
            Ok(Some(id)) => crate::http::access::readable(&st, &s, id)
                .await
                .ok()
                .map(|r| r.org_id)
                .filter(|o| units.iter().any(|(u, _)| u == o))
                .unwrap_or_default(),
            _ => String::new(),
        },
    };
    render(&LedgerPage {
        responsible,
        layout: Layout::new(&s, "/supervision"),
        lines,
        counts,
        state: q.state,
        can_open: supervises(s.user.role),
        sources: ItemSource::ALL
            .iter()
            .filter(|x| x.opened_by_hand())
            .map(|x| (x.as_str(), x.zh()))
            .collect(),
        units,
        case_number: q.case_number,
        title: q.title,
        source: q.source,
        overdue,
        catalogue: catalogue_groups(&st, &s),
        catalogue_code: q.catalogue,
    })
}

#[derive(Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    responsible_org_id: String,
    #[serde(default)]
    rectify_due: String,
    /// A catalogue entry: the item is then a procuratorial one whatever `source` says.
    #[serde(default)]
    catalogue: String,
}

pub async fn item_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<ItemForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    let catalogue = f.catalogue.trim();
    let input = ItemInput {
        source: if catalogue.is_empty() {
            f.source
        } else {
            ItemSource::Procuratorial.as_str().to_string()
        },
        source_ref: (!catalogue.is_empty()).then(|| catalogue.to_string()),
        case_number: Some(f.case_number),
        case_id: None,
        title: f.title,
        description: f.description,
        responsible_org_id: Some(f.responsible_org_id),
        rectify_due: Some(f.rectify_due),
    };
    match open_item(&st, &s, &input).await {
        Ok(id) => redirect(&format!("/supervision/{id}")),
        Err(e) => error_page(e.status, &e.message),
    }
}

#[derive(Template)]
#[template(path = "supervision_item.html")]
struct ItemPage {
    layout: Layout,
    i: ItemLine,
    description: String,
    /// The evaluated case a quality evaluation raised the item on.
    evaluation: Option<i64>,
    /// The public's rating the item was raised on (to those who read ratings).
    rating: Option<i64>,
    /// Raised on a bad rating: accepting is the call-back, closing the reply (both written).
    is_rating: bool,
    source_ref: String,
    opened_by: String,
    steps: Vec<StepView>,
    evidence: Vec<EvidenceView>,
    actions: Vec<(&'static str, &'static str)>,
    can_upload: bool,
    can_assign: bool,
    units: Vec<(String, String)>,
    referral: Option<(i64, String)>,
    project: Option<i64>,
    /// The supervisor's opinion it was raised on: (activity, opinion).
    opinion: Option<(i64, i64)>,
    catalogue_entry: Option<CatalogueView>,
}

pub struct StepView {
    pub at: String,
    pub action_zh: &'static str,
    pub to_zh: &'static str,
    pub actor: String,
    pub note: String,
}

pub struct EvidenceView {
    pub id: i64,
    pub filename: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

fn step_view(x: &StepRow) -> StepView {
    StepView {
        at: local(&x.at),
        action_zh: match x.action.as_str() {
            "open" => "立项",
            "escalate" => "超期督促",
            a => ItemAction::parse(a).map_or("—", |a| a.zh()),
        },
        to_zh: ItemState::parse(&x.to_state).map_or("—", |s| s.zh()),
        actor: x.actor.clone().unwrap_or_else(|| "系统".into()),
        note: x.note.clone(),
    }
}

fn evidence_view(e: &EvidenceRow) -> EvidenceView {
    EvidenceView {
        id: e.id,
        filename: e.filename.clone(),
        size: e.size,
        sha256: e.sha256.clone(),
        uploaded_by: e.uploaded_by.clone(),
        uploaded_at: local(&e.uploaded_at),
    }
}

pub async fn item_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "督办事项不存在");
    };
    let item = match item_for(&st, &s, id).await {
        Ok(i) => i,
        Err(e) => return error_page(e.status, &e.message),
    };
    let (steps, evidence, dir) = match (
        st.store.item_steps(id).await,
        st.store.item_evidence(id).await,
        st.store.org_directory().await,
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        _ => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "读取督办事项失败"),
    };
    let actor = item_actor(&item, &s.user, &s.org, &dir);
    let facts = tianping_domain::supervision::ItemFacts {
        state: item.state(),
        rectifier: item.rectifier_id,
        evidence: item.evidence_count as u32,
        revisited: item.revisited_at.is_some(),
    };
    let is_rating = ItemSource::parse(&item.source) == Some(ItemSource::PublicRating);
    // The actions this user could take now (a note-less check; the server checks again).
    let actions = ItemAction::ALL
        .iter()
        .filter(|a| !matches!(a, ItemAction::Reopen | ItemAction::Assign))
        .filter(|a| {
            tianping_domain::supervision::item_transition(&facts, **a, &actor, "x").is_ok()
                || (**a == ItemAction::Submit
                    && actor.responsible_side
                    && facts.state == ItemState::Rectifying)
                || (**a == ItemAction::Close
                    && actor.opener_side
                    && facts.state == ItemState::Verified)
        })
        .map(|a| {
            // A bad rating's item names its steps as the court works it (回访, 答复).
            let zh = if is_rating {
                tianping_domain::feedback::item_step_zh(*a).unwrap_or(a.zh())
            } else {
                a.zh()
            };
            (a.as_str(), zh)
        })
        .collect();
    let rating = (is_rating && tianping_domain::access::reads_ratings(s.user.role, s.org.kind))
        .then(|| {
            item.source_ref
                .as_deref()
                .and_then(|r| r.parse::<i64>().ok())
        })
        .flatten();
    let can_assign =
        actor.opener_side && matches!(item.state(), ItemState::Found | ItemState::Assigned);
    let referral = match item.referral_id {
        Some(r) => st
            .store
            .referral(r)
            .await
            .ok()
            .flatten()
            .map(|x| (x.id, x.number)),
        None => None,
    };
    let opinion = match (ItemSource::parse(&item.source), &item.source_ref) {
        (Some(ItemSource::SupervisorOpinion), Some(r)) => match r.parse::<i64>() {
            Ok(o) => st
                .store
                .supervisor_opinion(o)
                .await
                .ok()
                .flatten()
                .map(|x| (x.activity_id, x.id)),
            Err(_) => None,
        },
        _ => None,
    };
    // An item a quality evaluation opened links to the evaluated case (its readers are checked
    // there).
    let evaluation = match (ItemSource::parse(&item.source), &item.source_ref) {
        (Some(ItemSource::Evaluation), Some(r)) => r.parse::<i64>().ok(),
        _ => None,
    };
    render(&ItemPage {
        layout: Layout::new(&s, "/supervision"),
        evaluation,
        description: item.description.clone(),
        opinion,
        rating,
        is_rating,
        // A procuratorial item shows its catalogue entry, never the entry's code; an item raised
        // on a record links to it instead of showing its number.
        source_ref: if item_addressee(&st, &item).is_some()
            || ItemSource::parse(&item.source) == Some(ItemSource::SupervisorOpinion)
            || is_rating
            || evaluation.is_some()
        {
            String::new()
        } else {
            item.source_ref.clone().unwrap_or_default()
        },
        catalogue_entry: catalogue_view(&st, &item),
        opened_by: item.opened_by_name.clone(),
        steps: steps.iter().map(step_view).collect(),
        evidence: evidence.iter().map(evidence_view).collect(),
        actions,
        can_upload: actor.responsible_side
            && matches!(item.state(), ItemState::Assigned | ItemState::Rectifying),
        can_assign,
        units: if can_assign {
            // A procuratorial item goes to a unit of the organ it is raised with.
            let addressee = item_addressee(&st, &item);
            reachable_units(&st, &s)
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|(id, _)| {
                    addressee.is_none_or(|k| dir.get(id).is_some_and(|o| o.kind == k))
                })
                .collect()
        } else {
            vec![]
        },
        referral,
        project: item.project_id,
        i: item_line(&item, st.now()),
    })
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) action: String,
    #[serde(default)]
    pub(super) note: String,
    #[serde(default)]
    pub(super) responsible_org_id: String,
    #[serde(default)]
    pub(super) due: String,
}

pub async fn action_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> Response {
    let (st, s, f) = (&st, &s, &f);
    let input = ActionInput {
        action: f.action.clone(),
        note: f.note.clone(),
        responsible_org_id: Some(f.responsible_org_id.clone()),
        due: Some(f.due.clone()),
    };
    form_post(s, &f.csrf, &id, "督办事项", |id| async move {
        advance(st, s, id, &input).await?;
        Ok(format!("/supervision/{id}"))
    })
    .await
}

/// Evidence upload from the item page (multipart: csrf, file).
pub async fn evidence_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "督办事项不存在");
    };
    let form = match UploadForm::read(req, &st).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let csrf = form.field("csrf");
    let file = form.file.map(|f| (f.name, f.content_type, f.bytes));
    if let Some(r) = csrf_refused(&csrf, &s) {
        return r;
    }
    let Some((fname, ctype, data)) = file else {
        return error_page(StatusCode::BAD_REQUEST, "请选择要上传的文件");
    };
    match upload(&st, &s, id, &fname, &ctype, &data).await {
        Ok(_) => redirect(&format!("/supervision/{id}")),
        Err(e) => error_page(e.status, &e.message),
    }
}

pub async fn evidence_download(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path((id, eid)): Path<(String, String)>,
) -> Response {
    let (Ok(id), Ok(eid)) = (id.parse::<i64>(), eid.parse::<i64>()) else {
        return error_page(StatusCode::NOT_FOUND, "材料不存在");
    };
    if let Err(e) = item_for(&st, &s, id).await {
        return error_page(e.status, &e.message);
    }
    match st.store.evidence_file(id, eid).await {
        Ok(Some((meta, data))) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"evidence-{eid}\"; filename*=UTF-8''{}",
                        enc(&meta.filename)
                    ),
                ),
            ],
            data,
        )
            .into_response(),
        Ok(None) => error_page(StatusCode::NOT_FOUND, "材料不存在"),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &ApiError::from(e).message,
        ),
    }
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
pub struct ItemsQuery {
    /// Only the items of one source (`public_rating` — also `feedback` —, `supervisor_opinion` …).
    #[serde(default)]
    pub source: Option<String>,
}

pub async fn api_items(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Query(q): Query<ItemsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let source = match q.source.as_deref().map(str::trim).filter(|x| !x.is_empty()) {
        None => None,
        Some("feedback") => Some(ItemSource::PublicRating),
        Some(x) => Some(ItemSource::parse(x).ok_or_else(|| {
            ApiError::invalid_field(Code::Invalid, "source", format!("没有“{x}”这一督办来源"))
                .with_status(StatusCode::BAD_REQUEST)
        })?),
    };
    let items: Vec<ItemRow> = visible_items(&st, &s)
        .await?
        .into_iter()
        .filter(|i| source.is_none_or(|src| ItemSource::parse(&i.source) == Some(src)))
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn api_item(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id, "督办事项")?;
    let item = item_for(&st, &s, id).await?;
    Ok(Json(json!({
        "item": item,
        "steps": st.store.item_steps(id).await?,
        "evidence": st.store.item_evidence(id).await?,
    })))
}

pub async fn api_open_item(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    let i: ItemInput = json_body(&body)?;
    let id = open_item(&st, &s, &i).await?;
    Ok((StatusCode::CREATED, Json(crate::view::Created { id })).into_response())
}

pub async fn api_item_action(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<crate::view::Moved>, ApiError> {
    let (id, a): (i64, ActionInput) = json_post(&headers, &s, &id, "督办事项", &body)?;
    let state = advance(&st, &s, id, &a).await?;
    Ok(Json(crate::view::Moved {
        state: state.as_str(),
    }))
}

#[derive(Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    filename: String,
}

pub async fn api_evidence(
    State(st): State<AppState>,
    headers: HeaderMap,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &s)?;
    let id = parse_id(&id, "督办事项")?;
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let eid = upload(&st, &s, id, &q.filename, ctype, &body).await?;
    Ok((StatusCode::CREATED, Json(crate::view::Created { id: eid })).into_response())
}
