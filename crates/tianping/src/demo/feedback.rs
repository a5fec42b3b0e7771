//! The demo's public ratings (司法公正码): five quarters of ratings of 杭州's courts — through
//! party codes printed on notices and each court's window poster —, mostly good, some bad; the
//! bad ones with a phone number became supervision items, most called back, rectified and
//! answered by the court's own staff, the newest still open and some overdue; a few anonymous
//! bad ones waiting for the case office's review; and one party's code of 上城 not yet used, whose
//! URL the demo prints so that whoever tries it can rate as the public does.

use super::Rng;
use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use tianping_domain::Role;
use tianping_domain::feedback::{RatingInput, check_rating, rules};
use tianping_domain::supervision::ItemAction;
use tianping_store::Store;
use tianping_store::feedback::NewToken;
use tianping_store::user::NewUser;

/// Comments people leave, by how they rated.
const GOOD: &[&str] = &[
    "法官耐心听取双方意见，调解很有成效。",
    "立案当天就办好了，效率很高。",
    "工作人员态度好，讲解清楚。",
    "判决说理清楚，服判。",
    "",
    "",
];
const MIDDLING: &[&str] = &["整体还可以，就是等待时间长了些。", "开庭通知有点晚。", ""];
const BAD: &[&str] = &[
    "开庭一再推迟，打电话也没人接。",
    "执行款迟迟没有到账，多次询问没有答复。",
    "庭审时不让我把话说完。",
    "立案窗口排队两个小时。",
    "案子拖了半年多还没判。",
];
/// The parties a notice goes to, by kind of case.
fn parties(kind: &str) -> &'static [&'static str] {
    match kind {
        "criminal" => &["被告人", "被害人", "自诉人"],
        "execution" => &["申请执行人", "被执行人"],
        "administrative" => &["原告", "被告"],
        _ => &["原告", "被告", "第三人"],
    }
}
const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "吴", "徐", "孙"];

/// What the demo left for whoever tries it.
pub struct Seeded {
    pub ratings: usize,
    /// The token id of an unused party code of 上城 (the URL is signed by the caller's key).
    pub sample_token: Option<(String, i64)>,
}

