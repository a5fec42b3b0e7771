//! What a judge does with a proofreading finding: applies its fix (the draft's text changes), marks
//! it fixed in the draft, or marks it not applicable with a reason. Only the person who uploaded the
//! draft acts on its findings; an unresolved finding blocks nothing but is counted for the judge and
//! the court. Pure: the store persists what this module decides.

use serde::Serialize;

/// Where a finding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Fixed,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Open, Status::Fixed, Status::NotApplicable];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Fixed => "fixed",
            Status::NotApplicable => "not_applicable",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Status::Open => "待处理",
            Status::Fixed => "已修改",
            Status::NotApplicable => "不适用",
        }
    }
}

/// What the judge does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Replace the finding's text with its suggestion.
    ApplyFix,
    /// Corrected in the draft by hand.
    MarkFixed,
    /// Not a defect here; a reason is required.
    NotApplicable,
}

impl Act {
    pub fn parse(s: &str) -> Option<Act> {
        match s {
            "apply_fix" => Some(Act::ApplyFix),
            "fixed" => Some(Act::MarkFixed),
            "not_applicable" => Some(Act::NotApplicable),
            _ => None,
        }
    }
}

/// A refusal, by field: `act` (who or what), `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub message: String,
    /// Not this person's to do (403) rather than a value to correct (422).
    pub forbidden: bool,
}

fn deny(field: &'static str, message: impl Into<String>, forbidden: bool) -> Refusal {
    Refusal {
        field,
        message: message.into(),
        forbidden,
    }
}

/// The most characters a reason keeps.
pub const REASON_MAX: usize = 500;

/// Decides an act on a finding: the status it leads to, or why not.
pub fn decide(
    act: Act,
    current: Status,
    is_uploader: bool,
    has_fix: bool,
    reason: &str,
) -> Result<Status, Refusal> {
    if !is_uploader {
        return Err(deny("act", "只有上传该文稿的人员可以处理其校对意见", true));
    }
    if current != Status::Open {
        return Err(deny(
            "act",
            format!("该校对意见已标记为“{}”", current.zh()),
            false,
        ));
    }
    match act {
        Act::ApplyFix if !has_fix => Err(deny("act", "该校对意见没有可直接采用的修改", false)),
        Act::ApplyFix | Act::MarkFixed => Ok(Status::Fixed),
        Act::NotApplicable => {
            let r = reason.trim();
            if r.is_empty() {
                Err(deny("reason", "标记为不适用时须填写理由", false))
            } else if r.chars().count() > REASON_MAX {
                Err(deny(
                    "reason",
                    format!("理由不能超过{REASON_MAX}字（现为{}字）", r.chars().count()),
                    false,
                ))
            } else {
                Ok(Status::NotApplicable)
            }
        }
    }
}

/// A finding as stored, for laying out the draft: its place in the uploaded text (characters),
/// and the replacement if its fix was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub seq: i64,
    pub start: usize,
    pub end: usize,
    pub applied: Option<String>,
}

/// A piece of the draft as the page shows it: plain text, or a finding's place (with the text
/// now there: the fix if applied, else what was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Plain(String),
    Marked {
        seq: i64,
        text: String,
        applied: bool,
    },
}

/// The draft in pieces, the marks in the order of the text; a mark inside an earlier one is not
/// marked again (its finding is still listed).
pub fn segments(text: &str, marks: &[Mark]) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let mut sorted: Vec<&Mark> = marks
        .iter()
        .filter(|m| m.start <= m.end && m.end <= chars.len())
        .collect();
    sorted.sort_by_key(|m| (m.start, m.seq));
    let mut out = vec![];
    let mut at = 0;
    for m in sorted {
        if m.start < at {
            continue;
        }
        if m.start > at {
            out.push(Segment::Plain(chars[at..m.start].iter().collect()));
        }
        out.push(Segment::Marked {
            seq: m.seq,
            text: m
                .applied
                .clone()
                .unwrap_or_else(|| chars[m.start..m.end].iter().collect()),
            applied: m.applied.is_some(),
        });
        at = m.end;
    }
    if at < chars.len() {
        out.push(Segment::Plain(chars[at..].iter().collect()));
    }
    out
}

/// The draft as it reads with the applied fixes.
pub fn current_text(text: &str, marks: &[Mark]) -> String {
    segments(text, marks)
        .into_iter()
        .map(|s| match s {
            Segment::Plain(t) | Segment::Marked { text: t, .. } => t,
        })
        .collect()
}

/// Whether a fix at `m` may be applied: its place overlaps no other applied fix.
pub fn fix_fits(m: &Mark, marks: &[Mark]) -> bool {
    !marks
        .iter()
        .any(|o| o.seq != m.seq && o.applied.is_some() && o.start < m.end && m.start < o.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_uploader_acts_and_a_reason_is_required_to_set_a_finding_aside() {
        assert_eq!(
            decide(Act::MarkFixed, Status::Open, true, false, ""),
            Ok(Status::Fixed)
        );
        let e = decide(Act::MarkFixed, Status::Open, false, false, "").unwrap_err();
        assert!(e.forbidden);
        let e = decide(Act::NotApplicable, Status::Open, true, false, "  ").unwrap_err();
        assert_eq!(e.field, "reason");
        assert_eq!(
            decide(
                Act::NotApplicable,
                Status::Open,
                true,
                false,
                "系引用原审判决"
            ),
            Ok(Status::NotApplicable)
        );
        assert!(decide(Act::ApplyFix, Status::Open, true, false, "").is_err());
        assert!(decide(Act::MarkFixed, Status::Fixed, true, true, "").is_err());
        let long = "理".repeat(REASON_MAX + 1);
        assert!(decide(Act::NotApplicable, Status::Open, true, false, &long).is_err());
    }

    #[test]
    fn the_draft_reads_with_its_applied_fixes_and_marks_in_place() {
        let text = "甲至2019年9月18日止，乙第四百六十七条丙";
        let mut marks = vec![
            Mark {
                seq: 1,
                start: 2,
                end: 12,
                applied: None,
            },
            Mark {
                seq: 2,
                start: 15,
                end: 22,
                applied: None,
            },
        ];
        let s = segments(text, &marks);
        assert_eq!(s.len(), 5);
        assert_eq!(current_text(text, &marks), text);
        marks[0].applied = Some("2019年8月18日".into());
        assert_eq!(
            current_text(text, &marks),
            "甲至2019年8月18日止，乙第四百六十七条丙"
        );
        assert!(matches!(
            &segments(text, &marks)[1],
            Segment::Marked { applied: true, text, .. } if text == "2019年8月18日"
        ));
        // A fix over an applied one does not fit; one elsewhere does.
        let over = Mark {
            seq: 3,
            start: 5,
            end: 8,
            applied: None,
        };
        assert!(!fix_fits(&over, &marks));
        assert!(fix_fits(&marks[1], &marks));
        // Out of the text: not marked.
        let bad = vec![Mark {
            seq: 9,
            start: 5,
            end: 99,
            applied: None,
        }];
        assert_eq!(current_text(text, &bad), text);
    }
}
