//! One person across agencies (issue 21): the path of a suspect or defendant through the files
//! that name their 公民身份号码 — each stage, each spell of custody, custody no file covers, the
//! days held and the 刑期折抵. `/persons/{id}` and `GET /api/v1/persons/{id}`; `/persons` finds a
//! person by the number, POSTed so that it never appears in a URL or a log.
//!
//! A reader follows a person only when one of the files they may read names them. The path is
//! then drawn from every criminal-chain file naming the person within the reader's region (the
//! chain's agencies share it: the court needs the police's custody to credit the sentence, the
//! police learn the judgment) — [`tianping_domain::access::follows_person`]. Files the reader may
//! read are listed with their clocks and links; the others by number and organ only; files
//! outside the region, other agencies' non-criminal files and state-secret files the reader is
//! not cleared for are only counted. Names are masked when any file drawn on is masked for the
//! reader.

use crate::AppState;
use crate::clocks::ClockView;
use crate::error::{ApiError, Code};
use crate::http::access::can_read;
use crate::http::extract::csrf_refused;
use crate::http::page::{Layout, api_error_page, error_page, redirect, render};
use crate::http::{CurrentUser, PageUser};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use tianping_domain::CaseKind;
use tianping_domain::case::{Visibility, visibility};
use tianping_domain::person;
use tianping_store::user::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/persons", get(find_page).post(find_submit))
        .route("/persons/{id}", get(person_page))
}

pub fn api_router() -> Router<AppState> {
    Router::new().route("/persons/{id}", get(api_person))
}

/// A file on a person's path, as the reader sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonFile {
    pub case_id: i64,
    pub case_number: String,
    pub org_name: String,
    pub agency_kind_zh: String,
    /// The role the file gives the person (犯罪嫌疑人, 被告人 …).
    pub role: String,
    pub status_zh: String,
    /// The file's custody and time-limit clocks (羁押、办案期限).
    pub clocks: Vec<ClockView>,
}

/// A file of another agency on the path: its number and organ, not its contents.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OtherFile {
    pub case_number: String,
    pub org_name: String,
    pub agency_kind_zh: String,
}

/// One person's path (`GET /api/v1/persons/{id}`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonDetail {
    pub id: i64,
    /// 公民身份号码, masked to its region and last four characters.
    pub id_number: String,
    /// Every name the files give the person (aliases included); masked when a file is.
    pub names: Vec<String>,
    pub files: Vec<PersonFile>,
    /// Files of other agencies drawn on for the path, which the reader does not open.
    pub other_files: Vec<OtherFile>,
    /// Files naming the person that are not the reader's to see.
    pub hidden_files: usize,
    /// Stages, custody spells, gaps, days held, 刑期折抵 and findings.
    #[schema(value_type = Object)]
    pub path: person::Path,
}

async fn detail(st: &AppState, s: &Session, id: i64) -> Result<PersonDetail, ApiError> {
    if !tianping_domain::access::follows_person(s.user.role, s.org.kind) {
        return Err(ApiError::forbidden("查看人员全流程"));
    }
    let Some(number) = st.store.person_id_number(id).await? else {
        return Err(ApiError::not_found("人员"));
    };
    let now = st.now();
    let mut tracks = vec![];
    let mut files = vec![];
    let mut names: Vec<String> = vec![];
    let mut masked = false;
    let mut hidden = 0usize;
    let mut others = vec![];
    for f in st.store.person_files(id).await? {
        let row = &f.row;
        if !row.region_path.starts_with(&s.org.region_path) {
            hidden += 1;
            continue;
        }
        let clearance = crate::view::clearance_for(
            s,
            &row.org_id,
            row.judge.as_deref(),
            &f.state.panel,
            f.state.clerk.as_deref(),
        );
        match visibility(row.confidentiality, &clearance) {
            Visibility::Full if row.confidentiality != tianping_domain::Confidentiality::Public => {
                // A confidential file read whole is logged for the auditor, as on the case page.
                st.store
                    .log_confidential_read(
                        s.user.id,
                        row.id,
                        row.confidentiality.as_str(),
                        "person_path",
                        "person",
                        now,
                    )
                    .await?;
            }
            Visibility::Full => {}
            Visibility::MaskParties => masked = true,
            Visibility::Withhold => {
                hidden += 1;
                continue;
            }
        }
        if !names.contains(&f.name) {
            names.push(f.name.clone());
        }
        let kind_zh = tianping_domain::AgencyKind::parse(&row.agency_kind)
            .map_or("", |k| k.zh())
            .to_string();
        if !can_read(s, row) {
            // Another agency's file shows on the path only if it is of the criminal chain (a
            // person's civil or administrative cases are not the police's business).
            let chain = matches!(
                CaseKind::parse(&row.kind),
                Some(CaseKind::Police | CaseKind::Prosecution | CaseKind::Criminal)
            );
            if !chain {
                hidden += 1;
                continue;
            }
            others.push(OtherFile {
                case_number: row.case_number.clone(),
                org_name: row.org_name.clone(),
                agency_kind_zh: kind_zh,
            });
            tracks.push(f.track);
            continue;
        }
        let clocks = crate::clocks::case_clocks(st, row.id)
            .await?
            .into_iter()
            .filter(|c| c.key != "long_pending")
            .collect();
        files.push(PersonFile {
            case_id: row.id,
            case_number: row.case_number.clone(),
            org_name: row.org_name.clone(),
            agency_kind_zh: kind_zh,
            role: f.role.clone(),
            status_zh: row.status.zh().to_string(),
            clocks,
        });
        tracks.push(f.track);
    }
    if files.is_empty() {
        // None of the reader's own files names the person: not theirs to follow (and never
        // revealing that the person exists).
        return Err(ApiError::not_found("人员"));
    }
    if masked {
        names = names
            .iter()
            .map(|n| {
                tianping_domain::Party {
                    name: n.clone(),
                    role: String::new(),
                    kind: Default::default(),
                    minor: false,
                    id_number: None,
                }
                .redacted()
                .name
            })
            .collect();
        names.dedup();
    }
    Ok(PersonDetail {
        id,
        id_number: person::mask_id(&number),
        names,
        files,
        other_files: others,
        hidden_files: hidden,
        path: person::path(&tracks, now),
    })
}

