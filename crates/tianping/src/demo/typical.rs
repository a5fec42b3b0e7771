//! The demo's 典型案例: 上城's court and procuratorate released two — a 拒执 conviction (a case
//! added here: the debtor of an execution case who sold his car to a relative) and a debtor who
//! paid of their own accord — and two more wait: one the court approved and the procuratorate
//! has not (`prosecutor_inv`'s 待办), one neither side has (`president` and `prosecutor_inv`).
//! Every proposal goes through the domain's check, so the parties are named as published
//! judgments name them.

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tianping_domain::event::CaseState;
use tianping_domain::typical::{Anonymiser, ProposalInput, Side, check_proposal, rules};
use tianping_store::Store;

/// The 拒执 case: filed, heard and closed by judgment in 上城 over the past months.
async fn refusal_case(store: &Store, now: DateTime<Utc>) -> Result<i64> {
    let number = "（2026）浙0102刑初8801号";
    if let Some(id) = store.case_id_by_number(number).await? {
        return Ok(id);
    }
    let body = "33010219750614001";
    let check = tianping_domain::identity::check_char(body).unwrap_or('0');
    let ev = |id: &str, days_ago: i64, kind: &str, extra: serde_json::Value| {
        let mut v = json!({"source": "sc-cms", "source_event_id": id, "case_number": number,
            "occurred_at": (now - Duration::days(days_ago)).to_rfc3339(), "kind": kind});
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            for (k, x) in e {
                o.insert(k.clone(), x.clone());
            }
        }
        v
    };
    let lines = [
        ev(
            "typical-1",
            150,
            "filed",
            json!({"cause": "拒不执行判决、裁定", "charges": ["拒不执行判决、裁定罪"],
                "parties": [{"name": "钱国栋", "role": "被告人", "id_number": format!("{body}{check}")}]}),
        ),
        ev("typical-2", 148, "assigned", json!({"judge": "王审判"})),
        ev(
            "typical-3",
            100,
            "closed",
            json!({"disposition": "judgment", "sentence_months": 10}),
        ),
    ];
    super::ingest_json(store, lines.to_vec(), now, "demo 拒执 case").await?;
    store
        .case_id_by_number(number)
        .await?
        .context("the demo 拒执 case")
}

/// A closed public case of 上城's court of a kind, and its parties' state.
async fn closed_case(store: &Store, kind: &str, skip: i64) -> Result<Option<(i64, CaseState)>> {
    let court = super::org_id(tianping_domain::AgencyKind::Court, "330102");
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, state FROM cases WHERE org_id = $1 AND kind = $2 AND status = 'closed' AND confidentiality = 'public' \
         ORDER BY closed_at DESC, id LIMIT 1 OFFSET $3",
    )
    .bind(&court)
    .bind(kind)
    .bind(skip)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.and_then(|(id, s)| serde_json::from_str(&s).ok().map(|s| (id, s))))
}

/// The first natural person of a role (or any), for a summary that names them.
fn person(state: &CaseState, role: &str) -> String {
    state
        .parties
        .iter()
        .filter(|p| p.kind == tianping_domain::case::PartyKind::Natural)
        .find(|p| p.role.contains(role))
        .or_else(|| state.parties.first())
        .map_or("当事人".to_string(), |p| p.name.clone())
}

struct Story {
    case: i64,
    state: CaseState,
    category: &'static str,
    title: String,
    summary: String,
    significance: &'static str,
    /// 0: waiting for both; 1: the court approved; 2: released.
    approvals: u8,
    days_ago: i64,
}

