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

/// A demo login and its organisation.
async fn demo_user(
    store: &tianping_store::Store,
    name: &str,
) -> anyhow::Result<(tianping_store::user::User, tianping_store::org::Org)> {
    use anyhow::Context;
    let u = store
        .user_by_username(name)
        .await?
        .with_context(|| format!("demo user {name}"))?;
    let o = store
        .org(&u.org_id)
        .await?
        .with_context(|| format!("org of {name}"))?;
    Ok((u, o))
}

/// Supervision work already under way in the demo: an item the city court's case office opened
/// from an overdue clock and assigned to the 上城 court, a record of a leading cadre asking about a
/// case, and a joint supervision project of the provincial 人大 with the 杭州 政法委.
pub async fn seed_supervision(
    store: &tianping_store::Store,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    use tianping_domain::supervision::{
        InterferenceChannel, InterferenceOutcome, InterferenceSource, ProjectAction,
    };
    use tianping_store::supervision::{NewInterference, NewItem};
    let who = |name: &'static str| demo_user(store, name);
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
                stage_due_at: None,
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
    // 侦查监督: the 上城 procuratorate raises catalogue items on the district police's overdue
    // clocks; the police have signed for one and are rectifying it, the other awaits them.
    let police = org_id(AgencyKind::Police, "330102");
    let overdue: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT c.id, c.case_number, k.clock_key FROM clocks k JOIN cases c ON c.id = k.case_id WHERE k.org_id = $1 AND k.status = 'overdue' ORDER BY c.id",
    )
    .bind(&police)
    .fetch_all(store.pool())
    .await?;
    let catalogue = store.supervision().catalogue.clone();
    let (p, po) = who("prosecutor_inv").await?;
    let mut raised: Vec<&str> = vec![];
    for (case_id, number, key) in &overdue {
        let Some(e) = tianping_domain::rules::ClockKey::parse(key)
            .and_then(|k| catalogue.for_clock(k, AgencyKind::Police))
        else {
            continue;
        };
        if raised.contains(&e.code.as_str()) {
            continue;
        }
        let id = store
            .open_item(
                &NewItem {
                    source: tianping_domain::supervision::ItemSource::Procuratorial,
                    source_ref: Some(e.code.clone()),
                    case_id: Some(*case_id),
                    title: e.zh.clone(),
                    description: format!("{number}：期限已届满，请依法纠正并书面回复纠正情况。"),
                    responsible_org_id: Some(police.clone()),
                    rectify_due_at: Some(now + chrono::Duration::days(catalogue.reply_days(e))),
                    referral_id: None,
                    project_id: None,
                    stage_due_at: None,
                },
                &p,
                &po,
                now,
            )
            .await?;
        if raised.is_empty() {
            let (officer, oo) = who("police").await?;
            store
                .advance_item(
                    id,
                    tianping_domain::supervision::ItemAction::Accept,
                    "已签收，正在核查",
                    None,
                    None,
                    &officer,
                    &oo,
                    now,
                )
                .await?;
        }
        raised.push(&e.code);
        if raised.len() == 2 {
            break;
        }
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

/// Work waiting for the supervising logins, so that each home page (待办) has some: a referral
/// from the 杭州 政法委 for the 杭州 人大 to sign for, one the other way that the 政法委 has signed
/// and must decide on, an item of the provincial 人大's joint project not yet assigned, and the
/// 杭州 procuratorate's 备案审查 of a 上城 judgment below the recommendation (for the district
/// procuratorate to sign for) and its 侦查监督 of the city police bureau — one item for the
/// bureau's 法制 unit to sign for, one it has rectified and submitted for the procuratorate to
/// verify.
pub async fn seed_workplace(
    store: &tianping_store::Store,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    use tianping_domain::supervision::{ItemAction, ItemSource, ReferralAction};
    use tianping_store::supervision::{NewItem, NewReferral};
    let who = |name: &'static str| demo_user(store, name);
    let sc = org_id(AgencyKind::Court, "330102");
    let (plc, plc_org) = who("plc").await?;
    let (npc_hz, npc_hz_org) = who("npc_hz").await?;
    store
        .send_referral(
            &NewReferral {
                to_org_id: npc_hz_org.id.clone(),
                subject: "上城法院执行案件终本后财产线索未核查".into(),
                content: "群众来信反映，上城法院部分终结本次执行程序案件未按规定每六个月查询被执行人财产，请人大常委会依法监督。".into(),
                case_id: None,
                responsible_org_id: Some(sc.clone()),
            },
            &plc,
            &plc_org,
            now - chrono::Duration::days(2),
        )
        .await?;
    let back = store
        .send_referral(
            &NewReferral {
                to_org_id: plc_org.id.clone(),
                subject: "代表反映公安机关受案立案不规范".into(),
                content: "人大代表视察中发现，部分派出所接报警情后未及时受案、立案，请政法委协调督促整改。".into(),
                case_id: None,
                responsible_org_id: Some(org_id(AgencyKind::Police, "330102")),
            },
            &npc_hz,
            &npc_hz_org,
            now - chrono::Duration::days(6),
        )
        .await?;
    store
        .act_on_referral(
            back,
            ReferralAction::Acknowledge,
            "",
            &plc,
            &plc_org,
            now - chrono::Duration::days(5),
        )
        .await?;

    seed_letter_drafts(store, now).await?;

    // The provincial 人大's project: a problem found in reading the files, not yet assigned.
    let (npc, npc_org) = who("npc").await?;
    let project: Option<(i64,)> = sqlx::query_as("SELECT id FROM projects ORDER BY id LIMIT 1")
        .fetch_optional(store.pool())
        .await?;
    store
        .open_item(
            &NewItem {
                source: ItemSource::JointSupervision,
                source_ref: None,
                case_id: None,
                title: "终本案件未按期查询被执行人财产".into(),
                description: "阅卷发现 12 件终结本次执行程序案件超过六个月未再次查询财产。".into(),
                responsible_org_id: None,
                rectify_due_at: None,
                referral_id: None,
                project_id: project.map(|p| p.0),
                stage_due_at: None,
            },
            &npc,
            &npc_org,
            now - chrono::Duration::days(1),
        )
        .await?;

    // The 杭州 procuratorate's 备案审查 of the 上城 judgment below the sentencing recommendation
    // (重罪轻判): the district procuratorate is asked to report whether it will protest.
    let (pc, pc_org) = who("prosecutor_city").await?;
    let lenient: Option<(i64, String)> = sqlx::query_as(
        "SELECT c.id, c.case_number FROM clocks k JOIN cases c ON c.id = k.case_id \
         WHERE k.org_id = $1 AND k.clock_key = 'protest_period' ORDER BY c.id LIMIT 1",
    )
    .bind(org_id(AgencyKind::Procuratorate, "330102"))
    .fetch_optional(store.pool())
    .await?;
    if let Some((case_id, number)) = lenient {
        store
            .open_item(
                &NewItem {
                    source: ItemSource::Inspection,
                    source_ref: None,
                    case_id: Some(case_id),
                    title: "判决刑期低于量刑建议，报送是否抗诉意见".into(),
                    description: format!(
                        "{number}：判决刑期明显低于量刑建议，请在抗诉期限内审查并报送是否抗诉的意见。"
                    ),
                    responsible_org_id: Some(org_id(AgencyKind::Procuratorate, "330102")),
                    rectify_due_at: Some(now + chrono::Duration::days(3)),
                    referral_id: None,
                    project_id: None,
                    stage_due_at: None,
                },
                &pc,
                &pc_org,
                now,
            )
            .await?;
    }

    // 侦查监督 of the city police bureau by the 杭州 procuratorate, on districts other than 上城.
    let overdue: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT c.id, c.case_number, k.clock_key FROM clocks k JOIN cases c ON c.id = k.case_id \
         WHERE c.agency_kind = 'police' AND k.org_id <> $1 AND k.region_path LIKE '/33/3301/%' AND k.status = 'overdue' ORDER BY c.id",
    )
    .bind(org_id(AgencyKind::Police, "330102"))
    .fetch_all(store.pool())
    .await?;
    let catalogue = store.supervision().catalogue.clone();
    let (legal, legal_org) = who("police_legal").await?;
    let bureau = org_id(AgencyKind::Police, "3301");
    let mut opened = 0;
    for (case_id, number, key) in &overdue {
        let Some(e) = tianping_domain::rules::ClockKey::parse(key)
            .and_then(|k| catalogue.for_clock(k, AgencyKind::Police))
        else {
            continue;
        };
        let id = store
            .open_item(
                &NewItem {
                    source: ItemSource::Procuratorial,
                    source_ref: Some(e.code.clone()),
                    case_id: Some(*case_id),
                    title: e.zh.clone(),
                    description: format!(
                        "{number}：期限已届满，请市局法制部门督促办案单位依法纠正并书面回复。"
                    ),
                    responsible_org_id: Some(bureau.clone()),
                    rectify_due_at: Some(now + chrono::Duration::days(catalogue.reply_days(e))),
                    referral_id: None,
                    project_id: None,
                    stage_due_at: None,
                },
                &pc,
                &pc_org,
                now - chrono::Duration::days(4),
            )
            .await?;
        if opened == 0 {
            // Signed for, rectified with a written reply, and submitted for verification.
            let at = now - chrono::Duration::days(3);
            store
                .advance_item(
                    id,
                    ItemAction::Accept,
                    "已签收",
                    None,
                    None,
                    &legal,
                    &legal_org,
                    at,
                )
                .await?;
            store
                .add_evidence(
                    id,
                    "纠正情况回复.txt",
                    "text/plain",
                    format!("{number} 已督促办案单位依法作出决定，并对承办民警进行提醒谈话。")
                        .as_bytes(),
                    &legal,
                    &legal_org,
                    at,
                )
                .await?;
            store
                .advance_item(
                    id,
                    ItemAction::Submit,
                    "已督促办案单位纠正，附纠正情况回复。",
                    None,
                    None,
                    &legal,
                    &legal_org,
                    now - chrono::Duration::days(1),
                )
                .await?;
        }
        opened += 1;
        if opened == 2 {
            break;
        }
    }
    Ok(())
}

