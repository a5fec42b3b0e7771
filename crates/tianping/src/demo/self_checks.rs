//! The demo's 案件自查: the `prosecutor` login (上城's 吴检察官, the handler the district's
//! procuratorate files name) has looked back at most of the files closed since the rule took
//! effect — nearly all on time, a few late, some with problems found and put right — and has the
//! latest ones waiting in their 待办, one of them past its days. The city's 案管办
//! (`prosecutor_city`) reads them by standing.

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use tianping_domain::clock::{local_date, local_midnight};
use tianping_domain::evaluation::rules;
use tianping_domain::evaluation::self_check;
use tianping_store::Store;
use tianping_store::evaluation::SelfCheckQuery;

/// What a prosecutor finds on looking back, and what they did about it.
const FOUND: &[&str] = &[
    "起诉书遗漏被告人一次前科，已向法院补充说明",
    "讯问笔录未记载告知认罪认罚从宽制度的时间，已补正说明",
    "量刑建议未写明缓刑考验期，已在庭审中补充",
    "退回补充侦查提纲未列明需补查的鉴定事项，已与侦查机关沟通补正",
    "审查报告未对辩护人提交的和解协议作出评析，已补充",
];

/// Seeds the self-checks; returns (done, waiting or overdue).
pub async fn seed_self_checks(store: &Store, now: DateTime<Utc>) -> Result<(usize, usize)> {
    let who = store
        .user_by_username("prosecutor")
        .await?
        .context("demo user prosecutor")?;
    let org = store.org(&who.org_id).await?.context("prosecutor's org")?;
    let r = rules();
    let cw = store.clockwork();
    let today = local_date(now);
    let mut rows = store
        .self_check_cases(&SelfCheckQuery {
            region_prefix: org.region_path.clone(),
            org_id: Some(org.id.clone()),
            judge: Some(who.display_name.clone()),
            closed_from: Some(r.days.self_check_from),
            pending_only: true,
            limit: 5000,
            ..Default::default()
        })
        .await?;
    // Oldest first: the latest closings are the ones still waiting.
    rows.reverse();
    let mut done = 0;
    let mut open = 0;
    let latest = rows.len().saturating_sub(2);
    for (i, row) in rows.iter().enumerate() {
        let closed = local_date(tianping_store::parse_ts(&row.closed_at)?);
        let due = self_check::due(closed, r, &cw.calendar);
        // Still within its days: waiting. The two latest closings are left undone whatever
        // their days (one is usually past them: the prosecutor's overdue 待办).
        if due >= today || i >= latest {
            open += 1;
            continue;
        }
        // One in eight late (a few days after its last day), the rest two to seven days after
        // closing; one in five with problems found.
        let day = if i % 8 == 3 {
            due + Duration::days(2 + (i % 4) as i64)
        } else {
            (closed + Duration::days(2 + (i % 6) as i64)).min(due)
        };
        if day >= today {
            open += 1;
            continue;
        }
        let (finding, note) = if i % 5 == 1 {
            ("problems", FOUND[i % FOUND.len()])
        } else {
            ("clean", "")
        };
        let at = local_midnight(day) + Duration::hours(16) + Duration::minutes((i % 50) as i64);
        store
            .record_self_check(row.case_id, &row.org_id, finding, note, &who, at)
            .await?;
        done += 1;
    }
    Ok((done, open))
}
