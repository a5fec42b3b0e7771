//! `tianping bench metrics`: the quality dashboard over generated cases on PostgreSQL — the
//! pre-aggregated running sums Tianping reads (`Store::metric_cumulative`) beside the same
//! metrics computed by plain `GROUP BY` SQL over a typed table of the same cases' facts, in the
//! same run, with equal numbers asserted; and the share of ingest time the maintenance of the
//! pre-aggregates takes.

use super::{Mix, generated, peak_rss_mb, percentile, scratch_dir, timed_ingest_report};
use crate::demo;
use anyhow::{Context, Result, bail};
use chrono::{Duration, Months, NaiveDate, Utc};
use sqlx::{Executor, Row};
use std::io::Write;
use std::process::Command;
use std::time::Instant;
use tianping_domain::AgencyKind;
use tianping_domain::case_type::{CaseKind, Procedure};
use tianping_domain::event::{Disposition, ZhongbenExit};
use tianping_domain::metrics::{CaseFacts, Counter, LimitOutcome, MetricSet, Period, Stay, Totals};
use tianping_store::Store;
use tianping_store::case::ScopeFilter;
use tianping_store::metrics::{FactsRow, MetricScope, TotalsDelta};

/// The last day of the generated data ("today").
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default()
}

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 1, 1).unwrap_or_default()
}

/// Where generated cases are filed, with weights: basic courts take most.
struct Place {
    org_id: String,
    region_path: String,
    agency: AgencyKind,
    weight: u64,
}

fn places(p: &demo::Province) -> Vec<Place> {
    use tianping_domain::org::Level;
    p.orgs
        .iter()
        .filter_map(|o| {
            let weight = match (o.kind, o.level) {
                (AgencyKind::Court, Level::County) => 60,
                (AgencyKind::Court, Level::City) => 12,
                (AgencyKind::Court, Level::Province) => 4,
                (AgencyKind::Procuratorate, Level::County) => 10,
                (AgencyKind::Police, Level::County) => 8,
                _ => return None,
            };
            Some(Place {
                org_id: o.id.clone(),
                region_path: o.region_path.clone(),
                agency: o.kind,
                weight,
            })
        })
        .collect()
}