async fn api_person(
    State(st): State<AppState>,
    CurrentUser(s): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<PersonDetail>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::new(Code::InvalidId, format!("人员编号“{id}”不是整数")))?;
    Ok(Json(detail(&st, &s, id).await?))
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    layout: Layout,
    p: PersonDetail,
}

impl PersonPage {
    fn t(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::view::local(&tianping_store::ts(*at))
    }
    fn ot(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        at.as_ref()
            .map_or_else(|| "至今".to_string(), |t| self.t(t))
    }
    fn hourly(&self, key: &str) -> bool {
        tianping_domain::rules::ClockKey::parse(key).is_some_and(|k| k.is_hourly())
    }
    fn file_id(&self, number: &str) -> i64 {
        self.p
            .files
            .iter()
            .find(|f| f.case_number == number)
            .map_or(0, |f| f.case_id)
    }
}

async fn person_page(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(StatusCode::NOT_FOUND, "人员不存在");
    };
    match detail(&st, &s, id).await {
        Ok(p) => render(&PersonPage {
            layout: Layout::new(&s, "/persons"),
            p,
        }),
        Err(e) => api_error_page(e),
    }
}

#[derive(Template)]
#[template(path = "person_find.html")]
struct FindPage {
    layout: Layout,
    error: String,
}

async fn find_page(PageUser(s): PageUser) -> Response {
    if !tianping_domain::access::follows_person(s.user.role, s.org.kind) {
        return error_page(StatusCode::FORBIDDEN, "您的角色不查看人员全流程");
    }
    render(&FindPage {
        layout: Layout::new(&s, "/persons"),
        error: String::new(),
    })
}

#[derive(Deserialize)]
struct FindForm {
    csrf: String,
    #[serde(default)]
    id_number: String,
}

async fn find_submit(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Form(f): Form<FindForm>,
) -> Response {
    if let Some(r) = csrf_refused(&f.csrf, &s) {
        return r;
    }
    if !tianping_domain::access::follows_person(s.user.role, s.org.kind) {
        return error_page(StatusCode::FORBIDDEN, "您的角色不查看人员全流程");
    }
    let again = |error: String| {
        render(&FindPage {
            layout: Layout::new(&s, "/persons"),
            error,
        })
    };
    let number = match person::check_id(&f.id_number) {
        Ok(n) => n,
        Err(why) => return again(format!("公民身份号码{why}")),
    };
    match st.store.person_by_id_number(&number).await {
        Ok(Some(id)) => match detail(&st, &s, id).await {
            Ok(_) => redirect(&format!("/persons/{id}")),
            Err(_) => again("您可查看的案件中没有该公民身份号码".into()),
        },
        Ok(None) => again("您可查看的案件中没有该公民身份号码".into()),
        Err(e) => api_error_page(e.into()),
    }
}
