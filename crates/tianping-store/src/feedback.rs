//! The public's ratings (司法公正码, issue 24): the codes a court issues (each a row; the signed
//! token carries only its id), the ratings given through them, the supervision item a bad rating
//! with a contact opens, the decisions on ratings (reviewed, set aside) and the 司法公正感受度
//! index. The domain (`tianping_domain::feedback`) checks a rating and decides what it calls for;
//! this module loads and writes, each write one transaction with its ledger leaves.

use crate::db::{FromRow, row_struct};
use crate::supervision::NewItem;
use crate::{Result, Store, StoreError, parse_ts, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::feedback::{DecisionKind, FollowUp, Rating};
use tianping_domain::supervision::{ItemSource, Refusal};
use tianping_ledger::Command;

fn refusal(code: &'static str, zh: impl Into<String>) -> StoreError {
    StoreError::Refused(Refusal {
        code,
        zh: zh.into(),
    })
}

/// A code to issue.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// The token's opaque id, as lowercase hex (the signed token carries it).
    pub token_id: &'a str,
    /// `case_party` or `window` (`tianping_ledger::token::Scope::as_str`).
    pub scope: &'a str,
    pub court_id: &'a str,
    pub case_id: Option<i64>,
    /// The party's position (原告, 被告人 …) or the window's name.
    pub label: &'a str,
    pub expires_at: DateTime<Utc>,
}

row_struct! {
/// An issued code with what the public page and a rating need of its court and case.
#[derive(Debug, Clone, Serialize)]
pub struct TokenRow {
    pub id: i64,
    pub token_id: String,
    pub scope: String,
    pub court_id: String,
    pub court_name: String,
    pub court_path: String,
    pub case_id: Option<i64>,
    pub label: String,
    pub issued_by_name: String,
    pub issued_at: String,
    pub expires_at: String,
    pub case_number: Option<String>,
    pub case_kind: Option<String>,
    pub case_cause: Option<String>,
    pub case_confidentiality: Option<String>,
    pub case_judge: Option<String>,
    pub rated: i64,
}
}

const TOKEN_SELECT: &str = "SELECT t.id, t.token_id, t.scope, t.court_id, o.name AS court_name, o.region_path AS court_path, t.case_id, t.label, \
     u.display_name AS issued_by_name, t.issued_at, t.expires_at, c.case_number, c.kind AS case_kind, c.cause AS case_cause, \
     c.confidentiality AS case_confidentiality, c.judge AS case_judge, \
     (SELECT COUNT(*) FROM feedback_ratings r WHERE r.token_row = t.id) AS rated \
     FROM feedback_tokens t JOIN orgs o ON o.id = t.court_id JOIN users u ON u.id = t.issued_by LEFT JOIN cases c ON c.id = t.case_id";

row_struct! {
/// A rating as the court reads it.
#[derive(Debug, Clone, Serialize)]
pub struct RatingRow {
    pub id: i64,
    pub token_row: i64,
    pub scope: String,
    pub label: String,
    pub court_id: String,
    pub court_name: String,
    pub region_path: String,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub case_kind: String,
    pub judge: String,
    pub level: i64,
    pub aspects: String,
    pub comment: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub follow_up: String,
    pub item_id: Option<i64>,
    pub item_number: Option<String>,
    pub item_state: Option<String>,
    pub rated_at: String,
    pub set_aside_at: Option<String>,
    /// The rated case's confidentiality (none for a window).
    pub case_confidentiality: Option<String>,
}
}

const RATING_SELECT: &str = "SELECT r.id, r.token_row, t.scope, t.label, r.court_id, o.name AS court_name, r.region_path, r.case_id, c.case_number, \
     r.case_kind, r.judge, r.level, r.aspects, r.comment, r.name, r.phone, r.follow_up, r.item_id, i.number AS item_number, i.state AS item_state, \
     r.rated_at, r.set_aside_at, c.confidentiality AS case_confidentiality \
     FROM feedback_ratings r JOIN feedback_tokens t ON t.id = r.token_row JOIN orgs o ON o.id = r.court_id \
     LEFT JOIN cases c ON c.id = r.case_id LEFT JOIN supervision_items i ON i.id = r.item_id";