/// One generated case: a court, procuratorate or police case with plausible durations and
/// outcomes (about 6 % still pending, some for years).
fn case(rng: &mut Mix, place: &Place) -> CaseFacts {
    let span = (today() - first_day()).num_days() as u64;
    let filed = first_day() + Duration::days(rng.below(span + 1) as i64);
    let (kind, procedure) = match place.agency {
        AgencyKind::Procuratorate => (CaseKind::Prosecution, Procedure::ProsecutionReview),
        AgencyKind::Police => (CaseKind::Police, Procedure::Investigation),
        _ => match rng.below(100) {
            0..=44 => (CaseKind::Civil, Procedure::FirstInstance),
            45..=54 => (CaseKind::Civil, Procedure::SecondInstance),
            55..=66 => (CaseKind::Criminal, Procedure::FirstInstance),
            67..=69 => (CaseKind::Criminal, Procedure::SecondInstance),
            70..=72 => (CaseKind::Administrative, Procedure::FirstInstance),
            _ => (CaseKind::Execution, Procedure::Execution),
        },
    };
    let days = match rng.below(100) {
        0..=59 => 5 + rng.below(90),
        60..=89 => 60 + rng.below(200),
        90..=97 => 200 + rng.below(500),
        _ => 400 + rng.below(1500),
    } as i64;
    let mut closed = Some(filed + Duration::days(days)).filter(|c| *c <= today());
    let mut disposition = closed.map(|_| match (kind, procedure) {
        (CaseKind::Execution, _) => match rng.below(10) {
            0..=4 => Disposition::ExecutionCompleted,
            5..=8 => Disposition::ExecutionTerminatedThisRound,
            _ => Disposition::Termination,
        },
        (CaseKind::Prosecution, _) => {
            if rng.chance(0.9) {
                Disposition::Indictment
            } else {
                Disposition::NonProsecution
            }
        }
        (CaseKind::Police, _) => Disposition::Transfer,
        (_, Procedure::SecondInstance) => match rng.below(10) {
            0..=6 => Disposition::Upheld,
            7..=8 => Disposition::Amended,
            _ => Disposition::RemandedForRetrial,
        },
        (CaseKind::Civil, _) => match rng.below(10) {
            0..=3 => Disposition::Judgment,
            4..=6 => Disposition::Mediation,
            _ => Disposition::Withdrawal,
        },
        _ => Disposition::Judgment,
    });
    // A third of the 终本 cases are restored (恢复执行) later and then pending or completed; a
    // tenth leave the database otherwise (paid, settled, terminated …), a third of those with a
    // deputy's help.
    let mut zhongben = vec![];
    if let (Some(c), Some(Disposition::ExecutionTerminatedThisRound)) = (closed, disposition) {
        let restored = c + Duration::days(30 + rng.below(700) as i64);
        let cleared = c + Duration::days(30 + rng.below(700) as i64);
        if rng.chance(0.1) && cleared <= today() {
            let exit =
                ZhongbenExit::ALL[1 + rng.below(ZhongbenExit::ALL.len() as u64 - 1) as usize];
            zhongben.push(Stay::ended(c, cleared, exit, rng.chance(0.33)));
        } else if rng.chance(0.33) && restored <= today() {
            zhongben.push(Stay::ended(c, restored, ZhongbenExit::Restored, false));
            let done = restored + Duration::days(20 + rng.below(200) as i64);
            (closed, disposition) = if done <= today() {
                (Some(done), Some(Disposition::ExecutionCompleted))
            } else {
                (None, None)
            };
        } else {
            zhongben.push(Stay::open(c));
        }
    }
    let claim = (kind == CaseKind::Execution || kind == CaseKind::Civil)
        .then(|| 1_000 + rng.below(2_000_000) as i64);
    let amount = match disposition {
        Some(Disposition::ExecutionTerminatedThisRound) => claim.map(|c| c / 5),
        Some(Disposition::ExecutionCompleted) if rng.chance(0.5) => claim,
        _ => None,
    };
    CaseFacts {
        kind,
        procedure,
        filed,
        closed,
        disposition,
        small_claims: kind == CaseKind::Civil
            && procedure == Procedure::FirstInstance
            && rng.chance(0.2),
        appealed: closed.is_some() && procedure == Procedure::FirstInstance && rng.chance(0.15),
        limit: match closed {
            None => LimitOutcome::Open,
            Some(_) if rng.chance(0.08) => LimitOutcome::Late,
            Some(_) => LimitOutcome::Met,
        },
        claim_amount_yuan: claim,
        amount_yuan: amount,
        has_origin: procedure == Procedure::SecondInstance
            || kind == CaseKind::Execution && rng.chance(0.9),
        extra_procedures: if kind == CaseKind::Prosecution {
            rng.below(3) as u32
        } else {
            0
        },
        zhongben,
        // About half the police files the procuratorate guided.
        guided: kind == CaseKind::Police && rng.chance(0.5),
        // One closed case in twenty evaluated, its grade final within 90 days of closing; four
        // in five pass.
        evaluated: match closed {
            Some(c) if rng.chance(0.05) => vec![tianping_domain::metrics::Evaluated {
                day: c + chrono::Duration::days(1 + rng.below(90) as i64),
                passes: rng.chance(0.8),
            }],
            _ => vec![],
        },
        // One trial case in ten had a draft proofread with one finding, ten days before
        // closing (or while pending); four in five resolved within a week.
        proofread: match closed {
            Some(c) if rng.chance(0.1) && kind != CaseKind::Execution => {
                let found = c - chrono::Duration::days(10);
                vec![tianping_domain::metrics::ProofreadFinding {
                    found,
                    resolved: rng
                        .chance(0.8)
                        .then(|| found + chrono::Duration::days(rng.below(7) as i64)),
                }]
            }
            _ => vec![],
        },
    }
}

