//! Witness cosignatures on the stored checkpoints: a supervising body's signature, added by its
//! own key (`tianping_ledger::witness`), is taken into the checkpoint's signed note when it
//! verifies with a registered witness key. Whoever brings the note only carries it.

use super::{CheckpointRow, checkpoint_row};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use tianping_domain::supervision::Refusal;
use tianping_ledger::VerifierKey;
use tianping_ledger::witness::{cosigners, merge};

fn refusal(code: &'static str, zh: impl Into<String>) -> StoreError {
    StoreError::Refused(Refusal {
        code,
        zh: zh.into(),
    })
}

/// What registering a cosigned checkpoint did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Registered {
    pub checkpoint_id: i64,
    pub size: u64,
    /// The witnesses whose cosignature this note added.
    pub added: Vec<String>,
    /// Every given witness that has now cosigned the checkpoint.
    pub witnesses: Vec<String>,
}

impl Store {
    /// The latest stored checkpoint of a tree head (size and hex root), if any.
    pub async fn checkpoint_of(&self, size: u64, root: &str) -> Result<Option<CheckpointRow>> {
        let r = sqlx::query(
            "SELECT id, size, root, note, created_at FROM ledger_checkpoints \
             WHERE size = $1 AND root = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(size as i64)
        .bind(root)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(checkpoint_row).transpose()
    }

    /// Takes the cosignatures of `witnesses` that `note` carries into the stored checkpoint of
    /// the same tree head. `note` must open with the log's key (`log`, for `origin`), carry at
    /// least one cosignature by a witness and none that fails; the checkpoint must be stored.
    /// Refusals: `checkpoint_not_signed`, `cosignature_invalid`, `no_cosignature`,
    /// `checkpoint_unknown`.
    pub async fn register_cosignatures(
        &self,
        note: &str,
        log: &VerifierKey,
        origin: &str,
        witnesses: &[VerifierKey],
        now: DateTime<Utc>,
    ) -> Result<Registered> {
        let cp = log.open_for(origin, note).map_err(|e| {
            refusal(
                "checkpoint_not_signed",
                format!("该检查点不是本账本密钥签发的，或内容已被改动（{e}）"),
            )
        })?;
        let who = cosigners(note, witnesses);
        if !who.invalid.is_empty() {
            return Err(refusal(
                "cosignature_invalid",
                format!(
                    "{}的见证签名校验未通过：签名与检查点内容不符，或不是其登记的密钥所签",
                    who.invalid.join("、")
                ),
            ));
        }
        if who.signed.is_empty() {
            let names: Vec<&str> = witnesses.iter().map(|w| w.name.as_str()).collect();
            return Err(refusal(
                "no_cosignature",
                if names.is_empty() {
                    "本系统未登记见证机构的公钥（配置项 witness_keys），不能登记见证签名"
                        .to_string()
                } else {
                    format!("检查点上没有已登记见证机构（{}）的签名", names.join("、"))
                },
            ));
        }
        let root = cp.root.to_hex();
        // A cosignature landing meanwhile changes the stored note: merge into the new one.
        for _ in 0..5 {
            let Some(row) = self.checkpoint_of(cp.size, &root).await? else {
                return Err(refusal(
                    "checkpoint_unknown",
                    format!("账本中没有 {} 个叶子、根哈希为 {root} 的检查点", cp.size),
                ));
            };
            let (merged, added) = merge(&row.note, note, witnesses)
                .map_err(|e| StoreError::Corrupt(format!("checkpoint #{}: {e}", row.id)))?;
            if added.is_empty() || self.replace_note(row.id, &row.note, &merged, now).await? {
                return Ok(Registered {
                    checkpoint_id: row.id,
                    size: cp.size,
                    added,
                    witnesses: cosigners(&merged, witnesses).signed,
                });
            }
        }
        Err(StoreError::Invalid(
            "the checkpoint kept changing while its cosignatures were added; try again".into(),
        ))
    }

    /// Replaces a checkpoint's signed note if it still reads `was`; whether it did.
    pub(crate) async fn replace_note(
        &self,
        id: i64,
        was: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut w = self.write(now).await?;
        let n = sqlx::query("UPDATE ledger_checkpoints SET note = $1 WHERE id = $2 AND note = $3")
            .bind(note)
            .bind(id)
            .bind(was)
            .execute(&mut *w)
            .await?
            .rows_affected();
        w.commit().await?;
        Ok(n == 1)
    }
}
