//! The demo's 文书校对: 上城's judge (`judge`) and 西湖's (`judge_xh`) have each uploaded drafts of
//! judgments in their criminal cases — published judgments (LeCaRD, MIT) with the heading made
//! the case's own and a slip or two of the kind drafts carry: an article no version of 刑法 had,
//! a civil appeal period in a criminal judgment. The older drafts' findings are resolved (fixed,
//! or set aside with a reason); the latest wait on the judge. 中院's 审管办 (`caseoffice`) reads
//! them by judge and court.

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use tianping_domain::proofread::review::{self, Status};
use tianping_domain::proofread::{Record, declared_parties, proofread_case};
use tianping_store::Store;
use tianping_store::case::CaseFilter;
use tianping_store::proofreading::{NewDraft, Resolution};

/// Why a judge set a finding aside.
const ASIDE: &[&str] = &[
    "系引述起诉书原文，不属于本院引用",
    "该处为原审判决内容，照录不改",
    "经核对无误，系分段羁押后合并计算",
];

/// Slips of the kind drafts carry, planted in a published judgment: an article no version of 刑法
/// had (`article`), a civil appeal period in a criminal judgment (`appeal`).
fn plant(text: &str, article: bool, appeal: bool) -> String {
    let mut t = text.to_string();
    if article {
        t = t.replacen(
            "《中华人民共和国刑法》第",
            "《中华人民共和国刑法》第四百六十七条、第",
            1,
        );
    }
    if appeal {
        t = t.replacen("第二日起十日内", "第二日起十五日内", 1);
    }
    t
}

/// Seeds the drafts; returns (drafts, findings still open).
pub async fn seed_proofreading(store: &Store, now: DateTime<Utc>) -> Result<(usize, i64)> {
    let sources: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM judgments WHERE source = 'lecard' AND text LIKE '%刑事判决书%' ORDER BY id LIMIT 40",
    )
    .fetch_all(store.pool())
    .await?;
    let mut source = sources.into_iter();
    let mut drafts = 0;
    let mut open = 0;
    for username in ["judge", "judge_xh"] {
        let who = store
            .user_by_username(username)
            .await?
            .with_context(|| format!("demo user {username}"))?;
        let org = store.org(&who.org_id).await?.context("judge's court")?;
        // The judge's own criminal cases first, then the court's others (sitting on the panel).
        let (mut cases, _) = store
            .list_cases(&CaseFilter {
                org_id: Some(org.id.clone()),
                kind: Some("criminal".into()),
                per_page: 20,
                page: 1,
                ..Default::default()
            })
            .await?;
        cases.sort_by_key(|c| c.judge.as_deref() != Some(who.display_name.as_str()));
        let n = cases.len().min(3);
        for (k, case) in cases.iter().take(n).enumerate() {
            let Some(id) = source.next() else { break };
            let Some(j) = store.judgment(id).await? else {
                continue;
            };
            let mut text = j.text.clone();
            if let Some(number) = &j.case_number {
                text = text.replacen(number.as_str(), &case.case_number, 1);
            }
            if let Some(court) = &j.court {
                text = text.replace(court.as_str(), &org.name);
            }
            // The district's procuratorate prosecutes: 公诉机关…人民检察院 becomes its own.
            if let Some(i) = text.find("公诉机关")
                && let Some(len) = text[i..].find("人民检察院")
            {
                let theirs = text[i + "公诉机关".len()..i + len + "人民检察院".len()].to_string();
                if theirs.chars().count() <= 20 {
                    let ours = org.name.replace("人民法院", "人民检察院");
                    text = text.replace(&theirs, &ours);
                }
            }
            // The defendants are the case's: each declared 被告人 in turn takes the name of the
            // case's next one.
            let state = match store.case_by_id(case.id).await? {
                Some((_, s)) => serde_json::from_str::<tianping_domain::CaseState>(&s).ok(),
                None => None,
            };
            let parties = state.map(|s| s.parties).unwrap_or_default();
            let ours = parties.iter().filter(|p| p.role == "被告人");
            let theirs: Vec<String> = declared_parties(&text)
                .into_iter()
                .filter(|(role, _)| *role == "被告人")
                .map(|(_, name)| name)
                .collect();
            for (old, new) in theirs.iter().zip(ours) {
                text = text.replace(old.as_str(), &new.name);
            }
            let latest = k + 1 == n;
            let text = plant(&text, k % 2 == 0 || latest, k % 2 == 1 || latest);
            let found = proofread_case(
                &text,
                &Record {
                    case_number: Some(case.case_number.as_str()),
                    origin_case_number: None,
                    parties: &parties,
                },
            );
            // The oldest draft a fortnight ago, the latest this morning.
            let at = now - Duration::days(14 - 6 * k as i64) - Duration::hours(3);
            let draft = store
                .record_proofread_draft(
                    &NewDraft {
                        case_id: case.id,
                        org_id: &org.id,
                        file_name: &format!("{}刑事判决书（送审稿）.docx", case.case_number),
                        body: &text,
                        findings: &found,
                    },
                    &who,
                    at,
                )
                .await?;
            drafts += 1;
            // The latest draft waits; the older ones are resolved.
            if latest {
                open += found.len() as i64;
                continue;
            }
            for (i, f) in found.iter().enumerate() {
                let seq = i as i64 + 1;
                let r = if f.suggestion.is_some() {
                    Resolution {
                        status: Status::Fixed,
                        applied: true,
                        reason: "",
                    }
                } else if f.kind.advisory() || (i + k) % 2 == 1 {
                    Resolution {
                        status: Status::NotApplicable,
                        applied: false,
                        reason: ASIDE[(i + k) % ASIDE.len()],
                    }
                } else {
                    Resolution {
                        status: Status::Fixed,
                        applied: false,
                        reason: "",
                    }
                };
                debug_assert!(review::REASON_MAX >= r.reason.chars().count());
                store
                    .resolve_proofread_finding(
                        draft,
                        seq,
                        &r,
                        &who,
                        at + Duration::hours(2 + i as i64),
                    )
                    .await?;
            }
        }
    }
    Ok((drafts, open))
}