fn csv_line(out: &mut impl Write, id: i64, r: &FactsRow) -> std::io::Result<()> {
    let f = &r.facts;
    let opt = |v: Option<String>| v.unwrap_or_default();
    writeln!(
        out,
        "{id},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        r.region_path,
        r.agency_kind,
        f.kind.as_str(),
        f.procedure.as_str(),
        f.filed,
        opt(f.closed.map(|d| d.to_string())),
        opt(f.disposition.map(|d| d.as_str().to_string())),
        f.small_claims,
        f.appealed,
        match f.limit {
            LimitOutcome::None => "none",
            LimitOutcome::Open => "open",
            LimitOutcome::Met => "met",
            LimitOutcome::Late => "late",
        },
        opt(f.claim_amount_yuan.map(|v| v.to_string())),
        opt(f.amount_yuan.map(|v| v.to_string())),
        f.has_origin,
        f.extra_procedures,
        opt(f.zhongben.first().map(|z| z.from.to_string())),
        opt(f
            .zhongben
            .first()
            .and_then(|z| z.to())
            .map(|d| d.to_string())),
        opt(f
            .zhongben
            .first()
            .and_then(|z| z.left)
            .map(|l| l.exit.as_str().to_string())),
        f.zhongben
            .first()
            .and_then(|z| z.left)
            .is_some_and(|l| l.assisted),
        f.guided,
        opt(f.evaluated.first().map(|e| e.day.to_string())),
        f.evaluated.first().is_some_and(|e| e.passes),
        opt(f.proofread.first().map(|p| p.found.to_string())),
        opt(f
            .proofread
            .first()
            .and_then(|p| p.resolved)
            .map(|d| d.to_string())),
    )
}

const ANCHOR_TABLE: &str = "CREATE UNLOGGED TABLE anchor_facts (
    case_id BIGINT PRIMARY KEY, region_path TEXT NOT NULL, agency_kind TEXT NOT NULL,
    kind TEXT NOT NULL, procedure TEXT NOT NULL, filed DATE NOT NULL, closed DATE,
    disposition TEXT, small_claims BOOLEAN NOT NULL, appealed BOOLEAN NOT NULL,
    limit_outcome TEXT NOT NULL, claim_amount_yuan BIGINT, amount_yuan BIGINT,
    has_origin BOOLEAN NOT NULL, extra_procedures INT NOT NULL, zb_from DATE, zb_to DATE,
    zb_exit TEXT, zb_assisted BOOLEAN NOT NULL, guided BOOLEAN NOT NULL,
    ev_day DATE, ev_passes BOOLEAN NOT NULL, pf_found DATE, pf_resolved DATE)";

