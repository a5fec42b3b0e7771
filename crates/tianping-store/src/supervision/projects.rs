//! Joint supervision projects.

use super::items::ITEM_SELECT;
use super::items::ItemRow;
use super::items::NewItem;
use super::rectifies;
use super::refusal;
use super::supervises;
use crate::db::{FromRow, row_struct};
use crate::org::Org;
use crate::user::User;
use crate::{Result, Store, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use tianping_domain::supervision::{
    ItemSource, ProjectAction, ProjectState, check_project_lead, project_transition,
};
use tianping_ledger::Command;

row_struct! {
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRow {
    pub id: i64,
    pub title: String,
    pub lead_org_id: String,
    pub lead_org_name: String,
    pub plan: String,
    pub state: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub closed_at: Option<String>,
    pub final_report: Option<String>,
}
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    pub org_id: String,
    pub org_name: String,
    pub role: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub org_id: String,
    pub org_name: String,
    pub due_at: String,
    pub done_at: Option<String>,
    pub done_note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub kind: String,
    pub content: String,
    pub by_user: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectDetail {
    pub project: ProjectRow,
    pub members: Vec<MemberRow>,
    pub tasks: Vec<TaskRow>,
    pub reports: Vec<ReportRow>,
    pub items: Vec<ItemRow>,
}

/// A finding of a final report: it becomes a supervision item assigned to `responsible_org_id`.
#[derive(Debug, Clone)]
pub struct Finding {
    pub title: String,
    pub responsible_org_id: String,
}

const PROJECT_SELECT: &str = "SELECT p.id, p.title, p.lead_org_id, o.name AS lead_org_name, p.plan, p.state, p.created_at, p.started_at, p.closed_at, p.final_report FROM projects p JOIN orgs o ON o.id = p.lead_org_id";

impl Store {
    pub async fn create_project(
        &self,
        title: &str,
        plan: &str,
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        if let Err(e) = check_project_lead(org.kind) {
            return Err(e.into());
        }
        if !supervises(by.role) {
            return Err(refusal("not_project_member", "只有监督人员可以新建项目").into());
        }
        if title.trim().is_empty() {
            return Err(refusal("field_empty", "请填写项目名称").into());
        }
        let mut tx = self.write(now).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO projects (title, lead_org_id, plan, state, created_by, created_at) VALUES ($1, $2, $3, 'planning', $4, $5) RETURNING id",
        )
        .bind(title.trim())
        .bind(&org.id)
        .bind(plan.trim())
        .bind(by.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::ProjectCreated, id).await?;
        let m: i64 = sqlx::query(
            "INSERT INTO project_members (project_id, org_id, role, added_at) VALUES ($1, $2, '牵头单位', $3) RETURNING id",
        )
        .bind(id)
        .bind(&org.id)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        tx.record(Command::ProjectMemberAdded, m).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn projects_of(&self, org_id: &str) -> Result<Vec<ProjectRow>> {
        sqlx::query(crate::audited(format!(
            "{PROJECT_SELECT} WHERE p.id IN (SELECT project_id FROM project_members WHERE org_id = $1) ORDER BY p.id DESC"
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(ProjectRow::from_row)
        .collect()
    }

    pub async fn project(&self, id: i64) -> Result<Option<ProjectDetail>> {
        let Some(project) =
            sqlx::query(crate::audited(format!("{PROJECT_SELECT} WHERE p.id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(ProjectRow::from_row)
                .transpose()?
        else {
            return Ok(None);
        };
        let members = sqlx::query(
            "SELECT m.org_id, o.name, m.role FROM project_members m JOIN orgs o ON o.id = m.org_id WHERE m.project_id = $1 ORDER BY m.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(MemberRow {
                org_id: r.try_get(0)?,
                org_name: r.try_get(1)?,
                role: r.try_get(2)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let tasks = sqlx::query(
            "SELECT t.id, t.title, t.org_id, o.name, t.due_at, t.done_at, t.done_note FROM project_tasks t JOIN orgs o ON o.id = t.org_id WHERE t.project_id = $1 ORDER BY t.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(TaskRow {
                id: r.try_get(0)?,
                title: r.try_get(1)?,
                org_id: r.try_get(2)?,
                org_name: r.try_get(3)?,
                due_at: r.try_get(4)?,
                done_at: r.try_get(5)?,
                done_note: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let reports = sqlx::query(
            "SELECT r.id, r.kind, r.content, u.display_name, r.at FROM project_reports r JOIN users u ON u.id = r.by_user WHERE r.project_id = $1 ORDER BY r.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ReportRow {
                id: r.try_get(0)?,
                kind: r.try_get(1)?,
                content: r.try_get(2)?,
                by_user: r.try_get(3)?,
                at: r.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let items = sqlx::query(crate::audited(format!(
            "{ITEM_SELECT} WHERE i.project_id = $1 ORDER BY i.id"
        )))
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(ItemRow::from_row)
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(ProjectDetail {
            project,
            members,
            tasks,
            reports,
            items,
        }))
    }

    /// The actor's standing in a project: (lead, member).
    fn project_standing(p: &ProjectDetail, by: &User, org: &Org) -> (bool, bool) {
        let sup = supervises(by.role) || rectifies(by.role);
        let lead = supervises(by.role) && org.id == p.project.lead_org_id;
        let member = sup && p.members.iter().any(|m| m.org_id == org.id);
        (lead, member)
    }

    /// One step of a project (members, tasks, start, reports). `arg` carries the action's text:
    /// the member's org id and role, the task's title, org and due date, or the report.
    #[allow(clippy::too_many_arguments)]
    pub async fn act_on_project(
        &self,
        id: i64,
        action: ProjectAction,
        text: &str,
        org_arg: Option<&str>,
        due: Option<DateTime<Utc>>,
        task_id: Option<i64>,
        findings: &[Finding],
        by: &User,
        org: &Org,
        now: DateTime<Utc>,
    ) -> Result<ProjectState> {
        let Some(p) = self.project(id).await? else {
            return Err(refusal("not_found", "联合监督项目不存在").into());
        };
        let state = ProjectState::parse(&p.project.state).unwrap_or(ProjectState::Planning);
        let (lead, member) = Self::project_standing(&p, by, org);
        let next = match project_transition(state, action, lead, member) {
            Ok(s) => s,
            Err(e) => return Err(e.into()),
        };
        let dir = self.org_directory().await?;
        let mut tx = self.write(now).await?;
        match action {
            ProjectAction::AddMember => {
                let Some(o) = org_arg.and_then(|x| dir.get(x)) else {
                    return Err(refusal("unknown_org", "请选择成员单位").into());
                };
                if p.members.iter().any(|m| m.org_id == o.id) {
                    return Err(refusal("already_member", "该单位已是项目成员").into());
                }
                let role = if text.trim().is_empty() {
                    "成员单位"
                } else {
                    text.trim()
                };
                let m: i64 = sqlx::query(
                    "INSERT INTO project_members (project_id, org_id, role, added_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(id)
                .bind(&o.id)
                .bind(role)
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
                tx.record(Command::ProjectMemberAdded, m).await?;
            }
            ProjectAction::AddTask => {
                let Some(o) = org_arg.and_then(|x| dir.get(x)) else {
                    return Err(refusal("unknown_org", "请选择承担任务的单位").into());
                };
                let Some(due) = due.filter(|d| *d > now) else {
                    return Err(refusal("due_in_past", "任务期限须晚于今天").into());
                };
                if text.trim().is_empty() {
                    return Err(refusal("field_empty", "请填写任务内容").into());
                }
                let t: i64 = sqlx::query(
                    "INSERT INTO project_tasks (project_id, title, org_id, due_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(id)
                .bind(text.trim())
                .bind(&o.id)
                .bind(ts(due))
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
                tx.record(Command::ProjectTaskAdded, t).await?;
            }
            ProjectAction::Start => {
                sqlx::query("UPDATE projects SET state = $1, started_at = $2 WHERE id = $3")
                    .bind(next.as_str())
                    .bind(ts(now))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.record(Command::ProjectUpdated, id).await?;
            }
            ProjectAction::CompleteTask => {
                let Some(task) = task_id.and_then(|t| p.tasks.iter().find(|x| x.id == t)) else {
                    return Err(refusal("not_found", "任务不存在").into());
                };
                if task.org_id != org.id && !lead {
                    return Err(
                        refusal("not_project_member", "只有承担任务的单位可以报告完成").into(),
                    );
                }
                let n = sqlx::query(
                    "UPDATE project_tasks SET done_at = $1, done_by = $2, done_note = $3 WHERE id = $4 AND done_at IS NULL",
                )
                .bind(ts(now))
                .bind(by.id)
                .bind(text.trim())
                .bind(task.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n != 1 {
                    return Err(refusal("already_done", "任务已完成").into());
                }
                tx.record(Command::ProjectTaskDone, task.id).await?;
            }
            ProjectAction::ProgressReport | ProjectAction::FinalReport => {
                if text.trim().is_empty() {
                    return Err(refusal("field_empty", "请填写报告内容").into());
                }
                let kind = if action == ProjectAction::FinalReport {
                    "final"
                } else {
                    "progress"
                };
                let r: i64 = sqlx::query(
                    "INSERT INTO project_reports (project_id, kind, content, by_user, at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(id)
                .bind(kind)
                .bind(text.trim())
                .bind(by.id)
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
                tx.record(Command::ProjectReportFiled, r).await?;
                if action == ProjectAction::FinalReport {
                    for f in findings {
                        let new = NewItem {
                            source: ItemSource::JointSupervision,
                            source_ref: Some(p.project.title.clone()),
                            case_id: None,
                            title: f.title.clone(),
                            description: format!("联合监督项目“{}”发现的问题", p.project.title),
                            responsible_org_id: Some(f.responsible_org_id.clone()),
                            rectify_due_at: None,
                            referral_id: None,
                            project_id: Some(id),
                            stage_due_at: None,
                        };
                        self.open_item_in(&mut tx, &new, by, org, now).await?;
                    }
                    sqlx::query(
                        "UPDATE projects SET state = $1, closed_at = $2, final_report = $3 WHERE id = $4",
                    )
                    .bind(next.as_str())
                    .bind(ts(now))
                    .bind(text.trim())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    tx.record(Command::ProjectUpdated, id).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(next)
    }
}
