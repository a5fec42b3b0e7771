//! Seeding what the events do not create: accounts waiting for a grant, system clients, and the
//! supervision work (flags, acts, items, referrals, projects, interference records) of the demo.

use super::org_id;
use chrono::{DateTime, Duration, Utc};
use tianping_domain::{AgencyKind, Clearance, Role};

/// Agencies' case systems already connected (业务系统接入), so the security administrator's page
/// has real entries: 杭州's intermediate court, the 上城 court, procuratorate and police; one old
/// system revoked. Their tokens are random and never shown (a real agency gets its token when the
/// security administrator issues it).
/// Accounts the system administrator opened this week that wait for the security administrator's
/// grant (三员分立): the security administrator's morning work. `password_hash` is the demo
/// password's hash; the accounts cannot log in until granted.
pub async fn seed_pending_accounts(
    store: &tianping_store::Store,
    password_hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let pending = [
        (
            "xh_newjudge",
            "邱思远",
            org_id(AgencyKind::Court, "330106"),
            Role::Judge,
        ),
        (
            "gs_newoffice",
            "方静怡",
            org_id(AgencyKind::Procuratorate, "330105"),
            Role::CaseOffice,
        ),
    ];
    for (i, (username, name, org, role)) in pending.into_iter().enumerate() {
        store
            .open_account(
                &tianping_store::user::NewUser {
                    username: username.into(),
                    display_name: name.into(),
                    org_id: org,
                    role,
                    clearance: Clearance::default(),
                    email: Some(format!("{username}@demo.tianping.test")),
                    password_hash: password_hash.into(),
                },
                "sysadmin",
                now - Duration::hours(20 - i as i64),
            )
            .await?;
    }
    Ok(())
}

pub async fn seed_system_clients(
    store: &tianping_store::Store,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let systems = [
        (
            "杭州市中级人民法院审判管理系统",
            org_id(AgencyKind::Court, "3301"),
            false,
        ),
        (
            "上城区人民法院审判管理系统",
            org_id(AgencyKind::Court, "330102"),
            false,
        ),
        (
            "上城区人民检察院检察业务应用系统",
            org_id(AgencyKind::Procuratorate, "330102"),
            false,
        ),
        (
            "杭州市公安局上城区分局执法办案系统",
            org_id(AgencyKind::Police, "330102"),
            false,
        ),
        (
            "上城区人民法院旧审判系统（已停用）",
            org_id(AgencyKind::Court, "330102"),
            true,
        ),
    ];
    for (i, (name, org, revoked)) in systems.into_iter().enumerate() {
        let token = tianping_server::auth::random_token().map_err(|e| anyhow::anyhow!("{e}"))?;
        let at = now - Duration::days(90 - 10 * i as i64);
        let Some(id) = store
            .add_system_client(
                name,
                &org,
                &tianping_server::auth::token_hash(&token),
                "secadmin",
                at,
            )
            .await?
        else {
            continue;
        };
        if revoked {
            store
                .revoke_system_client(id, "secadmin", now - Duration::days(7))
                .await?;
        }
    }
    Ok(())
}

/// Supervision work already under way in the demo: an item the city court's case office opened
/// from an overdue clock and assigned to the 上城 court, a record of a leading cadre asking about a
/// case, and a joint supervision project of the provincial 人大 with the 杭州 政法委.
pub async fn seed_supervision(
    store: &tianping_store::Store,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    use tianping_domain::supervision::{
        InterferenceChannel, InterferenceOutcome, InterferenceSource, ProjectAction,
    };
    use tianping_store::supervision::{NewInterference, NewItem};
    let who = |name: &'static str| async move {
        let u = store
            .user_by_username(name)
            .await?
            .with_context(|| format!("demo user {name}"))?;
        let o = store
            .org(&u.org_id)
            .await?
            .with_context(|| format!("org of {name}"))?;
        anyhow::Ok((u, o))
    };
    let sc = org_id(AgencyKind::Court, "330102");
    let case: Option<(i64, String)> = sqlx::query_as(
        "SELECT c.id, c.case_number FROM clocks k JOIN cases c ON c.id = k.case_id WHERE k.org_id = $1 AND k.status = 'overdue' ORDER BY c.id LIMIT 1",
    )
    .bind(&sc)
    .fetch_optional(store.pool())
    .await?;
    let (u, o) = who("caseoffice").await?;
    store
        .open_item(
            &NewItem {
                source: tianping_domain::supervision::ItemSource::OverdueClock,
                source_ref: case.as_ref().map(|c| format!("{} 审限超期", c.1)),
                case_id: case.as_ref().map(|c| c.0),
                title: "上城法院超审限未结案件清理".into(),
                description: "审限已届满仍未结案，请查明原因、依法办结并报送结案情况。".into(),
                responsible_org_id: Some(sc.clone()),
                rectify_due_at: None,
                referral_id: None,
                project_id: None,
            },
            &u,
            &o,
            now,
        )
        .await?;
    if let Some((id, _)) = &case {
        let (j, jo) = who("judge").await?;
        store
            .record_interference(
                &NewInterference {
                    case_id: Some(*id),
                    source: InterferenceSource::Leader,
                    person_name: "王某".into(),
                    person_unit: "某区某局".into(),
                    person_position: "副局长".into(),
                    channel: InterferenceChannel::Phone,
                    occurred_at: now - chrono::Duration::days(3),
                    content: "来电询问案件进展，请求“关照”一方当事人".into(),
                    materials: String::new(),
                    outcome: InterferenceOutcome::Refused,
                    response: "当场拒绝，告知通过诉讼服务中心依法反映".into(),
                },
                &j,
                &jo,
                now,
            )
            .await?;
    }
    let (n, no) = who("npc").await?;
    let pid = store
        .create_project(
            "执行积案联合监督",
            "省人大常委会牵头，会同杭州市委政法委，对上城法院终本案件开展阅卷、走访和座谈。",
            &n,
            &no,
            now,
        )
        .await?;
    for org in [org_id(AgencyKind::PoliticalLegalCommittee, "3301"), sc] {
        store
            .act_on_project(
                pid,
                ProjectAction::AddMember,
                "",
                Some(&org),
                None,
                None,
                &[],
                &n,
                &no,
                now,
            )
            .await?;
    }
    store
        .act_on_project(
            pid,
            ProjectAction::Start,
            "",
            None,
            None,
            None,
            &[],
            &n,
            &no,
            now,
        )
        .await?;
    Ok(())
}