/// The SQL of every counter for one period, as `SUM(…)` expressions in `Counter::ALL` order
/// (RULES.md §9.2 as `tianping_domain::metrics::Counter::value` counts it, written out in SQL).
fn anchor_sums(p: &Period) -> Vec<String> {
    let (f, t) = (format!("DATE '{}'", p.from), format!("DATE '{}'", p.to));
    let closed = format!("(closed BETWEEN {f} AND {t})");
    let filed = format!("(filed BETWEEN {f} AND {t})");
    let trial = "kind IN ('civil','criminal','administrative')";
    let first = format!("(procedure = 'first_instance' AND {trial})");
    let second = format!("(procedure = 'second_instance' AND {trial})");
    let appealable = format!(
        "({closed} AND {first} AND NOT small_claims AND COALESCE(disposition, '') NOT IN ('mediation','withdrawal'))"
    );
    let pending_end = format!("(filed <= {t} AND (closed IS NULL OR closed > {t}))");
    let over = |m: u32| format!("({pending_end} AND filed + INTERVAL '{m} months' < {t})");
    let count = |cond: String| format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)");
    let sum = |cond: String, v: &str| format!("SUM(CASE WHEN {cond} THEN {v} ELSE 0 END)");
    Counter::ALL
        .iter()
        .map(|c| {
            use Counter as C;
            match c {
                C::Received => count(filed.clone()),
                C::Closed => count(closed.clone()),
                C::PendingAtStart => count(format!(
                    "(filed < {f} AND (closed IS NULL OR closed >= {f}))"
                )),
                C::PendingAtEnd => count(pending_end.clone()),
                C::ClosedWithLimit => count(format!(
                    "{closed} AND limit_outcome IN ('met','late')"
                )),
                C::ClosedLate => count(format!("{closed} AND limit_outcome = 'late'")),
                C::ClosedDays => sum(closed.clone(), "(closed - filed)"),
                C::FirstInstanceClosed => count(format!("{closed} AND {first}")),
                C::AppealableClosed => count(appealable.clone()),
                C::Appealed => count(format!("{appealable} AND appealed")),
                C::SecondInstanceClosed => count(format!("{closed} AND {second}")),
                C::SecondInstanceAmended => count(format!(
                    "{closed} AND {second} AND disposition = 'amended'"
                )),
                C::SecondInstanceRemanded => count(format!(
                    "{closed} AND {second} AND disposition = 'remanded_for_retrial'"
                )),
                C::CivilFirstInstanceClosed => {
                    count(format!("{closed} AND {first} AND kind = 'civil'"))
                }
                C::CivilFirstInstanceMediatedOrWithdrawn => count(format!(
                    "{closed} AND {first} AND kind = 'civil' AND disposition IN ('mediation','withdrawal')"
                )),
                C::ExecutionClosed => count(format!("{closed} AND kind = 'execution'")),
                C::ZhongbenClosed => count(format!(
                    "{closed} AND kind = 'execution' AND disposition = 'execution_terminated_this_round'"
                )),
                C::ExecutionAppliedYuan => sum(
                    format!("{closed} AND kind = 'execution'"),
                    "COALESCE(claim_amount_yuan, 0)",
                ),
                C::ExecutionPaidYuan => sum(
                    format!("{closed} AND kind = 'execution'"),
                    "COALESCE(amount_yuan, CASE WHEN disposition = 'execution_completed' THEN COALESCE(claim_amount_yuan, 0) ELSE 0 END)",
                ),
                C::PendingOver6Months => count(over(6)),
                C::PendingOver12Months => count(over(12)),
                C::PendingOver18Months => count(over(18)),
                C::PendingOver36Months => count(over(36)),
                C::CourtReceived => count(format!(
                    "{filed} AND kind NOT IN ('prosecution','police')"
                )),
                C::ReceivedNewDisputes => count(format!(
                    "{filed} AND NOT has_origin AND kind NOT IN ('prosecution','police')"
                )),
                C::ProsecutionReceived => count(format!("{filed} AND kind = 'prosecution'")),
                C::ProsecutionExtraProcedures => {
                    sum(format!("{filed} AND kind = 'prosecution'"), "extra_procedures")
                }
                // The generator gives a case at most one 终本 spell (zb_from, zb_to).
                C::ZhongbenStockAtStart => count(format!(
                    "(zb_from < {f} AND (zb_to IS NULL OR zb_to >= {f}))"
                )),
                C::ZhongbenStockAtEnd => count(format!(
                    "(zb_from <= {t} AND (zb_to IS NULL OR zb_to > {t}))"
                )),
                C::ZhongbenEntered => count(format!("(zb_from BETWEEN {f} AND {t})")),
                C::ZhongbenLeft => count(format!("(zb_to BETWEEN {f} AND {t})")),
                C::ZhongbenLeftRestored => count(format!(
                    "(zb_to BETWEEN {f} AND {t}) AND zb_exit = 'restored'"
                )),
                C::ZhongbenLeftPerformed => count(format!(
                    "(zb_to BETWEEN {f} AND {t}) AND zb_exit = 'performed'"
                )),
                C::ZhongbenLeftSettled => count(format!(
                    "(zb_to BETWEEN {f} AND {t}) AND zb_exit = 'settled'"
                )),
                C::ZhongbenLeftTerminated => count(format!(
                    "(zb_to BETWEEN {f} AND {t}) AND zb_exit = 'terminated'"
                )),
                C::ZhongbenLeftOther => count(format!(
                    "(zb_to BETWEEN {f} AND {t}) AND zb_exit IN ('not_enforced','bankruptcy','corrected')"
                )),
                C::ZhongbenLeftAssisted => {
                    count(format!("(zb_to BETWEEN {f} AND {t}) AND zb_assisted"))
                }
                C::PoliceTransferred => count(format!(
                    "{closed} AND kind = 'police' AND disposition = 'transfer'"
                )),
                C::PoliceTransferredGuided => count(format!(
                    "{closed} AND kind = 'police' AND disposition = 'transfer' AND guided"
                )),
                // The generator gives a case at most one evaluation (ev_day, ev_passes).
                C::Evaluated => count(format!("(ev_day BETWEEN {f} AND {t})")),
                C::EvaluatedPassed => count(format!("(ev_day BETWEEN {f} AND {t}) AND ev_passes")),
                // And at most one proofreading finding (pf_found, pf_resolved).
                C::ProofreadOpenAtStart => count(format!(
                    "(pf_found < {f} AND (pf_resolved IS NULL OR pf_resolved >= {f}))"
                )),
                C::ProofreadFound => count(format!("(pf_found BETWEEN {f} AND {t})")),
                C::ProofreadResolved => count(format!("(pf_resolved BETWEEN {f} AND {t})")),
                C::ProofreadOpenAtEnd => count(format!(
                    "(pf_found <= {t} AND (pf_resolved IS NULL OR pf_resolved > {t}))"
                )),
            }
        })
        .map(|s| format!("CAST({s} AS BIGINT)"))
        .collect()
}