/// A decision on a rating.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionRow {
    pub id: i64,
    pub rating_id: i64,
    pub kind: String,
    pub note: String,
    pub decided_by: String,
    pub decided_at: String,
}

/// What a rating did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rated {
    pub rating_id: i64,
    /// The supervision item a bad rating with a contact opened.
    pub item_id: Option<i64>,
}

/// Which ratings a list shows.
#[derive(Debug, Clone, Default)]
pub struct RatingFilter {
    /// Region prefix of the reader's scope (or a court's path).
    pub region_prefix: String,
    pub court_id: Option<String>,
    pub case_id: Option<i64>,
    pub judge: Option<String>,
    pub case_kind: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only the bad ones (不满意, 非常不满意).
    pub bad_only: bool,
    /// `callback`, `review` or `none`.
    pub follow_up: Option<String>,
    /// Bad ratings without a contact not yet reviewed.
    pub unreviewed: bool,
    pub limit: i64,
}

/// How the index is broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexBy {
    Court,
    Judge,
    CaseKind,
}

/// One line of the 司法公正感受度 index: counts of the ratings (set-aside ones left out) and of
/// the follow-up of the bad ones with a contact.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct IndexRow {
    /// The court's id, the judge's name or the case kind (as stored).
    pub key: String,
    pub court_name: String,
    pub ratings: i64,
    pub good: i64,
    pub bad: i64,
    pub level_sum: i64,
    /// Bad ratings that left a contact (each an item).
    pub callbacks: i64,
    /// …of which the court has called back (the item accepted or later).
    pub called_back: i64,
    /// …of which the rectification is closed.
    pub rectified: i64,
}

/// `part / whole × scale`, rounded half up to one decimal.
fn tenths(part: i64, whole: i64, scale: i64) -> Option<f64> {
    (whole > 0).then(|| ((part * scale * 10 * 2 + whole) / (2 * whole)) as f64 / 10.0)
}

impl IndexRow {
    /// The share of good ratings (满意 or better), per cent, one decimal.
    pub fn good_rate(&self) -> Option<f64> {
        tenths(self.good, self.ratings, 100)
    }
    /// The mean level on a 100-point scale (5 → 100, 1 → 20).
    pub fn score(&self) -> Option<f64> {
        tenths(self.level_sum, self.ratings, 20)
    }
    pub fn callback_rate(&self) -> Option<f64> {
        tenths(self.called_back, self.callbacks, 100)
    }
    pub fn rectify_rate(&self) -> Option<f64> {
        tenths(self.rectified, self.callbacks, 100)
    }
}

/// The public's account of a court: the opener of the items its ratings raise. It cannot log in
/// (never granted, disabled, no password); it exists so an item names who raised it — 群众.
async fn public_account(
    tx: &mut crate::write::Write,
    court_id: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let username = format!("public-rating@{court_id}");
    if let Some(r) = sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(&username)
        .fetch_optional(&mut **tx)
        .await?
    {
        return Ok(r.try_get("id")?);
    }
    let id: i64 = sqlx::query(
        "INSERT INTO users (username, display_name, org_id, role, clearance, email, password_hash, created_at, created_by, granted_by, granted_at, disabled_at) \
         VALUES ($1, $2, $3, $4, '', NULL, '!', $5, 'system:feedback', NULL, NULL, $5) RETURNING id",
    )
    .bind(&username)
    .bind("群众（司法公正码）")
    .bind(court_id)
    .bind(tianping_domain::org::Role::CaseOffice.as_str())
    .bind(ts(now))
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    tx.record(Command::UserAdded, id).await?;
    Ok(id)
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.message().to_lowercase().contains("unique"))
}

