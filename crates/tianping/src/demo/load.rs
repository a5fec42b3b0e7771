//! Loading the demo province into an empty store: organisations, the printed logins and the court
//! staff without a login, the generated cases, this morning's warnings and digests, the
//! supervision and workplace seeds, connected systems, accounts awaiting a grant, the judgment
//! slice. `tianping demo` serves it; `tianping bench pages` times its pages.

use super::{
    generate, province, seed_pending_accounts, seed_supervision, seed_system_clients,
    seed_workplace, users,
};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use tianping_domain::{Clearance, Role};
use tianping_server::auth;
use tianping_store::Store;
use tianping_store::user::NewUser;

pub struct LoadOptions<'a> {
    pub seed: u64,
    /// Primary cases to generate.
    pub cases: usize,
    /// One password for every login, or a new one per login from `new_password`.
    pub password: Option<&'a str>,
    pub new_password: &'a dyn Fn() -> Result<String>,
    /// The hour (Beijing time) the morning digests go out.
    pub digest_hour: i64,
}

/// What was loaded: one line per printed login (role, username, password, unit and title) and a
/// summary of this morning's clock work.
pub struct Loaded {
    pub logins: Vec<(Role, &'static str, String, String)>,
    pub summary: String,
    /// An unused rating code of 上城's (its token id and case), for the printed sample URL.
    pub sample_rating: Option<(String, i64)>,
}

pub async fn load(store: &Store, opts: &LoadOptions<'_>, now: DateTime<Utc>) -> Result<Loaded> {
    let province = province(opts.seed);
    for o in &province.orgs {
        store.insert_org(o, now).await?;
    }
    let mut logins = vec![];
    for u in users(&province) {
        let pw = match opts.password {
            Some(p) => p.to_string(),
            None => (opts.new_password)()?,
        };
        let hash = auth::hash_password(&pw).map_err(|e| anyhow::anyhow!("{e}"))?;
        store
            .insert_user(
                &NewUser {
                    username: u.username.into(),
                    display_name: u.display_name.clone(),
                    org_id: u.org_id.clone(),
                    role: u.role,
                    clearance: u.clearance.clone(),
                    email: Some(format!("{}@demo.tianping.test", u.username)),
                    password_hash: hash,
                },
                now,
            )
            .await?;
        let org = province.orgs.iter().find(|o| o.id == u.org_id);
        let title = u.role.title_in(org.map(|o| o.kind));
        let org = org.map_or("", |o| o.name.as_str());
        logins.push((u.role, u.username, pw, format!("{org}（{title}）")));
    }
    // Every judge, chief, president and case office of the province has an account (so
    // warnings reach a person and the morning digests exist); only the logins printed
    // below can sign in — the others carry no password.
    let mut staff = 0;
    for o in province
        .orgs
        .iter()
        .filter(|o| o.kind == tianping_domain::AgencyKind::Court)
    {
        let judges = province.judges.get(&o.id).cloned().unwrap_or_default();
        let mut people: Vec<(String, String, Role)> = judges
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("{}-j{}", o.id, i + 1), n.clone(), Role::Judge))
            .collect();
        people.push((
            format!("{}-chief", o.id),
            format!("{}庭长", o.name.chars().take(2).collect::<String>()),
            Role::DivisionChief,
        ));
        people.push((
            format!("{}-president", o.id),
            format!("{}院长", o.name.chars().take(2).collect::<String>()),
            Role::President,
        ));
        people.push((
            format!("{}-office", o.id),
            format!("{}审管办", o.name.chars().take(2).collect::<String>()),
            Role::CaseOffice,
        ));
        for (username, name, role) in people {
            let taken = users(&province).into_iter().any(|u| {
                u.org_id == o.id
                    && u.role == role
                    && (role != Role::Judge || u.display_name == name)
            });
            if taken {
                continue;
            }
            store
                .insert_user(
                    &NewUser {
                        email: Some(format!("{username}@demo.tianping.test")),
                        username,
                        display_name: name,
                        org_id: o.id.clone(),
                        role,
                        clearance: Clearance::default(),
                        password_hash: "!login-disabled".into(),
                    },
                    now,
                )
                .await?;
            staff += 1;
        }
    }
    eprintln!("{staff} court staff accounts (no login) receive the clock warnings");
    eprintln!("generating {} cases (seed {}) …", opts.cases, opts.seed);
    let events = generate(&province, opts.cases, opts.seed, now);
    let numbered: Vec<tianping_store::Numbered> = events
        .into_iter()
        .enumerate()
        .map(|(i, record)| tianping_store::Numbered {
            line: i as u64 + 1,
            record,
        })
        .collect();
    let bar = indicatif::ProgressBar::new(numbered.len() as u64);
    let started = std::time::Instant::now();
    let mut total = tianping_store::IngestReport::default();
    for chunk in numbered.chunks(20_000) {
        total.merge(
            store
                .ingest(chunk, &tianping_store::Actor::system("demo"), now)
                .await?,
        );
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    store.fold_metrics(now).await?;
    if let Some(r) = total.rejected.first() {
        bail!(
            "the demo generator produced an invalid event (line {}, case {}: {} {}): {}",
            r.line,
            r.case_number,
            r.code,
            r.field,
            r.reason
        );
    }
    let (c, e) = store.counts().await?;
    eprintln!(
        "loaded {c} cases and {e} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // This morning's work: warnings for every clock due by now, and the digests (the demo
    // has no SMTP relay unless configured: the mailbox page shows what would be sent).
    crate::worker::apply_rules_in_force(store, now).await?;
    let t = crate::worker::tick(store, &crate::worker::Senders::default(), now).await?;
    seed_supervision(store, now)
        .await
        .context("seeding the demo's supervision work")?;
    seed_workplace(store, now)
        .await
        .context("seeding the work waiting for the supervising logins")?;
    seed_system_clients(store, now)
        .await
        .context("seeding the demo's connected agency systems")?;
    super::seed_people_supervisors(store, now)
        .await
        .context("seeding the demo's people's supervisors")?;
    eprintln!(
        "people's supervisors: a draw waits for two reveals — {}",
        super::PENDING_REVEALS
            .iter()
            .map(|(party, n)| format!("{party} {n}"))
            .collect::<Vec<_>>()
            .join("，")
    );
    let fb = super::seed_feedback(store, now)
        .await
        .context("seeding the demo's public ratings")?;
    eprintln!(
        "public ratings: {} ratings of 杭州's courts over five quarters",
        fb.ratings
    );
    let listed = super::seed_dishonest(store, now)
        .await
        .context("seeding the demo's 失信被执行人名单")?;
    eprintln!(
        "失信被执行人名单: {listed} listings of 上城's execution cases (see /public/dishonest)"
    );
    let typical = super::seed_typical(store, now)
        .await
        .context("seeding the demo's typical cases")?;
    eprintln!("典型案例: {typical} proposals of 上城's cases, two released (see /public/typical)");
    let referred = super::seed_refusals(store, now)
        .await
        .context("seeding the demo's 拒执 referrals")?;
    eprintln!("拒执 referrals: {referred} debtors of 上城 referred to the police (see /refusals)");
    let (deputies, given) = super::seed_deputies(store, now)
        .await
        .context("seeding the demo's deputies and the 终本库出清 campaign")?;
    eprintln!(
        "deputies: {deputies} in 杭州's towns and streets, {given} 终本 cases of 上城 given to them, a city campaign (see /campaigns)"
    );
    let (experts, evaluated) = super::seed_evaluations(store, now)
        .await
        .context("seeding the demo's quality evaluations")?;
    eprintln!(
        "案件质量评查: {experts} experts in two pools, {evaluated} cases in 中院's routine and 政法委's focus plans (see /evaluations)"
    );
    let (checked, open) = super::seed_self_checks(store, now)
        .await
        .context("seeding the demo's 案件自查")?;
    eprintln!(
        "案件自查: {checked} files of 上城's prosecutor self-checked, {open} waiting (see /evaluations/self-checks)"
    );
    let pending_pw = match opts.password {
        Some(p) => p.to_string(),
        None => (opts.new_password)()?,
    };
    seed_pending_accounts(
        store,
        &auth::hash_password(&pending_pw).map_err(|e| anyhow::anyhow!("{e}"))?,
        now,
    )
    .await
    .context("seeding the demo's accounts awaiting a grant")?;
    let (j, _) = crate::judgments::import_demo_slice(store, now).await?;
    eprintln!(
        "judgments: {} prior judgments from LeCaRD (MIT licence, data/judgments/) for similar-case retrieval",
        j.inserted
    );
    let rulings = super::seed_rulings(store, now)
        .await
        .context("seeding 上城's own theft rulings")?;
    eprintln!(
        "类案冲突: {rulings} theft rulings of 上城's court that diverge (see a pending 盗窃罪 case of 上城)"
    );
    let (drafts, open) = super::seed_proofreading(store, now)
        .await
        .context("seeding the demo's 文书校对")?;
    eprintln!(
        "文书校对: {drafts} drafts of judgments by 上城's and 西湖's judges, {open} findings open (see /proofreading)"
    );
    // Closings recorded from here on (by a user trying the demo) raise 量刑偏离预警.
    store.start_deviation_sweep().await?;
    let digests = store
        .build_digests(
            tianping_domain::clock::local_midnight(tianping_domain::clock::local_date(now))
                + chrono::Duration::hours(opts.digest_hour + 24),
        )
        .await?;
    // A bulk load: the planner's statistics follow it at once.
    store.analyze().await?;
    Ok(Loaded {
        logins,
        summary: format!(
            "clocks: {} due handled, {} warnings, {} urgent mails, {} digests (see /mailbox)",
            t.poll.fired,
            t.poll.warnings,
            t.poll.mails,
            t.poll.digests + digests
        ),
        sample_rating: fb.sample_token,
    })
}