/// The anchor: both periods' counters by plain `GROUP BY kind` over the facts of the scope.
async fn anchor(
    pool: &sqlx::AnyPool,
    m: &MetricScope,
    periods: &[Period; 2],
) -> Result<[Totals; 2]> {
    let mut cols = anchor_sums(&periods[0]);
    cols.extend(anchor_sums(&periods[1]));
    let prefix = &m.scope.region_prefix;
    let mut sql = format!(
        "SELECT kind, {} FROM anchor_facts WHERE region_path >= '{prefix}' AND region_path < '{}'",
        cols.join(", "),
        tianping_store::case::prefix_end(prefix)
    );
    if let Some(a) = m.scope.agency_kind {
        sql.push_str(&format!(" AND agency_kind = '{}'", a.as_str()));
    }
    if let Some(k) = m.kind {
        sql.push_str(&format!(" AND kind = '{}'", k.as_str()));
    }
    sql.push_str(" GROUP BY kind");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await?;
    let mut out = [Totals::default(), Totals::default()];
    let n = Counter::ALL.len();
    for r in rows {
        for (half, t) in out.iter_mut().enumerate() {
            for (i, c) in Counter::ALL.iter().enumerate() {
                let v: i64 = r.try_get(1 + half * n + i)?;
                if v != 0 {
                    *t.0.entry(*c).or_default() += v;
                }
            }
        }
    }
    Ok(out)
}

/// Tianping's dashboard numbers: both periods from four running sums, every metric computed.
async fn ours(store: &Store, m: &MetricScope, periods: &[Period; 2]) -> Result<[Totals; 2]> {
    let days: Vec<NaiveDate> = periods
        .iter()
        .flat_map(|p| [p.from.pred_opt().unwrap_or(p.from), p.to])
        .collect();
    let cum = store.metric_cumulative(m, &days).await?;
    let t = [
        Totals::from_cumulative(&cum[0], &cum[1]),
        Totals::from_cumulative(&cum[2], &cum[3]),
    ];
    let set = MetricSet::shipped()?;
    for id in set.ids() {
        if let Some(def) = set.in_force(id, periods[0].to) {
            std::hint::black_box(def.compute(&t[0]));
            std::hint::black_box(def.compute(&t[1]));
        }
    }
    Ok(t)
}

/// The dashboard's periods: quarters, half-years and years, each with the year before.
fn dashboard_periods() -> Vec<[Period; 2]> {
    let d = |y: i32, m: u32, day: u32| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    let mut v = vec![];
    for (from, to) in [
        (d(2026, 1, 1), d(2026, 9, 30)),
        (d(2026, 7, 1), d(2026, 9, 30)),
        (d(2025, 1, 1), d(2025, 12, 31)),
        (d(2026, 1, 1), d(2026, 6, 30)),
        (d(2024, 10, 1), d(2024, 12, 31)),
        (d(2026, 1, 1), d(2026, 11, 20)),
        (d(2023, 4, 1), d(2023, 6, 30)),
        (d(2025, 3, 15), d(2025, 8, 14)),
    ] {
        let back = |x: NaiveDate| x.checked_sub_months(Months::new(12)).unwrap_or(x);
        v.push([
            Period { from, to },
            Period {
                from: back(from),
                to: back(to),
            },
        ]);
    }
    v
}

