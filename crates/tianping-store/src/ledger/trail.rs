//! Who did what, beside the hashes: for a ledger leaf, the case its record belongs to and the
//! person (or the system) whose act wrote it; for a case, every leaf of every record of it, oldest
//! first. The auditor reads this next to the proofs; nothing here changes what is proved.

use super::LeafRow;
use crate::{Result, Store};
use sqlx::Row;
use tianping_ledger::Command;

/// How to read, for one table, the rows of a case and who acted on a row.
struct Source {
    table: &'static str,
    /// The keys of a case's rows (`$1`: the case id).
    of_case: &'static str,
    /// For a row (`$1`: its key): `case_id`, `a` — who created it — and `b` — who acted on it
    /// later (signed, answered, decided, cleared). Names, or `user:<username>`, or a system's
    /// name; NULL where the system itself acted.
    context: &'static str,
    /// The context also reads `$2`, the leaf's time (a later act found by when it was done).
    at: bool,
}

const fn src(table: &'static str, of_case: &'static str, context: &'static str) -> Source {
    Source {
        table,
        of_case,
        context,
        at: false,
    }
}

const SOURCES: &[Source] = &[
    src(
        "events",
        "SELECT id FROM events WHERE case_id = $1",
        "SELECT case_id, recorded_by AS a, NULL AS b FROM events WHERE id = $1",
    ),
    src(
        "warnings",
        "SELECT id FROM warnings WHERE case_id = $1",
        "SELECT case_id, NULL AS a, (SELECT display_name FROM users u WHERE u.id = x.acknowledged_by) AS b FROM warnings x WHERE id = $1",
    ),
    src(
        "letters",
        "SELECT id FROM letters WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.issued_by) AS a, NULL AS b FROM letters x WHERE id = $1",
    ),
    src(
        "letter_drafts",
        "SELECT id FROM letter_drafts WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.drafted_by) AS a, (SELECT display_name FROM users u WHERE u.id = x.decided_by) AS b FROM letter_drafts x WHERE id = $1",
    ),
    src(
        "clock_changes",
        "SELECT id FROM clock_changes WHERE case_id = $1",
        "SELECT case_id, NULL AS a, (SELECT display_name FROM users u WHERE u.id = x.acknowledged_by) AS b FROM clock_changes x WHERE id = $1",
    ),
    src(
        "case_flags",
        "SELECT id FROM case_flags WHERE case_id = $1",
        "SELECT case_id, flagged_by AS a, cleared_by AS b FROM case_flags WHERE id = $1",
    ),
    src(
        "supervision_acts",
        "SELECT id FROM supervision_acts WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.actor_id) AS a, (SELECT display_name FROM users u WHERE u.id = x.answered_by) AS b FROM supervision_acts x WHERE id = $1",
    ),
    src(
        "interference_records",
        "SELECT id FROM interference_records WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.recorded_by) AS a, NULL AS b FROM interference_records x WHERE id = $1",
    ),
    // An item moves on by a step written at the same instant by the person who moved it.
    Source {
        table: "supervision_items",
        of_case: "SELECT id FROM supervision_items WHERE case_id = $1",
        context: "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.opened_by) AS a, \
                  (SELECT u.display_name FROM supervision_steps s JOIN users u ON u.id = s.actor_id WHERE s.item_id = x.id AND s.at = $2 ORDER BY s.id DESC LIMIT 1) AS b \
                  FROM supervision_items x WHERE id = $1",
        at: true,
    },
    src(
        "supervision_steps",
        "SELECT s.id FROM supervision_steps s JOIN supervision_items i ON i.id = s.item_id WHERE i.case_id = $1",
        "SELECT i.case_id, (SELECT display_name FROM users u WHERE u.id = x.actor_id) AS a, NULL AS b FROM supervision_steps x JOIN supervision_items i ON i.id = x.item_id WHERE x.id = $1",
    ),
    src(
        "evidence",
        "SELECT e.id FROM evidence e JOIN supervision_items i ON i.id = e.item_id WHERE i.case_id = $1",
        "SELECT i.case_id, (SELECT display_name FROM users u WHERE u.id = x.uploaded_by) AS a, NULL AS b FROM evidence x JOIN supervision_items i ON i.id = x.item_id WHERE x.id = $1",
    ),
    src(
        "retrieval_reports",
        "SELECT id FROM retrieval_reports WHERE case_id = $1",
        "SELECT case_id, created_by AS a, NULL AS b FROM retrieval_reports WHERE id = $1",
    ),
    src(
        "retrieval_conclusions",
        "SELECT id FROM retrieval_conclusions WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.written_by) AS a, NULL AS b FROM retrieval_conclusions x WHERE id = $1",
    ),
    src(
        "deviation_warnings",
        "SELECT id FROM deviation_warnings WHERE case_id = $1",
        "SELECT case_id, NULL AS a, acknowledged_by AS b FROM deviation_warnings WHERE id = $1",
    ),
    src(
        "dishonest_entries",
        "SELECT id FROM dishonest_entries WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.listed_by) AS a, (SELECT display_name FROM users u WHERE u.id = COALESCE(x.deleted_by, x.cause_by)) AS b FROM dishonest_entries x WHERE id = $1",
    ),
    src(
        "typical_cases",
        "SELECT id FROM typical_cases WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.proposed_by) AS a, (SELECT display_name FROM users u WHERE u.id = COALESCE(x.returned_by, x.procuratorate_by, x.court_by)) AS b FROM typical_cases x WHERE id = $1",
    ),
    src(
        "refusal_referrals",
        "SELECT id FROM refusal_referrals WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.referred_by) AS a, NULL AS b FROM refusal_referrals x WHERE id = $1",
    ),
    src(
        "refusal_steps",
        "SELECT id FROM refusal_steps WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.by_user) AS a, NULL AS b FROM refusal_steps x WHERE id = $1",
    ),
    src(
        "evaluation_cases",
        "SELECT id FROM evaluation_cases WHERE case_id = $1",
        "SELECT x.case_id, (SELECT u.display_name FROM users u JOIN evaluation_plans p ON p.created_by = u.id WHERE p.id = x.plan_id) AS a, (SELECT u.display_name FROM users u WHERE u.id = x.acted_by) AS b FROM evaluation_cases x WHERE x.id = $1",
    ),
    src(
        "evaluation_self_checks",
        "SELECT id FROM evaluation_self_checks WHERE case_id = $1",
        "SELECT case_id, (SELECT u.display_name FROM users u WHERE u.id = x.checked_by) AS a, NULL AS b FROM evaluation_self_checks x WHERE x.id = $1",
    ),
    src(
        "deputy_assignments",
        "SELECT id FROM deputy_assignments WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.assigned_by) AS a, (SELECT name FROM deputies d WHERE d.id = x.deputy_id) AS b FROM deputy_assignments x WHERE id = $1",
    ),
    src(
        "deputy_actions",
        "SELECT id FROM deputy_actions WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.by_user) AS a, NULL AS b FROM deputy_actions x WHERE id = $1",
    ),
    src(
        "deputy_results",
        "SELECT id FROM deputy_results WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.by_user) AS a, NULL AS b FROM deputy_results x WHERE id = $1",
    ),
    src(
        "feedback_tokens",
        "SELECT id FROM feedback_tokens WHERE case_id = $1",
        "SELECT case_id, (SELECT display_name FROM users u WHERE u.id = x.issued_by) AS a, NULL AS b FROM feedback_tokens x WHERE id = $1",
    ),
    // The person who rated is not named to the auditor: the public rated.
    src(
        "feedback_ratings",
        "SELECT id FROM feedback_ratings WHERE case_id = $1",
        "SELECT case_id, '群众（司法公正码）' AS a, NULL AS b FROM feedback_ratings WHERE id = $1",
    ),
    src(
        "feedback_decisions",
        "SELECT d.id FROM feedback_decisions d JOIN feedback_ratings r ON r.id = d.rating_id WHERE r.case_id = $1",
        "SELECT r.case_id, (SELECT display_name FROM users u WHERE u.id = x.decided_by) AS a, NULL AS b FROM feedback_decisions x JOIN feedback_ratings r ON r.id = x.rating_id WHERE x.id = $1",
    ),
];

