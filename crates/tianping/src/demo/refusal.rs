//! The demo's 拒执 referrals: 上城's execution judge referred four debtors to the 上城 police — one
//! followed through filing and prosecution to the conviction released as a typical case, one
//! filed and waiting for the procuratorate, one referred two days ago (the `police` login's
//! 待办), one the police have sat on for seventy days (overdue, open to a private prosecution).

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use tianping_domain::refusal::{Stage, Step};
use tianping_store::Store;
use tianping_store::refusal::NewReferral;

pub async fn seed_refusals(store: &Store, now: DateTime<Utc>) -> Result<usize> {
    let court = super::org_id(tianping_domain::AgencyKind::Court, "330102");
    let police_org = super::org_id(tianping_domain::AgencyKind::Police, "330102");
    let proc_org = super::org_id(tianping_domain::AgencyKind::Procuratorate, "330102");
    let cases: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM cases WHERE org_id = $1 AND kind = 'execution' ORDER BY filed_at LIMIT 4 OFFSET 8",
    )
    .bind(&court)
    .fetch_all(store.pool())
    .await?;
    let user = |n: &'static str| async move {
        store
            .user_by_username(n)
            .await?
            .with_context(|| format!("demo user {n}"))
    };
    let (judge, police, prosecutor) = (
        user("judge").await?,
        user("police").await?,
        user("prosecutor").await?,
    );
    let today = tianping_domain::clock::local_date(now);
    let day = |ago: i64| today - Duration::days(ago);
    let at = |ago: i64| tianping_domain::clock::local_midnight(day(ago)) + Duration::hours(10);
    // (debtor, facts, days ago referred, the steps: (step, days ago, note))
    type Steps = &'static [(Step, i64, &'static str)];
    let referrals: [(&str, &str, i64, Steps); 4] = [
        (
            "钱国栋",
            "被执行人钱国栋在判决生效后，执行中申报财产时隐瞒车辆一辆，并以明显低价转让给其亲属，拒不履行支付货款38万元的义务，情节严重。",
            190,
            &[
                (Step::File, 186, ""),
                (Step::Prosecute, 160, "以拒不执行判决、裁定罪提起公诉"),
                (
                    Step::Convict,
                    100,
                    "（2026）浙0102刑初8801号：判处有期徒刑十个月；家属代为履行全部货款",
                ),
            ],
        ),
        (
            "周海峰",
            "被执行人周海峰被限制消费后仍多次乘坐飞机出行，并将经营收入转入他人账户，拒不履行生效判决确定的还款义务。",
            20,
            &[(Step::File, 18, "")],
        ),
        (
            "郑晓东",
            "被执行人郑晓东拒不到庭报告财产，经查其将名下房产过户至前妻名下，拒不履行赔偿义务。",
            2,
            &[],
        ),
        (
            "孔德明",
            "被执行人孔德明以暴力方法阻碍执行人员查封其经营场所的设备，拒不履行支付工程款的义务。",
            70,
            &[],
        ),
    ];
    let mut n = 0;
    for ((debtor, facts, ago, steps), (case,)) in referrals.iter().zip(&cases) {
        let id = store
            .refer_refusal(
                &NewReferral {
                    case_id: *case,
                    police_org_id: &police_org,
                    debtor,
                    facts,
                    referred_on: day(*ago),
                },
                &judge,
                at(*ago),
            )
            .await?;
        let mut stage = Stage::Referred;
        for (step, ago, note) in steps.iter() {
            let (by, org) = match step.by() {
                tianping_domain::AgencyKind::Police => (&police, &police_org),
                tianping_domain::AgencyKind::Procuratorate => (&prosecutor, &proc_org),
                _ => (&judge, &court),
            };
            store
                .record_refusal_step(id, *step, day(*ago), note, by, org, stage, at(*ago))
                .await?;
            stage = step.to();
        }
        n += 1;
    }
    Ok(n)
}