struct ScopeResult {
    name: &'static str,
    cases: i64,
    p50_ms: f64,
    p95_ms: f64,
    anchor_ms: f64,
}

pub async fn run(
    n: usize,
    runs: usize,
    ingest_events: usize,
    postgres_url: Option<String>,
    seed: u64,
) -> Result<()> {
    let Some(admin_url) = postgres_url.filter(|u| !u.is_empty()) else {
        bail!(
            "bench metrics needs PostgreSQL: pass --postgres-url or set TIANPING_TEST_POSTGRES_URL"
        );
    };
    let province = demo::province(seed);
    let places = places(&province);
    let total_weight: u64 = places.iter().map(|p| p.weight).sum();
    let dir = scratch_dir()?;
    println!(
        "bench metrics: {n} generated cases (seed {seed}) filed {} – {}, PostgreSQL, scratch {}",
        first_day(),
        today(),
        dir.display()
    );

    // 1. Generate: the facts as CSV for the anchor table, and their contributions merged in memory.
    let t = Instant::now();
    let csv_path = dir.join("facts.csv");
    let mut csv = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&csv_path).context("creating the facts CSV")?,
    );
    let mut rng = Mix(seed ^ 0x006d_6574_7269_6373);
    let mut delta = TotalsDelta::default();
    for id in 1..=n as i64 {
        let mut pick = rng.below(total_weight);
        let place = places
            .iter()
            .find(|p| {
                if pick < p.weight {
                    true
                } else {
                    pick -= p.weight;
                    false
                }
            })
            .unwrap_or(&places[0]);
        let row = FactsRow {
            case_id: id,
            org_id: place.org_id.clone(),
            region_path: place.region_path.clone(),
            agency_kind: place.agency.as_str().to_string(),
            facts: case(&mut rng, place),
        };
        delta.add(&row, 1);
        csv_line(&mut csv, id, &row)?;
    }
    csv.flush()?;
    drop(csv);
    let t_generate = t.elapsed().as_secs_f64();

    // 2. Load both into a fresh database.
    sqlx::any::install_default_drivers();
    let admin = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&admin_url)
        .await?;
    let name = format!(
        "tianping_bench_metrics_{}_{}",
        std::process::id(),
        Utc::now().timestamp()
    );
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await?;
    let url = tianping_store::testing::replace_db(&admin_url, &name);
    let result = async {
        let store = Store::connect(&url).await?;
        store.migrate().await?;
        let t = Instant::now();
        store.add_metric_totals(delta).await?;
        let t_totals = t.elapsed().as_secs_f64();
        store.pool().execute(ANCHOR_TABLE).await?;
        let t = Instant::now();
        let mut psql = Command::new("psql");
        psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", &url]);
        let copy = format!(
            "\\copy anchor_facts FROM '{}' CSV\nCREATE INDEX anchor_facts_region ON anchor_facts (region_path, agency_kind);\nVACUUM ANALYZE anchor_facts;\nVACUUM ANALYZE metric_totals;\n",
            csv_path.display()
        );
        super::run_timed(psql, &copy).context("psql \\copy of the anchor table")?;
        let t_anchor_load = t.elapsed().as_secs_f64();
        let totals_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_totals")
            .fetch_one(store.pool())
            .await?;
        println!(
            "generated in {t_generate:.1} s; metric_totals {totals_rows} rows written in {t_totals:.1} s; anchor table loaded and indexed in {t_anchor_load:.1} s\n"
        );

        // 3. Measure: the province (every agency) and one basic court.
        let scopes = [
            (
                "province",
                MetricScope {
                    scope: ScopeFilter {
                        region_prefix: "/33/".into(),
                        agency_kind: None,
                    },
                    region_prefix: None,
                    kind: None,
                },
            ),
            (
                "court",
                MetricScope {
                    scope: ScopeFilter {
                        region_prefix: "/33/3301/330102/".into(),
                        agency_kind: Some(AgencyKind::Court),
                    },
                    region_prefix: None,
                    kind: None,
                },
            ),
        ];
        let periods = dashboard_periods();
        let mut results = vec![];
        for (name, m) in &scopes {
            // Warm both paths once, and check the numbers agree on every period.
            let mut anchor_times = vec![];
            for (i, p) in periods.iter().enumerate() {
                let t = Instant::now();
                let want = anchor(store.pool(), m, p).await?;
                if i < 3 {
                    anchor_times.push(t.elapsed().as_secs_f64() * 1e3);
                }
                let got = ours(&store, m, p).await?;
                if got != want {
                    bail!(
                        "{name} {:?}: the pre-aggregated totals differ from GROUP BY\n ours   {:?}\n anchor {:?}",
                        p[0],
                        got,
                        want
                    );
                }
            }
            let mut times = vec![];
            for i in 0..runs {
                let p = &periods[i % periods.len()];
                let t = Instant::now();
                std::hint::black_box(ours(&store, m, p).await?);
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            let cases: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM anchor_facts WHERE region_path >= '{}' AND region_path < '{}'{}",
                m.scope.region_prefix,
                tianping_store::case::prefix_end(&m.scope.region_prefix),
                m.scope
                    .agency_kind
                    .map(|a| format!(" AND agency_kind = '{}'", a.as_str()))
                    .unwrap_or_default()
            )))
            .fetch_one(store.pool())
            .await?;
            results.push(ScopeResult {
                name,
                cases,
                p50_ms: percentile(&mut times.clone(), 0.5),
                p95_ms: percentile(&mut times, 0.95),
                anchor_ms: percentile(&mut anchor_times, 0.5),
            });
        }
        let campaigns = campaign_boards(&store, &province, runs).await?;
        store.close().await;
        anyhow::Ok((results, campaigns))
    }
    .await;
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .await?;
    admin.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    let (results, campaigns) = result?;

    // 4. The maintenance cost inside ingest (SQLite, generated demo events).
    let (share, events_per_s) = ingest_share(ingest_events, seed).await?;

    println!(
        "{:<9} {:>10} {:>10} {:>10} {:>16} {:>9}",
        "scope", "cases", "p50 ms", "p95 ms", "GROUP BY ms", "speedup"
    );
    for r in &results {
        println!(
            "{:<9} {:>10} {:>10.2} {:>10.2} {:>16.1} {:>8.0}×",
            r.name,
            r.cases,
            r.p50_ms,
            r.p95_ms,
            r.anchor_ms,
            r.anchor_ms / r.p50_ms
        );
    }
    println!(
        "\n(dashboard: two periods — the chosen one and the year before — every metric; {runs} runs per scope over {} periods; GROUP BY: median of 3, numbers equal on all {} periods)",
        periods_len(),
        periods_len()
    );
    println!(
        "ingest of {ingest_events} generated events on SQLite: {events_per_s:.0} events/s, of which the metrics stage {:.1} %",
        share * 100.0
    );
    println!(
        "\n{:<18} {:>16} {:>10} {:>10} {:>16}",
        "终本库出清 board", "execution cases", "p50 ms", "p95 ms", "GROUP BY ms"
    );
    for c in &campaigns {
        println!(
            "{:<18} {:>16} {:>10.2} {:>10.2} {:>16.1}",
            c.name, c.cases, c.p50_ms, c.p95_ms, c.anchor_ms
        );
    }
    println!(
        "(a campaign 2026-06-01 – 2026-12-31 as of {}: the whole board — its totals, one line per court below, the day-by-day series, the townships — {runs} runs; the totals equal GROUP BY's)",
        today()
    );
    println!("peak RSS {:.0} MB", peak_rss_mb());
    let p95 = results.iter().map(|r| r.p95_ms).fold(0.0, f64::max);
    let speedup = results
        .iter()
        .map(|r| r.anchor_ms / r.p50_ms)
        .fold(f64::INFINITY, f64::min);
    let campaign_p95 = campaigns.iter().map(|r| r.p95_ms).fold(0.0, f64::max);
    let campaign_cases = campaigns.iter().map(|r| r.cases).max().unwrap_or(0);
    println!(
        "RESULT metrics p95_ms={p95:.2} speedup_vs_groupby={speedup:.0} cases={n} campaign_p95_ms={campaign_p95:.2} campaign_execution_cases={campaign_cases}"
    );
    Ok(())
}

