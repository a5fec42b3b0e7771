//! Referrals between 人大 and 政法委.

use super::items::NewItem;
use super::items::next_number;
use super::refusal;
use crate::db::{FromRow, row_struct};
use crate::org::Org;
use crate::user::User;
use crate::{Result, Store, ts};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::access::may_refer;
use tianping_domain::supervision::{
    ItemSource, ItemState, ReferralAction, ReferralState, check_referral_pair, referral_transition,
};
use tianping_ledger::Command;

#[derive(Debug, Clone)]
pub struct NewReferral {
    pub to_org_id: String,
    pub subject: String,
    pub content: String,
    pub case_id: Option<i64>,
    /// The unit the sender suggests should rectify (the receiver assigns it when accepting).
    pub responsible_org_id: Option<String>,
}

row_struct! {
#[derive(Debug, Clone, Serialize)]
pub struct ReferralRow {
    pub id: i64,
    pub number: String,
    pub from_org_id: String,
    pub from_org_name: String,
    pub to_org_id: String,
    pub to_org_name: String,
    pub sent_by: String,
    pub sent_at: String,
    pub subject: String,
    pub content: String,
    pub case_id: Option<i64>,
    pub responsible_org_id: Option<String>,
    pub state: String,
    pub ack_due_at: String,
    pub acknowledged_at: Option<String>,
    pub decide_due_at: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub item_id: Option<i64>,
    pub result: Option<String>,
    pub result_shared_at: Option<String>,
    pub result_accepted_at: Option<String>,
}
}

impl ReferralRow {
    pub fn state(&self) -> ReferralState {
        ReferralState::parse(&self.state).unwrap_or(ReferralState::Sent)
    }
}

const REFERRAL_SELECT: &str = "SELECT r.id, r.number, r.from_org_id, f.name AS from_org_name, r.to_org_id, t.name AS to_org_name, u.display_name AS sent_by, r.sent_at, r.subject, r.content, r.case_id, r.responsible_org_id, r.state, r.ack_due_at, r.acknowledged_at, r.decide_due_at, r.decided_at, r.decision_note, r.item_id, r.result, r.result_shared_at, r.result_accepted_at \
     FROM referrals r JOIN orgs f ON f.id = r.from_org_id JOIN orgs t ON t.id = r.to_org_id JOIN users u ON u.id = r.sent_by";

