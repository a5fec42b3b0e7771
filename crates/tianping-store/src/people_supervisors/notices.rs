//! The reminders the worker sends: each supervisor coming to an activity is reminded the day
//! before, once; an opinion left unanswered past its due day is reported, once, to the
//! procuratorate unit that asked, to the procuratorate above it (which may raise it as a
//! supervision item) and to the justice bureau that drew (the escalation a clock warning gets). Both are operational marks, not ledgered records.

use crate::clocks::tell::{Person, inform, unit_people};
use crate::{Result, Store, parse_ts, ts};
use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use tianping_domain::access::{
    invites_people_supervisors, keeps_people_supervisors, supervises_opinion_answers,
};
use tianping_domain::org::AgencyKind;

impl Store {
    /// Reminds the supervisors invited or coming to an activity that starts within a day;
    /// returns how many were reminded.
    pub async fn remind_supervisors(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut tx = self.write_with(now, false).await?;
        let rows = sqlx::query(
            "SELECT i.id, s.user_id, s.email, s.phone, s.name, a.id AS activity_id, a.title, a.place, a.starts_at \
             FROM supervisor_invitations i JOIN people_supervisors s ON s.id = i.supervisor_id \
             JOIN supervisor_activities a ON a.id = i.activity_id \
             WHERE i.state IN ('invited', 'accepted') AND i.reminded_at IS NULL AND a.starts_at > $1 AND a.starts_at <= $2",
        )
        .bind(ts(now))
        .bind(ts(now + Duration::days(1)))
        .fetch_all(&mut *tx)
        .await?;
        let mut n = 0;
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let title: String = r.try_get("title")?;
            let place: String = r.try_get("place")?;
            let when = parse_ts(&r.try_get::<String, _>("starts_at")?)?
                .with_timezone(&tianping_domain::clock::beijing())
                .format("%m月%d日 %H:%M")
                .to_string();
            let activity: i64 = r.try_get("activity_id")?;
            let sentence = format!(
                "提醒：您将于 {when} 在{place}参加“{title}”监督活动。如有变化，请及时告知区司法局。"
            );
            super::notify(
                &mut tx,
                &super::Recipient {
                    user_id: r.try_get("user_id")?,
                    email: r.try_get("email")?,
                    phone: r.try_get("phone")?,
                    name: r.try_get("name")?,
                },
                &super::Notice {
                    key: format!("supervisor-reminder-{id}"),
                    task: None,
                    what: &format!("活动提醒：{title}"),
                    subject: format!("【活动提醒】{title}"),
                    sentence,
                    reply: "",
                    link: format!("/supervisor-activities/{activity}"),
                },
                now,
            )
            .await?;
            sqlx::query("UPDATE supervisor_invitations SET reminded_at = $1 WHERE id = $2")
                .bind(ts(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Reports the opinions whose answer is overdue to the unit that asked and the bureau that
    /// drew; returns how many opinions were reported.
    pub async fn escalate_overdue_opinions(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut tx = self.write_with(now, false).await?;
        let rows = sqlx::query(
            "SELECT o.id, o.due_at, a.id AS activity_id, a.title, a.org_id, a.region_path, s.name, \
             (SELECT d.org_id FROM supervisor_draws d WHERE d.activity_id = a.id AND d.state = 'drawn' ORDER BY d.id DESC LIMIT 1) AS bureau \
             FROM supervisor_opinions o JOIN supervisor_activities a ON a.id = o.activity_id \
             JOIN people_supervisors s ON s.id = o.supervisor_id \
             WHERE o.answer IS NULL AND o.escalated_at IS NULL AND o.due_at <= $1",
        )
        .bind(ts(now))
        .fetch_all(&mut *tx)
        .await?;
        let mut n = 0;
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let title: String = r.try_get("title")?;
            let name: String = r.try_get("name")?;
            let due = tianping_domain::clock::local_date(
                parse_ts(&r.try_get::<String, _>("due_at")?)? - Duration::seconds(1),
            );
            let activity: i64 = r.try_get("activity_id")?;
            let org: String = r.try_get("org_id")?;
            let bureau: Option<String> = r.try_get("bureau")?;
            let mut people: Vec<Person> = unit_people(&mut tx, &org)
                .await?
                .into_iter()
                .filter(|p| invites_people_supervisors(p.role, AgencyKind::Procuratorate))
                .collect();
            // The nearest procuratorate above, which may raise it as a supervision item.
            let region: String = r.try_get("region_path")?;
            let mut above: Option<(String, String)> = None;
            for o in sqlx::query("SELECT id, region_path FROM orgs WHERE kind = $1")
                .bind(AgencyKind::Procuratorate.as_str())
                .fetch_all(&mut *tx)
                .await?
            {
                let (id, path): (String, String) = (o.try_get("id")?, o.try_get("region_path")?);
                if path.len() < region.len()
                    && region.starts_with(&path)
                    && above.as_ref().is_none_or(|(_, p)| p.len() < path.len())
                {
                    above = Some((id, path));
                }
            }
            let above = above.map(|(id, _)| id);
            if let Some(p) = above {
                people.extend(
                    unit_people(&mut tx, &p)
                        .await?
                        .into_iter()
                        .filter(|p| supervises_opinion_answers(p.role, AgencyKind::Procuratorate)),
                );
            }
            if let Some(b) = bureau {
                people.extend(
                    unit_people(&mut tx, &b)
                        .await?
                        .into_iter()
                        .filter(|p| keeps_people_supervisors(p.role, AgencyKind::JusticeBureau)),
                );
            }
            for p in &people {
                inform(
                    &mut tx,
                    p,
                    &format!("supervisor-opinion-overdue-{id}-{}", p.id),
                    &format!("人民监督员意见逾期未答复：{title}"),
                    &format!(
                        "人民监督员{name}对“{title}”提出的监督意见应于 {due} 前答复，至今未答复。"
                    ),
                    &format!("/supervisor-activities/{activity}#opinions"),
                    now,
                )
                .await?;
            }
            sqlx::query("UPDATE supervisor_opinions SET escalated_at = $1 WHERE id = $2")
                .bind(ts(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }
}
