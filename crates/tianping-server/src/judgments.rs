//! The library of prior judgments (裁判文书库) for similar-case retrieval: a list filtered by charge
//! and each judgment with what was read from it — charges, cited statutes, sentences — beside its
//! text. Published judgments; anyone who reads cases may read them.

use crate::AppState;
use crate::http::PageUser;
use crate::http::page::{Layout, enc, error_page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use tianping_domain::judgment::months_zh as months;
use tianping_store::judgments::{Judgment, JudgmentRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/judgments", get(list))
        .route("/judgments/{id}", get(detail))
}

const PER_PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub charge: String,
    #[serde(default)]
    pub page: Option<u32>,
}

#[derive(Template)]
#[template(path = "judgments.html")]
struct ListPage {
    layout: Layout,
    charge: String,
    rows: Vec<JudgmentRow>,
    total: i64,
    page: u32,
    pages: u32,
    prev: String,
    next: String,
}

pub struct SentenceLine {
    pub defendant: String,
    pub charge: String,
    pub penalty: String,
    pub probation: String,
    pub fine: String,
    pub combined: bool,
}

#[derive(Template)]
#[template(path = "judgment.html")]
struct DetailPage {
    layout: Layout,
    j: Judgment,
    articles: Vec<String>,
    sentences: Vec<SentenceLine>,
}

pub async fn list(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Query(q): Query<ListQuery>,
) -> Response {
    if !s.user.role.reads_cases() {
        return error_page(StatusCode::FORBIDDEN, "无权查看裁判文书库");
    }
    let charge = q.charge.trim().to_string();
    let page = q.page.unwrap_or(1).max(1);
    let (rows, total) = match st
        .store
        .judgments_page(
            (!charge.is_empty()).then_some(charge.as_str()),
            page,
            PER_PAGE,
        )
        .await
    {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(error = %e, "judgments page");
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "读取裁判文书失败");
        }
    };
    let pages = u32::try_from((total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE))
        .unwrap_or(1)
        .max(1);
    let link = |p: u32| format!("/judgments?charge={}&page={p}", enc(&charge));
    render(&ListPage {
        layout: Layout::new(&s, "/judgments"),
        prev: if page > 1 {
            link(page - 1)
        } else {
            String::new()
        },
        next: if page < pages {
            link(page + 1)
        } else {
            String::new()
        },
        charge,
        rows,
        total,
        page,
        pages,
    })
}

pub async fn detail(
    State(st): State<AppState>,
    PageUser(s): PageUser,
    Path(id): Path<i64>,
) -> Response {
    if !s.user.role.reads_cases() {
        return error_page(StatusCode::FORBIDDEN, "无权查看裁判文书库");
    }
    let j = match st.store.judgment(id).await {
        Ok(Some(j)) => j,
        Ok(None) => return error_page(StatusCode::NOT_FOUND, "裁判文书不存在"),
        Err(e) => {
            tracing::error!(error = %e, "judgment page");
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "读取裁判文书失败");
        }
    };
    let articles = j.articles.iter().map(|a| a.label()).collect();
    let sentences = j
        .sentences
        .iter()
        .map(|x| SentenceLine {
            defendant: x.defendant.clone().unwrap_or_default(),
            charge: x.charge.clone().unwrap_or_default(),
            penalty: x.penalty.zh(),
            probation: x.probation_months.map(months).unwrap_or_default(),
            fine: x.fine_yuan.map(|f| format!("{f} 元")).unwrap_or_default(),
            combined: x.combined,
        })
        .collect();
    render(&DetailPage {
        layout: Layout::new(&s, "/judgments"),
        j,
        articles,
        sentences,
    })
}