impl Store {
    /// Issues a code (ledgered). The court must exist; a case code must name a case of it.
    pub async fn issue_feedback_token(
        &self,
        t: &NewToken<'_>,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        if t.label.trim().is_empty() {
            return Err(refusal(
                "field_empty",
                "请填写评价对象（当事人诉讼地位或窗口名称）",
            ));
        }
        if t.label.chars().count() > 40 {
            return Err(refusal("field_too_long", "评价对象不能超过 40 字"));
        }
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO feedback_tokens (token_id, scope, court_id, case_id, label, issued_by, issued_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(t.token_id)
        .bind(t.scope)
        .bind(t.court_id)
        .bind(t.case_id)
        .bind(t.label.trim())
        .bind(by.id)
        .bind(ts(now))
        .bind(ts(t.expires_at))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::FeedbackTokenIssued, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An issued code by its token id (hex).
    pub async fn feedback_token(&self, token_id: &str) -> Result<Option<TokenRow>> {
        let r = sqlx::query(crate::audited(format!(
            "{TOKEN_SELECT} WHERE t.token_id = $1"
        )))
        .bind(token_id)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(TokenRow::from_row).transpose()
    }

    /// The codes issued for a case, oldest first.
    pub async fn case_feedback_tokens(&self, case_id: i64) -> Result<Vec<TokenRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{TOKEN_SELECT} WHERE t.case_id = $1 ORDER BY t.id"
        )))
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(TokenRow::from_row).collect()
    }

    /// The window codes of the courts under a region prefix.
    pub async fn window_feedback_tokens(&self, region_prefix: &str) -> Result<Vec<TokenRow>> {
        let rows = sqlx::query(crate::audited(format!(
            "{TOKEN_SELECT} WHERE t.scope = 'window' AND o.region_path >= $1 AND o.region_path < $2 ORDER BY o.region_path, t.id"
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(TokenRow::from_row).collect()
    }

    /// Takes a rating through a code the caller has verified (signature and expiry). A case
    /// party's code rates once (`already_rated`, also when two requests race); a window code
    /// takes at most the rules' number per device and day (`too_many_ratings`). A bad rating with
    /// a phone number opens a supervision item of source 群众评价 in the same write: the court is
    /// responsible at once, the call-back and the rectification due in working days.
    pub async fn rate(
        &self,
        t: &TokenRow,
        r: &Rating,
        device: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Rated> {
        let rules = tianping_domain::feedback::rules();
        let case_party = t.scope == "case_party";
        if case_party {
            let done = sqlx::query("SELECT 1 FROM feedback_ratings WHERE once_token = $1")
                .bind(t.id)
                .fetch_optional(&self.pool)
                .await?;
            if done.is_some() {
                return Err(already_rated());
            }
        } else if let Some(d) = device {
            let day_start =
                tianping_domain::clock::local_midnight(tianping_domain::clock::local_date(now));
            let n: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM feedback_ratings WHERE token_row = $1 AND device = $2 AND rated_at >= $3",
            )
            .bind(t.id)
            .bind(d)
            .bind(ts(day_start))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
            if n >= i64::from(rules.form.window_per_device_per_day) {
                return Err(refusal(
                    "too_many_ratings",
                    format!(
                        "同一设备每天最多评价 {} 次，请明天再来",
                        rules.form.window_per_device_per_day
                    ),
                ));
            }
        }
        let follow = r.follow_up();
        let mut tx = self.write(now).await?;
        let inserted = sqlx::query(
            "INSERT INTO feedback_ratings (token_row, once_token, court_id, region_path, case_id, case_kind, judge, level, aspects, comment, name, phone, follow_up, rated_at, device) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        )
        .bind(t.id)
        .bind(case_party.then_some(t.id))
        .bind(&t.court_id)
        .bind(&t.court_path)
        .bind(t.case_id)
        .bind(t.case_kind.as_deref().unwrap_or(""))
        .bind(t.case_judge.as_deref().unwrap_or(""))
        .bind(r.level.score())
        .bind(r.aspects.join(","))
        .bind(&r.comment)
        .bind(r.name.as_deref())
        .bind(r.phone.as_deref())
        .bind(follow_up_str(follow))
        .bind(ts(now))
        .bind(device)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(row) => row.try_get(0)?,
            Err(e) if is_unique_violation(&e) => return Err(already_rated()),
            Err(e) => return Err(e.into()),
        };
        let mut item_id = None;
        if follow == FollowUp::CallBack {
            let dir = self.org_directory().await?;
            let Some(court) = dir.get(&t.court_id).cloned() else {
                return Err(StoreError::Corrupt(format!("court {}", t.court_id)));
            };
            let opener = public_account(&mut tx, &t.court_id, now).await?;
            let by = self
                .user_in(&mut tx, opener)
                .await?
                .ok_or_else(|| StoreError::Corrupt("public account".into()))?;
            let due =
                tianping_domain::feedback::follow_up_due(rules, &self.clockwork().calendar, now);
            let aspects: Vec<&str> = r
                .aspects
                .iter()
                .filter_map(|k| rules.aspect(k).map(|a| a.zh.as_str()))
                .collect();
            let what = match &t.case_number {
                Some(n) => format!("{n}（{}）", t.label),
                None => format!("{}（{}）", t.court_name, t.label),
            };
            let mut description = format!("群众通过司法公正码对{what}评价为“{}”。", r.level.zh());
            if !aspects.is_empty() {
                description.push_str(&format!("涉及：{}。", aspects.join("、")));
            }
            // The item is read above the court (the 人大, the 政法委): the words of a rating of
            // a confidential case stay on the rating, read with a clearance.
            let public = t
                .case_confidentiality
                .as_deref()
                .is_none_or(|c| c == "public");
            if !r.comment.is_empty() && public {
                description.push_str(&format!("意见：{}", r.comment));
            } else if !r.comment.is_empty() {
                description.push_str("评价人写有意见（涉密或涉未成年人案件，见评价记录）。");
            }
            description.push_str("评价人留有联系电话，见评价记录；请按期回访、整改并答复评价人。");
            let n = NewItem {
                source: ItemSource::PublicRating,
                source_ref: Some(id.to_string()),
                case_id: t.case_id,
                // Lists show an item's case number beside its title: not twice.
                title: match &t.case_number {
                    Some(_) => format!("群众评价{}（{}）", r.level.zh(), t.label),
                    None => format!("群众评价{}：{what}", r.level.zh()),
                },
                description,
                responsible_org_id: Some(t.court_id.clone()),
                rectify_due_at: Some(due.rectify),
                referral_id: None,
                project_id: None,
                stage_due_at: Some(due.callback),
            };
            let item = self.open_item_in(&mut tx, &n, &by, &court, now).await?;
            sqlx::query("UPDATE feedback_ratings SET item_id = $1 WHERE id = $2")
                .bind(item)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            item_id = Some(item);
        }
        tx.record(Command::FeedbackRated, id).await?;
        add_to_totals(
            &mut tx,
            &t.court_id,
            &t.court_path,
            now,
            t.case_judge.as_deref().unwrap_or(""),
            t.case_kind.as_deref().unwrap_or(""),
            r.level.score(),
            1,
        )
        .await?;
        tx.commit().await?;
        Ok(Rated {
            rating_id: id,
            item_id,
        })
    }

    /// The supervision items bad ratings opened under a region prefix that are not closed yet.
    pub async fn open_rating_items(&self, region_prefix: &str) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM supervision_items WHERE source = 'public_rating' AND state <> 'closed' AND region_path >= $1 AND region_path < $2",
        )
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?)
    }

    pub async fn rating(&self, id: i64) -> Result<Option<RatingRow>> {
        let r = sqlx::query(crate::audited(format!("{RATING_SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(RatingRow::from_row).transpose()
    }

    /// Ratings matching a filter, newest first, with the full count.
    pub async fn ratings(&self, f: &RatingFilter) -> Result<(Vec<RatingRow>, i64)> {
        let mut cond = vec!["r.region_path >= $1 AND r.region_path < $2".to_string()];
        let mut binds: Vec<String> = vec![
            f.region_prefix.clone(),
            crate::case::prefix_end(&f.region_prefix),
        ];
        let mut add = |c: &str, v: String, binds: &mut Vec<String>| {
            binds.push(v);
            cond.push(c.replace('?', &format!("${}", binds.len())));
        };
        if let Some(c) = &f.court_id {
            add("r.court_id = ?", c.clone(), &mut binds);
        }
        if let Some(j) = &f.judge {
            add("r.judge = ?", j.clone(), &mut binds);
        }
        if let Some(k) = &f.case_kind {
            add("r.case_kind = ?", k.clone(), &mut binds);
        }
        if let Some(t) = f.from {
            add("r.rated_at >= ?", ts(t), &mut binds);
        }
        if let Some(t) = f.to {
            add("r.rated_at < ?", ts(t), &mut binds);
        }
        if let Some(u) = &f.follow_up {
            add("r.follow_up = ?", u.clone(), &mut binds);
        }
        let mut cond = cond.join(" AND ");
        if let Some(c) = f.case_id {
            cond.push_str(&format!(" AND r.case_id = {c}"));
        }
        if f.bad_only {
            cond.push_str(" AND r.level <= 2");
        }
        if f.unreviewed {
            cond.push_str(
                " AND r.follow_up = 'review' AND r.reviewed_at IS NULL AND r.set_aside_at IS NULL",
            );
        }
        let count_sql = format!("SELECT COUNT(*) AS n FROM feedback_ratings r WHERE {cond}");
        let mut q = sqlx::query(crate::audited(count_sql));
        for b in &binds {
            q = q.bind(b);
        }
        let total: i64 = q.fetch_one(&self.pool).await?.try_get("n")?;
        let mut q = sqlx::query(crate::audited(format!(
            "{RATING_SELECT} WHERE {cond} ORDER BY r.rated_at DESC, r.id DESC LIMIT {}",
            f.limit.clamp(1, 1000)
        )));
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await?;
        Ok((
            rows.iter()
                .map(RatingRow::from_row)
                .collect::<Result<Vec<_>>>()?,
            total,
        ))
    }

    pub async fn rating_decisions(&self, rating_id: i64) -> Result<Vec<DecisionRow>> {
        let rows = sqlx::query(
            "SELECT d.id, d.rating_id, d.kind, d.note, u.display_name AS decided_by, d.decided_at \
             FROM feedback_decisions d JOIN users u ON u.id = d.decided_by WHERE d.rating_id = $1 ORDER BY d.id",
        )
        .bind(rating_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DecisionRow {
                    id: r.try_get("id")?,
                    rating_id: r.try_get("rating_id")?,
                    kind: r.try_get("kind")?,
                    note: r.try_get("note")?,
                    decided_by: r.try_get("decided_by")?,
                    decided_at: r.try_get("decided_at")?,
                })
            })
            .collect()
    }

    /// Records a decision on a rating (the domain's `check_decision`: a reason, once per kind,
    /// never a set-aside by the rated case's judge). A set-aside leaves the rating out of the
    /// index from now on; the rating stays as it was.
    pub async fn decide_rating(
        &self,
        rating_id: i64,
        kind: DecisionKind,
        note: &str,
        by: &crate::user::User,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.write(now).await?;
        let Some(r) = sqlx::query("SELECT judge FROM feedback_ratings WHERE id = $1")
            .bind(rating_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Err(refusal("not_found", "该评价不存在"));
        };
        let judge: String = r.try_get("judge")?;
        let already =
            sqlx::query("SELECT 1 FROM feedback_decisions WHERE rating_id = $1 AND kind = $2")
                .bind(rating_id)
                .bind(kind.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        tianping_domain::feedback::check_decision(kind, note, &by.display_name, &judge, already)
            .map_err(|(code, zh)| refusal(code, zh))?;
        let id: i64 = sqlx::query(
            "INSERT INTO feedback_decisions (rating_id, kind, note, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(rating_id)
        .bind(kind.as_str())
        .bind(note.trim())
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::FeedbackDecided, id).await?;
        if kind == DecisionKind::Reviewed {
            sqlx::query("UPDATE feedback_ratings SET reviewed_at = $1 WHERE id = $2")
                .bind(ts(now))
                .bind(rating_id)
                .execute(&mut *tx)
                .await?;
        }
        if kind == DecisionKind::SetAside {
            sqlx::query("UPDATE feedback_ratings SET set_aside_at = $1 WHERE id = $2")
                .bind(ts(now))
                .bind(rating_id)
                .execute(&mut *tx)
                .await?;
            let r = sqlx::query(
                "SELECT court_id, region_path, rated_at, judge, case_kind, level FROM feedback_ratings WHERE id = $1",
            )
            .bind(rating_id)
            .fetch_one(&mut *tx)
            .await?;
            let at = crate::parse_ts(&r.try_get::<String, _>("rated_at")?)?;
            add_to_totals(
                &mut tx,
                &r.try_get::<String, _>("court_id")?,
                &r.try_get::<String, _>("region_path")?,
                at,
                &r.try_get::<String, _>("judge")?,
                &r.try_get::<String, _>("case_kind")?,
                r.try_get("level")?,
                -1,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The 司法公正感受度 index of the ratings under a region prefix given in whole months
    /// `[from, to)` (Beijing midnights), one line per court, judge or case kind; set-aside
    /// ratings left out. The counts come from `feedback_totals` (at most a row per court, month,
    /// judge and kind); the call-back and rectification rates from the items the bad ratings
    /// opened (few).
    pub async fn feedback_index(
        &self,
        region_prefix: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        by: IndexBy,
    ) -> Result<Vec<IndexRow>> {
        let key = match by {
            IndexBy::Court => "court_id",
            IndexBy::Judge => "judge",
            IndexBy::CaseKind => "case_kind",
        };
        let months = months_between(from, to);
        if months.is_empty() {
            return Ok(vec![]);
        }
        let marks = crate::placeholders(3, months.len());
        let sql = format!(
            "SELECT {key} AS k, MIN(court_id) AS court_id, CAST(SUM(ratings) AS BIGINT) AS n, CAST(SUM(good) AS BIGINT) AS good, \
             CAST(SUM(bad) AS BIGINT) AS bad, CAST(SUM(level_sum) AS BIGINT) AS level_sum \
             FROM feedback_totals WHERE region_path >= $1 AND region_path < $2 AND month IN ({marks}) \
             GROUP BY {key} ORDER BY {key}"
        );
        let mut q = sqlx::query(crate::audited(sql))
            .bind(region_prefix)
            .bind(crate::case::prefix_end(region_prefix));
        for m in &months {
            q = q.bind(m);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let dir = self.org_directory().await?;
        let mut out: Vec<IndexRow> = vec![];
        for r in &rows {
            let court_id: String = r.try_get("court_id")?;
            let n: i64 = r.try_get("n")?;
            if n == 0 {
                continue;
            }
            out.push(IndexRow {
                key: r.try_get("k")?,
                court_name: dir
                    .get(&court_id)
                    .map(|o| o.name.clone())
                    .unwrap_or(court_id),
                ratings: n,
                good: r.try_get("good")?,
                bad: r.try_get("bad")?,
                level_sum: r.try_get("level_sum")?,
                ..IndexRow::default()
            });
        }
        // The items first (few), each joined to its rating by `feedback_ratings_item`: SQLite
        // keeps a CROSS JOIN's order, so it never walks the quarter's ratings for them.
        let items = sqlx::query(crate::audited(format!(
            "SELECT r.{key} AS k, COUNT(*) AS n, \
             CAST(SUM(CASE WHEN i.state NOT IN ('found', 'assigned') THEN 1 ELSE 0 END) AS BIGINT) AS called_back, \
             CAST(SUM(CASE WHEN i.state = 'closed' THEN 1 ELSE 0 END) AS BIGINT) AS rectified \
             FROM supervision_items i CROSS JOIN feedback_ratings r \
             WHERE r.item_id = i.id AND i.source = 'public_rating' AND i.region_path >= $1 AND i.region_path < $2 \
             AND r.rated_at >= $3 AND r.rated_at < $4 AND r.set_aside_at IS NULL GROUP BY r.{key}"
        )))
        .bind(region_prefix)
        .bind(crate::case::prefix_end(region_prefix))
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await?;
        for r in &items {
            let k: String = r.try_get("k")?;
            if let Some(line) = out.iter_mut().find(|l| l.key == k) {
                line.callbacks = r.try_get("n")?;
                line.called_back = r.try_get("called_back")?;
                line.rectified = r.try_get("rectified")?;
            }
        }
        Ok(out)
    }

    /// Rebuilds `feedback_totals` from the ratings (set-aside ones left out): after a bulk fill,
    /// or to repair.
    pub async fn rebuild_feedback_totals(&self, now: DateTime<Utc>) -> Result<usize> {
        use crate::db::Val;
        let rows = sqlx::query(
            "SELECT court_id, region_path, rated_at, judge, case_kind, level FROM feedback_ratings WHERE set_aside_at IS NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        // (court, month, judge, kind) → (region path, [ratings, good, bad, level sum])
        type Key = (String, String, String, String);
        let mut totals: std::collections::BTreeMap<Key, (String, [i64; 4])> =
            std::collections::BTreeMap::new();
        for r in &rows {
            let at = crate::parse_ts(&r.try_get::<String, _>("rated_at")?)?;
            let level: i64 = r.try_get("level")?;
            let e = totals
                .entry((
                    r.try_get("court_id")?,
                    month_of(at),
                    r.try_get("judge")?,
                    r.try_get("case_kind")?,
                ))
                .or_insert_with(|| (String::new(), [0; 4]));
            e.0 = r.try_get("region_path")?;
            let d = deltas(level, 1);
            for (x, y) in e.1.iter_mut().zip(d) {
                *x += y;
            }
        }
        let vals: Vec<Vec<Val>> = totals
            .iter()
            .map(|((court, month, judge, kind), (path, c))| {
                vec![
                    Val::S(court.clone()),
                    Val::S(path.clone()),
                    Val::S(month.clone()),
                    Val::S(judge.clone()),
                    Val::S(kind.clone()),
                    Val::I(c[0]),
                    Val::I(c[1]),
                    Val::I(c[2]),
                    Val::I(c[3]),
                ]
            })
            .collect();
        let n = vals.len();
        let mut tx = self.write(now).await?;
        sqlx::query("DELETE FROM feedback_totals")
            .execute(&mut *tx)
            .await?;
        crate::db::bulk_insert(
            &mut tx,
            self.backend,
            "feedback_totals",
            &[
                ("court_id", "TEXT"),
                ("region_path", "TEXT"),
                ("month", "TEXT"),
                ("judge", "TEXT"),
                ("case_kind", "TEXT"),
                ("ratings", "BIGINT"),
                ("good", "BIGINT"),
                ("bad", "BIGINT"),
                ("level_sum", "BIGINT"),
            ],
            vals,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// The month (Beijing) an instant falls in, as `feedback_totals` keys it.
fn month_of(t: DateTime<Utc>) -> String {
    tianping_domain::clock::local_date(t)
        .format("%Y-%m")
        .to_string()
}

/// The months `[from, to)` covers (Beijing), each as `YYYY-MM`.
fn months_between(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    use chrono::Datelike;
    let mut out = vec![];
    if to <= from {
        return out;
    }
    let first = tianping_domain::clock::local_date(from);
    let last = tianping_domain::clock::local_date(to - chrono::Duration::seconds(1));
    let (mut y, mut m) = (first.year(), first.month());
    while (y, m) <= (last.year(), last.month()) && out.len() < 1200 {
        out.push(format!("{y:04}-{m:02}"));
        if m == 12 {
            y += 1;
            m = 1;
        } else {
            m += 1;
        }
    }
    out
}

/// What one rating of `level` adds to (sign 1) or takes from (sign −1) its totals row: ratings,
/// good, bad, level sum.
fn deltas(level: i64, sign: i64) -> [i64; 4] {
    [
        sign,
        sign * i64::from(level >= 4),
        sign * i64::from(level <= 2),
        sign * level,
    ]
}

/// Adds a rating to (or, set aside, takes it from) the index's totals, in its write.
#[allow(clippy::too_many_arguments)]
async fn add_to_totals(
    tx: &mut crate::write::Write,
    court: &str,
    path: &str,
    at: DateTime<Utc>,
    judge: &str,
    kind: &str,
    level: i64,
    sign: i64,
) -> Result<()> {
    let d = deltas(level, sign);
    sqlx::query(
        "INSERT INTO feedback_totals (court_id, region_path, month, judge, case_kind, ratings, good, bad, level_sum) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (court_id, month, judge, case_kind) DO UPDATE SET ratings = feedback_totals.ratings + excluded.ratings, \
         good = feedback_totals.good + excluded.good, bad = feedback_totals.bad + excluded.bad, \
         level_sum = feedback_totals.level_sum + excluded.level_sum",
    )
    .bind(court)
    .bind(path)
    .bind(month_of(at))
    .bind(judge)
    .bind(kind)
    .bind(d[0])
    .bind(d[1])
    .bind(d[2])
    .bind(d[3])
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn already_rated() -> StoreError {
    refusal("already_rated", "这个二维码已经评价过了，感谢您的参与")
}

fn follow_up_str(f: FollowUp) -> &'static str {
    match f {
        FollowUp::None => "none",
        FollowUp::Review => "review",
        FollowUp::CallBack => "callback",
    }
}

/// When a code stops working.
pub fn token_expired(t: &TokenRow, now: DateTime<Utc>) -> bool {
    parse_ts(&t.expires_at).is_ok_and(|e| e <= now)
}

/// The quarter (Beijing) an instant falls in and its bounds: (2026, 4, from, to).
pub fn quarter_of(t: DateTime<Utc>) -> (i32, u32, DateTime<Utc>, DateTime<Utc>) {
    use chrono::Datelike;
    let d = tianping_domain::clock::local_date(t);
    let q = (d.month() - 1) / 3 + 1;
    quarter_bounds(d.year(), q)
}

/// A quarter's bounds (Beijing midnights).
pub fn quarter_bounds(year: i32, q: u32) -> (i32, u32, DateTime<Utc>, DateTime<Utc>) {
    let q = q.clamp(1, 4);
    let first =
        chrono::NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1).unwrap_or(chrono::NaiveDate::MIN);
    let next = if q == 4 {
        chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        chrono::NaiveDate::from_ymd_opt(year, q * 3 + 1, 1)
    }
    .unwrap_or(chrono::NaiveDate::MAX);
    (
        year,
        q,
        tianping_domain::clock::local_midnight(first),
        tianping_domain::clock::local_midnight(next),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rates_round_half_up_to_one_decimal() {
        assert_eq!(super::tenths(11, 12, 100), Some(91.7));
        assert_eq!(super::tenths(1, 3, 100), Some(33.3));
        assert_eq!(super::tenths(2, 3, 100), Some(66.7));
        assert_eq!(super::tenths(13, 3, 20), Some(86.7));
        assert_eq!(super::tenths(1, 0, 100), None);
    }
}
