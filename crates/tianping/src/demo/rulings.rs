//! The demo's 类案冲突: three theft rulings of 上城's own court (published judgments, LeCaRD, MIT,
//! with the heading made 上城's) that diverge — a suspended sentence beside terms served — so that
//! 上城's pending theft cases show the conflict on their page and a president can flag them.

use anyhow::Result;
use chrono::{DateTime, Datelike, Offset, Utc};
use tianping_domain::judgment::Penalty;
use tianping_store::Store;
use tianping_store::judgments::NewJudgment;

const COURT: &str = "浙江省杭州市上城区人民法院";

/// Seeds the rulings; returns how many were added.
pub async fn seed_rulings(store: &Store, now: DateTime<Utc>) -> Result<u64> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM judgments WHERE source = 'lecard' AND charges LIKE '%盗窃罪%' ORDER BY id LIMIT 60",
    )
    .fetch_all(store.pool())
    .await?;
    // In the order the similar-case ranking puts them for a theft case known by its charge (as
    // a pending case's page searches): the court's rulings are then among its closest.
    let judgments = store.judgments_by_ids(&ids).await?;
    let t = tianping_search::Tokenizer::new();
    let docs: Vec<tianping_search::rank::Doc> = judgments
        .iter()
        .map(|j| {
            tianping_search::rank::Doc::new(
                &t,
                &j.id.to_string(),
                &j.fact,
                &j.text,
                j.charges.clone(),
            )
        })
        .collect();
    let q = tianping_search::rank::Query::new(&t, "盗窃罪", ["盗窃罪".to_string()]);
    let order = tianping_search::rank::rank(&q, &docs.iter().collect::<Vec<_>>());
    // One defendant, one charge (what the court imposed reads plainly): the best-placed
    // suspended sentence, and the two terms served placed nearest it.
    let mut suspended = vec![];
    let mut served: Vec<(f64, tianping_store::judgments::Judgment)> = vec![];
    for r in order {
        let Some(j) = judgments.iter().find(|j| j.id.to_string() == r.id).cloned() else {
            continue;
        };
        if j.charges != ["盗窃罪"] || j.sentences.len() != 1 {
            continue;
        }
        let s = &j.sentences[0];
        match (s.penalty, s.probation_months) {
            (Penalty::FixedTerm { .. }, Some(_)) if suspended.is_empty() => {
                suspended.push((r.score, j))
            }
            (Penalty::FixedTerm { months }, None) if months <= 36 => served.push((r.score, j)),
            _ => {}
        }
    }
    let Some((at, _)) = suspended.first() else {
        return Ok(0);
    };
    served.sort_by(|a, b| (a.0 - at).abs().total_cmp(&(b.0 - at).abs()));
    served.truncate(2);
    if served.len() < 2 {
        return Ok(0);
    }
    let suspended: Vec<_> = suspended.into_iter().map(|x| x.1).collect();
    let served: Vec<_> = served.into_iter().map(|x| x.1).collect();
    let batch: Vec<NewJudgment> = suspended
        .iter()
        .chain(&served)
        .enumerate()
        .map(|(k, j)| {
            let mut text = j.text.clone();
            if let Some(c) = &j.court {
                text = text.replacen(c.as_str(), COURT, 1);
            }
            // The number of 上城's court in the year it was decided (before 2016 the old form).
            if let Some(n) = &j.case_number {
                let year = j.decided_on.map_or(2019, |d| d.year());
                let ours = if year >= 2016 {
                    format!("（{year}）浙0102刑初{}号", 301 + k)
                } else {
                    format!("（{year}）杭上刑初字第{}号", 301 + k)
                };
                text = text.replacen(n.as_str(), &ours, 1);
            }
            NewJudgment {
                source_id: format!("sc-{}", j.source_id),
                title: j.title.clone(),
                text,
                fact: None,
                reasoning: None,
                judgment: None,
                charges: j.charges.clone(),
            }
        })
        .collect();
    let inserted = store
        .import_judgments("lecard", &batch, now)
        .await?
        .inserted;
    file_pending_theft(store, now).await?;
    Ok(inserted)
}

/// A theft case of 上城 filed a fortnight ago and given to the demo judge: the conflict sweep
/// finds the court's rulings diverge and flags it (a 四类案件 the president sees).
async fn file_pending_theft(store: &Store, now: DateTime<Utc>) -> Result<()> {
    let judge = store
        .user_by_username("judge")
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(chrono::Utc.fix());
    let local = |days: i64| {
        (now - chrono::Duration::days(days))
            .with_timezone(&beijing)
            .to_rfc3339()
    };
    // Numbered in the year it is filed.
    let year = (now - chrono::Duration::days(14))
        .with_timezone(&beijing)
        .year();
    // The first number from 401 on that the generated cases left free (a large province's
    // generator numbers thousands of 上城's 刑初 cases a year).
    let mut seq = 401;
    let number = loop {
        let n = format!("（{year}）浙0102刑初{seq}号");
        if store.case_id_by_number(&n).await?.is_none() {
            break n;
        }
        seq += 1;
    };
    let number = number.as_str();
    let lines = [
        serde_json::json!({
            "source": "demo", "source_event_id": "rulings-filed", "case_number": number,
            "occurred_at": local(14), "kind": "filed", "cause": "盗窃罪", "charges": ["盗窃罪"],
            "in_custody": true,
            "parties": [{"name": "钱某某", "role": "被告人"}],
        }),
        serde_json::json!({
            "source": "demo", "source_event_id": "rulings-assigned", "case_number": number,
            "occurred_at": local(13), "kind": "assigned", "judge": judge,
        }),
    ];
    super::ingest_json(store, lines.to_vec(), now, "the demo's pending theft case").await?;
    Ok(())
}
