//! The demo's 失信被执行人名单: 上城's execution judge listed debtors of the court's execution
//! cases over the past two years — most still listed, one company, one deleted after paying,
//! one who paid last week and is overdue for deletion, one whose term ended — so the `judge`
//! login has deletions in 待办 and the public list has entries.

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use tianping_domain::dishonest::{ListingInput, check_listing, rules};
use tianping_store::Store;

/// A valid 公民身份号码 for a birth date (the domain's GB 11643 check character).
fn id_number(area: &str, birth: &str, seq: u32) -> String {
    let body = format!("{area}{birth}{seq:03}");
    let check = tianping_domain::identity::check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// A valid 统一社会信用代码 (the domain's GB 32100 check character).
fn credit_code(body17: &str) -> String {
    let check = tianping_domain::dishonest::credit_check_char(body17).unwrap_or('0');
    format!("{body17}{check}")
}

pub async fn seed_dishonest(store: &Store, now: DateTime<Utc>) -> Result<usize> {
    let sc = super::org_id(tianping_domain::AgencyKind::Court, "330102");
    let cases: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, filed_at FROM cases WHERE org_id = $1 AND kind = 'execution' ORDER BY filed_at LIMIT 8",
    )
    .bind(&sc)
    .fetch_all(store.pool())
    .await?;
    let judge = store
        .user_by_username("judge")
        .await?
        .context("demo user judge")?;
    let today = tianping_domain::clock::local_date(now);
    // (name, kind, id, ground, extra years, days ago the decision was made, what happened since)
    let debtors: [(&str, &str, String, &str, u32, i64, &str); 6] = [
        (
            "孙建伟",
            "person",
            id_number("330102", "19780312", 31),
            "able_refuses",
            0,
            60,
            "",
        ),
        (
            "杭州恒远建材有限公司",
            "organisation",
            credit_code("91330102MA27XY0K1"),
            "property_report",
            0,
            45,
            "",
        ),
        (
            "周海峰",
            "person",
            id_number("330104", "19850907", 57),
            "evades",
            1,
            90,
            "",
        ),
        (
            "吴丽萍",
            "person",
            id_number("330106", "19900121", 24),
            "consumption_order",
            0,
            30,
            "paid_long_ago",
        ),
        (
            "郑国强",
            "person",
            id_number("330102", "19720618", 13),
            "settlement",
            0,
            40,
            "paid_last_week",
        ),
        (
            "陈志明",
            "person",
            id_number("330108", "19690403", 75),
            "obstructs",
            0,
            20,
            "expired",
        ),
    ];
    let mut n = 0;
    for ((name, kind, id, ground, extra, after, fate), (case, filed)) in debtors.iter().zip(&cases)
    {
        let filed = tianping_store::parse_ts(filed).unwrap_or(now);
        let mut decided = tianping_domain::clock::local_date(filed) + Duration::days(*after);
        if *fate == "expired" {
            // Two years and a little ago: the term has just ended.
            decided = today - Duration::days(2 * 365 + 12);
        }
        if decided >= today {
            decided = today - Duration::days(7);
        }
        let listing = check_listing(
            rules(),
            &ListingInput {
                ground,
                kind,
                name,
                id_number: id,
                extra_years: *extra,
                decided_on: Some(decided),
                guarantee: false,
                seized_enough: false,
                later_in_order: false,
                today,
            },
        )
        .map_err(|e| anyhow::anyhow!("demo listing of {name}: {e:?}"))?;
        let at = tianping_domain::clock::local_midnight(decided) + Duration::hours(10);
        let id = store
            .list_dishonest(*case, &listing, *extra, &judge, at)
            .await?;
        n += 1;
        let on = |d: NaiveDate| tianping_domain::clock::local_midnight(d) + Duration::hours(15);
        match *fate {
            "paid_long_ago" => {
                let paid = (decided + Duration::days(120)).min(today - Duration::days(10));
                store
                    .record_dishonest_cause(
                        id,
                        "performed",
                        paid,
                        "申请执行人确认款项已全部收到",
                        &judge,
                        on(paid),
                    )
                    .await?;
                store
                    .delete_dishonest(id, &judge, on(paid + Duration::days(1)))
                    .await?;
            }
            "paid_last_week" => {
                let paid = today - Duration::days(8);
                store
                    .record_dishonest_cause(
                        id,
                        "settlement_performed",
                        paid,
                        "执行和解协议已履行完毕",
                        &judge,
                        on(paid),
                    )
                    .await?;
            }
            _ => {}
        }
    }
    Ok(n)
}