impl Store {
    /// Refers a problem from a 人大常委会 to a 政法委 or the other way.
    pub async fn send_referral(
        &self,
        n: &NewReferral,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        if !may_refer(by.role, org.kind) {
            return Err(
                refusal("not_sender", "只有人大常委会、党委政法委的监督人员可以移送").into(),
            );
        }
        let dir = self.org_directory().await?;
        let Some(to) = dir.get(&n.to_org_id) else {
            return Err(refusal("unknown_org", "接收单位不存在").into());
        };
        if let Err(e) = check_referral_pair(org.kind, to.kind) {
            return Err(e.into());
        }
        if n.subject.trim().is_empty() || n.content.trim().is_empty() {
            return Err(refusal("field_empty", "请填写移送事项和具体内容").into());
        }
        if let Some(r) = &n.responsible_org_id
            && dir.get(r).is_none()
        {
            return Err(refusal("unknown_org", "建议责任单位不存在").into());
        }
        let d = self.supervision().rules.deadlines;
        let mut tx = self.write(now).await?;
        let number = next_number(&mut tx, "referrals", "移", now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO referrals (number, from_org_id, to_org_id, sent_by, sent_at, subject, content, case_id, responsible_org_id, state, ack_due_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'sent', $10) RETURNING id",
        )
        .bind(&number)
        .bind(&org.id)
        .bind(&to.id)
        .bind(by.id)
        .bind(ts(now))
        .bind(n.subject.trim())
        .bind(n.content.trim())
        .bind(n.case_id)
        .bind(n.responsible_org_id.as_deref())
        .bind(ts(now + Duration::days(d.referral_ack_days)))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::ReferralSent, id).await?;
        super::tasks::mail_referral_sent(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn referral(&self, id: i64) -> Result<Option<ReferralRow>> {
        sqlx::query(crate::audited(format!("{REFERRAL_SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(ReferralRow::from_row)
            .transpose()
    }

    /// Referrals an organisation sent or received.
    pub async fn referrals_of(&self, org_id: &str) -> Result<Vec<ReferralRow>> {
        sqlx::query(crate::audited(format!(
            "{REFERRAL_SELECT} WHERE r.from_org_id = $1 OR r.to_org_id = $1 ORDER BY r.id DESC"
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(ReferralRow::from_row)
        .collect()
    }

    /// Acts on a referral. Accepting opens a supervision item of the receiver (assigned at once
    /// to the suggested unit, if any); sharing the result needs that item closed; the sender
    /// accepts the result without re-checking it.
    pub async fn act_on_referral(
        &self,
        id: i64,
        action: ReferralAction,
        note: &str,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<ReferralState> {
        let Some(r) = self.referral(id).await? else {
            return Err(refusal("not_found", "移送事项不存在").into());
        };
        let sender = may_refer(by.role, org.kind) && org.id == r.from_org_id;
        let receiver = may_refer(by.role, org.kind) && org.id == r.to_org_id;
        let item_closed = match r.item_id {
            Some(i) => self
                .item(i)
                .await?
                .is_some_and(|x| x.state() == ItemState::Closed),
            None => false,
        };
        let next = match referral_transition(r.state(), action, sender, receiver, item_closed, note)
        {
            Ok(s) => s,
            Err(e) => return Err(e.into()),
        };
        let d = self.supervision().rules.deadlines;
        let mut tx = self.write(now).await?;
        // Only one actor moves a referral from a state: the update names the state it expects.
        let expect = r.state().as_str();
        let n = match action {
            ReferralAction::Acknowledge => sqlx::query(
                "UPDATE referrals SET state = $1, acknowledged_at = $2, acknowledged_by = $3, decide_due_at = $4, escalation_level = 0 WHERE id = $5 AND state = $6",
            )
            .bind(next.as_str())
            .bind(ts(now))
            .bind(by.id)
            .bind(ts(now + Duration::days(d.referral_decide_days)))
            .bind(id)
            .bind(expect)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            ReferralAction::Accept | ReferralAction::Decline => {
                let item_id = if action == ReferralAction::Accept {
                    let new = NewItem {
                        source: ItemSource::Referral,
                        source_ref: Some(r.number.clone()),
                        case_id: r.case_id,
                        title: r.subject.clone(),
                        description: format!("{}（{}移送，{}）", r.content, r.from_org_name, r.number),
                        responsible_org_id: r.responsible_org_id.clone(),
                        rectify_due_at: None,
                        referral_id: Some(id),
                        project_id: None,
                        stage_due_at: None,
                    };
                    Some(self.open_item_in(&mut tx, &new, by, org, now).await?)
                } else {
                    None
                };
                sqlx::query(
                    "UPDATE referrals SET state = $1, acknowledged_at = COALESCE(acknowledged_at, $2), acknowledged_by = COALESCE(acknowledged_by, $3), decided_at = $2, decided_by = $3, decision_note = $4, item_id = $5 WHERE id = $6 AND state = $7",
                )
                .bind(next.as_str())
                .bind(ts(now))
                .bind(by.id)
                .bind(note.trim())
                .bind(item_id)
                .bind(id)
                .bind(expect)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            }
            ReferralAction::ShareResult => {
                let result = if note.trim().is_empty() {
                    "已整改销号".to_string()
                } else {
                    note.trim().to_string()
                };
                sqlx::query(
                    "UPDATE referrals SET state = $1, result = $2, result_shared_at = $3, result_shared_by = $4 WHERE id = $5 AND state = $6",
                )
                .bind(next.as_str())
                .bind(result)
                .bind(ts(now))
                .bind(by.id)
                .bind(id)
                .bind(expect)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            }
            ReferralAction::AcceptResult => sqlx::query(
                "UPDATE referrals SET state = $1, result_accepted_at = $2, result_accepted_by = $3 WHERE id = $4 AND state = $5",
            )
            .bind(next.as_str())
            .bind(ts(now))
            .bind(by.id)
            .bind(id)
            .bind(expect)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        };
        if n != 1 {
            return Err(refusal("conflict", "该移送事项已被他人处理，请刷新").into());
        }
        tx.record(Command::ReferralUpdated, id).await?;
        super::tasks::mail_referral_step(&mut tx, id, next, now).await?;
        tx.commit().await?;
        Ok(next)
    }
}