/// 督办函 the city court's case office drafted on overdue cases of its own: two waiting for the
/// city court president's signature (签发), one the president returned with a note for the case
/// office to draft again.
async fn seed_letter_drafts(
    store: &tianping_store::Store,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let (office, office_org) = demo_user(store, "caseoffice").await?;
    let (president, _) = demo_user(store, "president_city").await?;
    // Drafted from the case page (no warning attached): the board's warnings stay for the case
    // office to sign.
    let overdue: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.id, MAX(c.judge) FROM clocks k JOIN cases c ON c.id = k.case_id \
         WHERE k.org_id = $1 AND k.status = 'overdue' AND c.judge IS NOT NULL AND c.confidentiality = 'public' \
         GROUP BY c.id ORDER BY c.id LIMIT 3",
    )
    .bind(&office_org.id)
    .fetch_all(store.pool())
    .await?;
    let code = office_org
        .court_code
        .clone()
        .unwrap_or_else(|| office_org.name.clone());
    for (i, (case_id, judge)) in overdue.iter().enumerate() {
        let body = format!(
            "经审判管理系统监测，该案审理期限已届满，承办人{judge}。请承办部门查明超期原因，依法尽快审结，并书面报告。"
        );
        let at = now - chrono::Duration::hours(20 - 6 * i as i64);
        let d = store
            .draft_letter(
                &tianping_store::clocks::NewLetter {
                    kind: "supervision",
                    case_id: *case_id,
                    warning_id: None,
                    org_id: &office_org.id,
                    org_code: &code,
                    issued_by: office.id,
                    addressee: "本院承办部门",
                    reply_by: (tianping_domain::clock::local_date(now) + chrono::Days::new(7)),
                    body: &body,
                },
                at,
            )
            .await?;
        // The first returned for more detail — unless it is the only one (how many clocks are
        // overdue depends on the hour the demo is loaded): one always waits for the president.
        if i == 0 && overdue.len() > 1 {
            store
                .close_letter_draft(
                    d.id,
                    president.id,
                    Some("请写明超期天数和此前已采取的措施后再送签。"),
                    at + chrono::Duration::hours(2),
                )
                .await?;
        }
    }
    Ok(())
}