/// A leaf with who wrote it and the case it is about.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrailLine {
    pub leaf: LeafRow,
    /// Who acted, as a reader says it: a name, "系统（自动）", or the importing system.
    pub actor: String,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    /// The record, in words: 预警 #12.
    pub record_zh: String,
}

/// The record kinds in words.
pub fn table_zh(table: &str) -> &'static str {
    match table {
        "events" => "程序事件",
        "orgs" => "机构",
        "users" => "用户",
        "warnings" => "期限预警",
        "letters" => "函件",
        "letter_drafts" => "函件送签稿",
        "clock_changes" => "期限变动",
        "calendar_years" => "节假日安排",
        "engine_state" => "规则版本",
        "retrieval_reports" => "类案检索报告",
        "retrieval_conclusions" => "类案检索结论",
        "admin_actions" => "管理操作",
        "system_clients" => "业务系统接入",
        "deviation_warnings" => "量刑偏离预警",
        "case_flags" => "四类案件标注",
        "supervision_acts" => "院庭长监督措施",
        "interference_records" => "过问干预记录",
        "zero_reports" => "零报告",
        "supervision_items" => "督办事项",
        "supervision_steps" => "督办流转记录",
        "evidence" => "整改材料",
        "incident_samples" => "警情抽样",
        "referrals" => "双向移送",
        "projects" | "project_members" | "project_tasks" | "project_reports" => "联合监督",
        "feedback_tokens" => "司法公正码",
        "dishonest_entries" => "失信被执行人名单",
        "typical_cases" => "典型案例",
        "refusal_referrals" | "refusal_steps" => "拒执线索移送",
        "deputy_assignments" | "deputy_actions" | "deputy_results" => "人大代表协助执行",
        "deputies" => "人大代表名册",
        "zhongben_campaigns" => "终本库出清专项行动",
        "deputy_invitations" | "deputy_invitees" => "邀请人大代表",
        "deputy_suggestions" => "代表建议与检察建议",
        "deputy_surveys" | "deputy_survey_recipients" => "代表问卷",
        "evaluation_experts" => "评查专家库",
        "evaluation_plans" => "案件质量评查计划",
        "evaluation_cases" => "案件质量评查",
        "evaluation_self_checks" => "案件自查",
        "feedback_ratings" => "群众评价",
        "feedback_decisions" => "群众评价复核",
        _ => "记录",
    }
}