/// The 终本库出清 campaign board (`/campaigns/{id}`) over the generated cases, for the province's
/// courts and 杭州's: the server's own computation (`deputies::campaign::tally`), its totals
/// checked against the anchor's GROUP BY for the same period, then timed.
async fn campaign_boards(
    store: &Store,
    province: &demo::Province,
    runs: usize,
) -> Result<Vec<ScopeResult>> {
    use tianping_server::deputies::campaign::tally;
    use tianping_store::deputies::CampaignRow;
    let courts: Vec<(String, String)> = province
        .orgs
        .iter()
        .filter(|o| o.kind == AgencyKind::Court)
        .map(|o| (o.name.clone(), o.region_path.clone()))
        .collect();
    let from = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default();
    let mut out = vec![];
    for (name, org_id, region) in [
        ("campaign-province", "court-33", "/33/"),
        ("campaign-city", "court-3301", "/33/3301/"),
    ] {
        let row = CampaignRow {
            id: 0,
            org_id: org_id.into(),
            org_name: String::new(),
            region_path: region.into(),
            title: "终本库出清专项行动".into(),
            target: 100_000,
            from_day: from.to_string(),
            to_day: to.to_string(),
            created_by_name: String::new(),
        };
        let scope = MetricScope {
            scope: ScopeFilter {
                region_prefix: region.into(),
                agency_kind: Some(AgencyKind::Court),
            },
            region_prefix: Some(region.into()),
            kind: Some(CaseKind::Execution),
        };
        let period = Period {
            from,
            to: today().min(to),
        };
        let mut anchor_times = vec![];
        let mut want = Totals::default();
        for _ in 0..3 {
            let t = Instant::now();
            want = anchor(store.pool(), &scope, &[period, period]).await?[0].clone();
            anchor_times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let board = tally(store, row.clone(), &courts, today())
            .await
            .map_err(|e| anyhow::anyhow!("campaign board: {}", e.message))?;
        for c in [
            Counter::ZhongbenStockAtStart,
            Counter::ZhongbenEntered,
            Counter::ZhongbenLeft,
            Counter::ZhongbenLeftRestored,
            Counter::ZhongbenLeftPerformed,
            Counter::ZhongbenLeftSettled,
            Counter::ZhongbenLeftTerminated,
            Counter::ZhongbenLeftOther,
            Counter::ZhongbenLeftAssisted,
            Counter::ZhongbenStockAtEnd,
        ] {
            if board.totals().get(c) != want.get(c) {
                bail!(
                    "{name}: the board's {} is {}, GROUP BY says {}",
                    c.as_str(),
                    board.totals().get(c),
                    want.get(c)
                );
            }
        }
        let mut times = vec![];
        for _ in 0..runs {
            let t = Instant::now();
            std::hint::black_box(
                tally(store, row.clone(), &courts, today())
                    .await
                    .map_err(|e| anyhow::anyhow!("campaign board: {}", e.message))?,
            );
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let cases: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM anchor_facts WHERE region_path >= '{region}' AND region_path < '{}' AND agency_kind = 'court' AND kind = 'execution'",
            tianping_store::case::prefix_end(region)
        )))
        .fetch_one(store.pool())
        .await?;
        out.push(ScopeResult {
            name,
            cases,
            p50_ms: percentile(&mut times.clone(), 0.5),
            p95_ms: percentile(&mut times, 0.95),
            anchor_ms: percentile(&mut anchor_times, 0.5),
        });
    }
    Ok(out)
}

fn periods_len() -> usize {
    dashboard_periods().len()
}

/// The share of ingest time spent maintaining the pre-aggregates, and the ingest rate.
async fn ingest_share(events: usize, seed: u64) -> Result<(f64, f64)> {
    let (province, records) = generated(events, seed);
    let dir = scratch_dir()?;
    let store = super::fresh(
        &format!("sqlite://{}", dir.join("ingest.db").display()),
        &province,
    )
    .await?;
    let (secs, report, _) = timed_ingest_report(&store, &records, true).await?;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok((
        report.timings.metrics.as_secs_f64() / secs,
        report.accepted as f64 / secs,
    ))
}