pub async fn seed_typical(store: &Store, now: DateTime<Utc>) -> Result<usize> {
    let user = |n: &'static str| async move {
        store
            .user_by_username(n)
            .await?
            .with_context(|| format!("demo user {n}"))
    };
    let (chief, president, procurator) = (
        user("chief").await?,
        user("president").await?,
        user("prosecutor_inv").await?,
    );
    let refusal = refusal_case(store, now).await?;
    let (_, refusal_state) = store
        .case_by_id(refusal)
        .await?
        .context("the demo 拒执 case")?;
    let refusal_state: CaseState = serde_json::from_str(&refusal_state)?;
    let mut stories = vec![Story {
        case: refusal,
        state: refusal_state,
        category: "refusal_to_execute",
        title: "钱国栋拒不执行判决案".into(),
        summary: "杭州明远建材有限公司与钱国栋买卖合同纠纷一案，判决钱国栋支付货款38万元。判决生效后，钱国栋在执行中申报财产时隐瞒车辆一辆，并将其以明显低价转让给其亲属，拒不履行给付义务。上城区人民法院将线索移送公安机关立案侦查，检察机关提起公诉，钱国栋以拒不执行判决、裁定罪被判处有期徒刑十个月。判决前，钱国栋家属代为履行全部货款。".into(),
        significance: "本案是法院、检察院、公安机关协作打击拒执犯罪的典型。对有能力履行而隐瞒、转移财产的被执行人依法追究刑事责任，形成“不敢拒执”的震慑，促使积案实际执行到位。",
        approvals: 2,
        days_ago: 40,
    }];
    if let Some((case, state)) = closed_case(store, "execution", 0).await? {
        let debtor = person(&state, "被执行人");
        stories.push(Story {
            case,
            title: format!("{debtor}主动履行获出具自动履行证明案"),
            summary: format!(
                "被执行人{debtor}在收到执行通知书后，主动联系申请执行人协商还款方案，十五日内一次性履行全部给付义务。上城区人民法院依照自动履行正向激励机制，为其出具自动履行证明，并告知可在信用修复中使用。"
            ),
            state,
            category: "voluntary_performance",
            significance: "自动履行正向激励让守信的当事人得到看得见的好处，引导更多当事人主动履行生效裁判，从源头减少执行案件。",
            approvals: 2,
            days_ago: 25,
        });
    }
    if let Some((case, state)) = closed_case(store, "criminal", 0).await? {
        let defendant = person(&state, "被告人");
        let charge = state
            .charges
            .first()
            .cloned()
            .unwrap_or_else(|| state.cause.clone());
        stories.push(Story {
            case,
            title: format!("{defendant}{charge}案"),
            summary: format!(
                "被告人{defendant}犯{charge}，到案后如实供述，认罪认罚，积极退赔并取得谅解。上城区人民法院参照同类案件的量刑幅度，采纳检察机关的量刑建议依法作出判决。"
            ),
            state,
            category: "similar_case_guide",
            significance: "本案在类案检索的基础上统一量刑尺度，对同类认罪认罚案件的量刑具有参考意义。",
            approvals: 1,
            days_ago: 6,
        });
    }
    if let Some((case, state)) = closed_case(store, "civil", 0).await? {
        let plaintiff = person(&state, "原告");
        stories.push(Story {
            case,
            title: format!("{plaintiff}{}案", state.cause),
            summary: format!(
                "原告{plaintiff}与被告因{}诉至法院。审理中经法官释法明理，双方达成调解协议，被告当庭履行大部分款项，余款按期付清，案件实现案结事了。",
                state.cause
            ),
            state,
            category: "livelihood",
            significance: "本案通过调解与当庭履行相结合，当事人权益及时兑现，避免进入执行程序，体现了诉源治理和执行前端化解。",
            approvals: 0,
            days_ago: 2,
        });
    }
    let mut n = 0;
    for s in &stories {
        let anon = Anonymiser::new(&s.state.parties);
        let p = check_proposal(
            rules(),
            &ProposalInput {
                category: s.category,
                title: &s.title,
                summary: &s.summary,
                significance: s.significance,
                text: "",
                charges: &s.state.charges,
                case_closed: true,
                confidentiality: tianping_domain::Confidentiality::Public,
            },
            &anon,
        )
        .map_err(|e| anyhow::anyhow!("demo typical case {}: {e:?}", s.title))?;
        let t = now - Duration::days(s.days_ago);
        let id = store
            .propose_typical(s.case, &p, Side::Court, &chief, t)
            .await?;
        if s.approvals >= 1 {
            store
                .approve_typical(id, Side::Court, &president, t + Duration::days(1))
                .await?;
        }
        if s.approvals >= 2 {
            store
                .approve_typical(id, Side::Procuratorate, &procurator, t + Duration::days(3))
                .await?;
        }
        n += 1;
    }
    Ok(n)
}