/// The command a leaf's data names (its third field).
fn command_of(leaf: &LeafRow) -> Option<Command> {
    leaf.data.split_whitespace().nth(2).and_then(Command::parse)
}

impl Store {
    /// Who wrote each leaf and which case it is about.
    pub async fn trail_of(&self, leaves: Vec<LeafRow>) -> Result<Vec<TrailLine>> {
        let mut out = Vec::with_capacity(leaves.len());
        let mut numbers: std::collections::HashMap<i64, String> = Default::default();
        let mut names: std::collections::HashMap<String, String> = Default::default();
        for leaf in leaves {
            let command = command_of(&leaf);
            let source = SOURCES.iter().find(|s| s.table == leaf.entity);
            let (case_id, a, b) = match (source, leaf.reference.parse::<i64>()) {
                (Some(s), Ok(key)) => {
                    let mut q = sqlx::query(s.context).bind(key);
                    if s.at {
                        q = q.bind(leaf.at.clone());
                    }
                    match q.fetch_optional(&self.pool).await? {
                        Some(r) => (
                            r.try_get::<Option<i64>, _>("case_id")?,
                            r.try_get::<Option<String>, _>("a")?,
                            r.try_get::<Option<String>, _>("b")?,
                        ),
                        None => (None, None, None),
                    }
                }
                _ => (None, None, None),
            };
            // The record's first command is its creator's act; later ones the later actor's.
            let created = command.is_some_and(|c| {
                super::entities::entities().any(|e| e.table == leaf.entity && e.created_by == c)
            });
            let who = if created || source.is_none() { a } else { b };
            let actor = match who {
                Some(w) => self.person_name(&w, &mut names).await?,
                None if source.is_none() => "（见管理操作记录）".to_string(),
                None => "系统（自动）".to_string(),
            };
            let case_number = match case_id {
                Some(id) => {
                    if let std::collections::hash_map::Entry::Vacant(e) = numbers.entry(id) {
                        let n: Option<String> =
                            sqlx::query("SELECT case_number FROM cases WHERE id = $1")
                                .bind(id)
                                .fetch_optional(&self.pool)
                                .await?
                                .map(|r| r.try_get(0))
                                .transpose()?;
                        e.insert(n.unwrap_or_default());
                    }
                    numbers.get(&id).cloned()
                }
                None => None,
            };
            out.push(TrailLine {
                record_zh: format!("{} #{}", table_zh(&leaf.entity), leaf.reference),
                actor,
                case_id,
                case_number,
                leaf,
            });
        }
        Ok(out)
    }

    /// Every leaf of every record of a case, oldest first, with who wrote it.
    pub async fn case_trail(&self, case_id: i64) -> Result<Vec<TrailLine>> {
        let mut leaves = vec![];
        for s in SOURCES {
            let keys = sqlx::query(s.of_case)
                .bind(case_id)
                .fetch_all(&self.pool)
                .await?;
            for k in keys {
                let key: i64 = k.try_get(0)?;
                leaves.extend(self.ledger_leaves_of(s.table, &key.to_string()).await?);
            }
        }
        leaves.sort_by_key(|l| l.index);
        leaves.dedup_by_key(|l| l.index);
        self.trail_of(leaves).await
    }

    /// A person's name as recorded (`user:<username>` is looked up); a system's name says so.
    async fn person_name(
        &self,
        who: &str,
        cache: &mut std::collections::HashMap<String, String>,
    ) -> Result<String> {
        if let Some(n) = cache.get(who) {
            return Ok(n.clone());
        }
        let name = match who.strip_prefix("user:") {
            Some(u) => sqlx::query("SELECT display_name FROM users WHERE username = $1")
                .bind(u)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get::<String, _>(0))
                .transpose()?
                .map_or_else(|| u.to_string(), |d| format!("{d}（{u}）")),
            // As the case page says who recorded an event (`view::recorder_zh` in the server).
            None => match (who.strip_prefix("system:"), who.strip_prefix("import:")) {
                (Some(sys), _) => format!("{sys}（业务系统接入）"),
                (_, Some(file)) => format!("批量导入（{file}）"),
                _ if who == "demo" => "演示数据导入".to_string(),
                _ => who.to_string(),
            },
        };
        cache.insert(who.to_string(), name.clone());
        Ok(name)
    }
}