async fn staff(
    store: &Store,
    court: &str,
    name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<i64> {
    let username = format!(
        "{court}-{}",
        if role == Role::Judge {
            "judge"
        } else {
            "office"
        }
    );
    if let Some(u) = store.user_by_username(&username).await? {
        return Ok(u.id);
    }
    // The court's staff who handled ratings before the demo's day: they cannot log in.
    Ok(store
        .insert_user(
            &NewUser {
                username,
                display_name: name.into(),
                org_id: court.into(),
                role,
                clearance: Default::default(),
                email: None,
                password_hash: "!".into(),
            },
            now,
        )
        .await?)
}

pub async fn seed_feedback(store: &Store, now: DateTime<Utc>) -> Result<Seeded> {
    let mut rng = Rng::new(0x0024_F00D);
    let courts: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, name FROM orgs WHERE kind = 'court' AND region_path LIKE '/33/3301/%' ORDER BY id",
    )
    .fetch_all(store.pool())
    .await?;
    let issuer = store
        .user_by_username("clerk")
        .await?
        .context("demo user clerk")?;
    let mut ratings = 0;
    let mut sample = None;
    for (n, (court, court_name)) in courts.iter().enumerate() {
        // One court's windows are slow: its index is visibly worse.
        let slow = n % 5 == 2;
        let cases: Vec<(i64, Option<String>, String, String)> = sqlx::query_as(
            "SELECT id, judge, kind, filed_at FROM cases WHERE org_id = $1 AND agency_kind = 'court' AND filed_at >= $2 ORDER BY id LIMIT 36",
        )
        .bind(court)
        .bind(tianping_store::ts(now - Duration::days(430)))
        .fetch_all(store.pool())
        .await?;
        if cases.is_empty() {
            continue;
        }
        let office = staff(
            store,
            court,
            &format!("{}主任", rng.pick(SURNAMES)),
            Role::CaseOffice,
            now,
        )
        .await?;
        let office = store.user_by_id(office).await?.context("office")?;
        let org = store.org(court).await?.context("court")?;
        // 上城's clerk issues 上城's codes; elsewhere the court's own case-management office.
        let issuer = if court.ends_with("330102") {
            &issuer
        } else {
            &office
        };
        let mut codes = vec![];
        for (i, (case, judge, kind, filed)) in cases.iter().enumerate() {
            let list = parties(kind);
            let party = list[i % list.len()];
            let mut id = [0u8; 16];
            for b in id.iter_mut() {
                *b = rng.below(256) as u8;
            }
            let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
            // The notice goes out within days of filing (受理通知书).
            let filed = tianping_store::parse_ts(filed).unwrap_or(now);
            let issued = (filed + Duration::days(rng.range(1, 6))).min(now - Duration::days(1));
            store
                .issue_feedback_token(
                    &NewToken {
                        token_id: &hex,
                        scope: "case_party",
                        court_id: court,
                        case_id: Some(*case),
                        label: party,
                        expires_at: issued + Duration::days(rules().tokens.case_party_days),
                    },
                    issuer,
                    issued,
                )
                .await?;
            codes.push((hex, issued, judge.clone()));
        }
        // The window poster.
        let mut wid = [0u8; 16];
        for b in wid.iter_mut() {
            *b = rng.below(256) as u8;
        }
        let window: String = wid.iter().map(|b| format!("{b:02x}")).collect();
        store
            .issue_feedback_token(
                &NewToken {
                    token_id: &window,
                    scope: "window",
                    court_id: court,
                    case_id: None,
                    label: "诉讼服务中心",
                    expires_at: now + Duration::days(rules().tokens.window_days),
                },
                issuer,
                now - Duration::days(440),
            )
            .await?;
        // 上城 keeps its newest code unused: the printed sample.
        if court.ends_with("330102")
            && let Some((hex, _, _)) = codes.pop()
        {
            sample = Some((hex, cases[codes.len()].0));
        }
        let mut rated: Vec<(String, DateTime<Utc>)> =
            codes.iter().map(|c| (c.0.clone(), c.1)).collect();
        for _ in 0..rng.range(10, 25) {
            rated.push((window.clone(), now - Duration::days(rng.range(1, 430))));
        }
        for (hex, issued) in rated {
            let Some(t) = store.feedback_token(&hex).await? else {
                continue;
            };
            // Most parties rate within weeks of receiving the notice; some never do.
            if t.scope == "case_party" && rng.chance(0.15) {
                continue;
            }
            let at = if t.scope == "case_party" {
                (issued + Duration::days(rng.range(1, 40))).min(now - Duration::hours(2))
            } else {
                issued
            };
            let level = *rng.weighted(if slow {
                &[(5i64, 30u32), (4, 25), (3, 20), (2, 15), (1, 10)]
            } else {
                &[(5i64, 48u32), (4, 30), (3, 12), (2, 6), (1, 4)]
            });
            let comment = match level {
                4 | 5 => *rng.pick(GOOD),
                3 => *rng.pick(MIDDLING),
                _ => *rng.pick(BAD),
            };
            let phone = if level <= 2 && rng.chance(0.6) {
                format!("139{:08}", rng.below(100_000_000))
            } else {
                String::new()
            };
            let name = if phone.is_empty() {
                String::new()
            } else {
                format!("{}先生", rng.pick(SURNAMES))
            };
            let aspects: Vec<String> = rules()
                .aspects
                .iter()
                .filter(|_| rng.chance(0.25))
                .map(|a| a.key.clone())
                .collect();
            let r = check_rating(
                rules(),
                &RatingInput {
                    level: Some(level),
                    aspects: &aspects,
                    comment,
                    name: &name,
                    phone: &phone,
                },
            )
            .map_err(|e| anyhow::anyhow!("demo rating: {e:?}"))?;
            let done = store.rate(&t, &r, None, at).await?;
            ratings += 1;
            let age = (now - at).num_days();
            if let Some(item) = done.item_id
                && age > 25
                && !rng.chance(0.15)
            {
                // Handled: called back, rectified, verified and answered by the court's staff.
                let judge_name = t.case_judge.clone().unwrap_or_else(|| "承办法官".into());
                let judge = staff(store, court, &judge_name, Role::Judge, now).await?;
                let judge = store.user_by_id(judge).await?.context("judge")?;
                let mut when = at + Duration::days(1);
                store
                    .advance_item(
                        item,
                        ItemAction::Accept,
                        &format!(
                            "{}电话回访评价人，了解到：{}",
                            tianping_domain::document::date_zh(tianping_domain::clock::local_date(
                                when
                            )),
                            r.comment
                        ),
                        None,
                        None,
                        &judge,
                        &org,
                        when,
                    )
                    .await?;
                when += Duration::days(rng.range(3, 12));
                store
                    .add_evidence(
                        item,
                        "整改情况.txt",
                        "text/plain",
                        "已调整排期并向当事人说明。".as_bytes(),
                        &judge,
                        &org,
                        when,
                    )
                    .await?;
                store
                    .advance_item(
                        item,
                        ItemAction::Submit,
                        "已调整排期，书面告知当事人开庭时间，并对承办人进行提醒谈话。",
                        None,
                        None,
                        &judge,
                        &org,
                        when,
                    )
                    .await?;
                when += Duration::days(2);
                store
                    .advance_item(
                        item,
                        ItemAction::Verify,
                        "核实整改属实。",
                        None,
                        None,
                        &office,
                        &org,
                        when,
                    )
                    .await?;
                when += Duration::days(1);
                store
                    .advance_item(
                        item,
                        ItemAction::Close,
                        "电话答复评价人整改情况，评价人表示认可。",
                        None,
                        None,
                        &office,
                        &org,
                        when,
                    )
                    .await?;
            } else if done.item_id.is_none() && level <= 2 && age > 10 && rng.chance(0.7) {
                store
                    .decide_rating(
                        done.rating_id,
                        tianping_domain::feedback::DecisionKind::Reviewed,
                        "已阅，转承办庭室改进。",
                        &office,
                        at + Duration::days(3),
                    )
                    .await?;
            }
        }
        let _ = court_name;
    }
    Ok(Seeded {
        ratings,
        sample_token: sample,
    })
}
