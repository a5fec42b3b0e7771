//! 检察监督 from the catalogue, as the pages and the API show it: the entries a procuratorate may
//! raise (grouped by line of work for the new-item form), a procuratorial item's situation in words
//! (never the entry's code), the organ it is raised with, and the catalogue as reference data.

use crate::AppState;
use crate::http::CurrentUser;
use axum::Json;
use axum::extract::State;
use serde_json::json;
use tianping_domain::AgencyKind;
use tianping_domain::supervision::ItemSource;
use tianping_store::supervision::ItemRow;
use tianping_store::user::Session;

/// The organ a procuratorial item is raised with (its catalogue entry's addressee).
pub(super) fn item_addressee(st: &AppState, item: &ItemRow) -> Option<AgencyKind> {
    if ItemSource::parse(&item.source) != Some(ItemSource::Procuratorial) {
        return None;
    }
    let cfg = st.store.supervision();
    item.source_ref
        .as_deref()
        .and_then(|c| cfg.catalogue.get(c))
        .map(|e| e.addressee)
}

pub struct CatalogueGroup {
    pub category: String,
    /// (code, label with the instrument and the time to answer)
    pub entries: Vec<(String, String)>,
}

pub(super) fn catalogue_groups(st: &AppState, s: &Session) -> Vec<CatalogueGroup> {
    if s.org.kind != AgencyKind::Procuratorate {
        return vec![];
    }
    let cfg = st.store.supervision();
    cfg.catalogue
        .by_category()
        .into_iter()
        .map(|(category, entries)| CatalogueGroup {
            category: category.to_string(),
            entries: entries
                .into_iter()
                .map(|e| {
                    (
                        e.code.clone(),
                        format!(
                            "{}（{}，{}日内答复）",
                            e.zh,
                            cfg.catalogue.instrument(e).zh,
                            cfg.catalogue.reply_days(e)
                        ),
                    )
                })
                .collect(),
        })
        .collect()
}

/// A procuratorial item's situation as the catalogue lists it.
pub struct CatalogueView {
    pub category: String,
    pub zh: String,
    pub addressee_zh: &'static str,
    pub instrument: String,
    pub reply_days: i64,
    pub citation: String,
}

pub(super) fn catalogue_view(st: &AppState, item: &ItemRow) -> Option<CatalogueView> {
    item_addressee(st, item)?;
    let cfg = st.store.supervision();
    let e = cfg.catalogue.get(item.source_ref.as_deref()?)?;
    Some(CatalogueView {
        category: e.category.clone(),
        zh: e.zh.clone(),
        addressee_zh: e.addressee.zh(),
        instrument: cfg.catalogue.instrument(e).zh.clone(),
        reply_days: cfg.catalogue.reply_days(e),
        citation: tianping_domain::citation::zh(&e.citation),
    })
}

/// The catalogue of procuratorial supervision items: reference data for any signed-in user and
/// for the systems that open items through the API.
pub async fn api_catalogue(
    State(st): State<AppState>,
    CurrentUser(_s): CurrentUser,
) -> Json<serde_json::Value> {
    let cfg = st.store.supervision();
    let c = &cfg.catalogue;
    Json(json!({
        "version": c.version,
        "items": c.entries.iter().map(|e| json!({
            "code": e.code,
            "category": e.category,
            "name": e.zh,
            "addressee": e.addressee.as_str(),
            "instrument": c.instrument(e).zh,
            "reply_days": c.reply_days(e),
            "clocks": e.clocks.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            "citation": tianping_domain::citation::zh(&e.citation),
        })).collect::<Vec<_>>(),
    }))
}
