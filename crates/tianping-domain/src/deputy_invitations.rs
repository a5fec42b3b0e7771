//! Courts and procuratorates invite people's congress deputies (issue 25): to inspect their work
//! (视察), to sit in on a hearing (旁听庭审), to witness an enforcement (见证执行), or to a forum
//! (座谈). Each invited deputy answers for themselves — accepts or declines before it begins — and
//! after it, leaves their opinion, which records that they attended; the inviting organisation may
//! record an attendance (签到, for a deputy without a login) or an absence. The year's person-times per deputy and per kind are counted from the
//! answers (丽水's "293 人次"). No IO.

pub use crate::deputies::FieldError;
use crate::deputies::err;
use chrono::{DateTime, Utc};

/// What deputies are invited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Inspection,
    Hearing,
    Enforcement,
    Forum,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Inspection,
        Kind::Hearing,
        Kind::Enforcement,
        Kind::Forum,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Inspection => "inspection",
            Kind::Hearing => "hearing",
            Kind::Enforcement => "enforcement",
            Kind::Forum => "forum",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Kind::Inspection => "视察",
            Kind::Hearing => "旁听庭审",
            Kind::Enforcement => "见证执行",
            Kind::Forum => "座谈",
        }
    }
}

/// Where an invited deputy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Invited,
    Accepted,
    Declined,
    Attended,
    Absent,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Invited,
        State::Accepted,
        State::Declined,
        State::Attended,
        State::Absent,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            State::Invited => "invited",
            State::Accepted => "accepted",
            State::Declined => "declined",
            State::Attended => "attended",
            State::Absent => "absent",
        }
    }
    pub fn parse(s: &str) -> Option<State> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            State::Invited => "待答复",
            State::Accepted => "已接受",
            State::Declined => "已婉拒",
            State::Attended => "已参加",
            State::Absent => "未参加",
        }
    }
}

/// What someone does to an invited deputy's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// The deputy accepts (before it begins).
    Accept,
    /// The deputy declines (before it begins).
    Decline,
    /// The deputy leaves their opinion (after it began): they attended.
    Opinion,
    /// The inviting organisation records that the deputy came (签到; after it began) — for a
    /// deputy without a login, or before they give their opinion.
    Present,
    /// The inviting organisation records that the deputy did not come (after it began).
    Absent,
}

impl Act {
    pub fn parse(s: &str) -> Option<Act> {
        match s {
            "accept" => Some(Act::Accept),
            "decline" => Some(Act::Decline),
            "opinion" => Some(Act::Opinion),
            "present" => Some(Act::Present),
            "absent" => Some(Act::Absent),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Accept => "accept",
            Act::Decline => "decline",
            Act::Opinion => "opinion",
            Act::Present => "present",
            Act::Absent => "absent",
        }
    }
    /// Whether the deputy takes it (as themselves) rather than the inviting organisation.
    pub fn by_deputy(self) -> bool {
        !matches!(self, Act::Present | Act::Absent)
    }
    /// The state after it.
    pub fn to(self) -> State {
        match self {
            Act::Accept => State::Accepted,
            Act::Decline => State::Declined,
            Act::Opinion | Act::Present => State::Attended,
            Act::Absent => State::Absent,
        }
    }
}

/// Why an act is refused: a stable code and the reason shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub code: &'static str,
    pub zh: String,
}

fn refused(code: &'static str, zh: impl Into<String>) -> Refused {
    Refused {
        code,
        zh: zh.into(),
    }
}

/// Checks an act on an invited deputy's line at `now`: answers before the activity begins, an
/// opinion or an absence after; an opinion needs its text (≤ 1,000 characters).
pub fn check_act(
    state: State,
    act: Act,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
    opinion: &str,
) -> Result<State, Refused> {
    let begun = now >= starts_at;
    match act {
        Act::Accept | Act::Decline => {
            if begun {
                return Err(refused("wrong_state", "活动已开始，不能再答复邀请"));
            }
            if !matches!(state, State::Invited | State::Accepted | State::Declined)
                || state == act.to()
            {
                return Err(refused(
                    "wrong_state",
                    format!("目前“{}”，不能再{}", state.zh(), act_zh(act)),
                ));
            }
        }
        Act::Opinion => {
            if !begun {
                return Err(refused("wrong_state", "活动开始后方可填写意见"));
            }
            if !matches!(state, State::Invited | State::Accepted) {
                return Err(refused(
                    "wrong_state",
                    format!("目前“{}”，不能填写意见", state.zh()),
                ));
            }
            let n = opinion.trim().chars().count();
            if n == 0 {
                return Err(refused("field_empty", "请填写意见或建议"));
            }
            if n > 1000 {
                return Err(refused("field_too_long", "意见不能超过 1000 字"));
            }
        }
        Act::Present | Act::Absent => {
            if !begun {
                return Err(refused(
                    "wrong_state",
                    format!("活动开始后方可{}", act_zh(act)),
                ));
            }
            if !matches!(state, State::Invited | State::Accepted) {
                return Err(refused(
                    "wrong_state",
                    format!("目前“{}”，不能{}", state.zh(), act_zh(act)),
                ));
            }
        }
    }
    Ok(act.to())
}

fn act_zh(a: Act) -> &'static str {
    match a {
        Act::Accept => "接受",
        Act::Decline => "婉拒",
        Act::Opinion => "填写意见",
        Act::Present => "登记参加",
        Act::Absent => "登记未参加",
    }
}

/// An invitation as the inviting organisation enters it.
#[derive(Debug, Clone, Copy)]
pub struct InvitationInput<'a> {
    pub kind: Option<Kind>,
    pub title: &'a str,
    pub place: &'a str,
    pub starts_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    pub invitees: usize,
}

pub fn check_invitation(i: &InvitationInput<'_>) -> Result<(), Vec<FieldError>> {
    let mut errors = vec![];
    let mut bad = |field: &'static str, message: &str| errors.push(err(field, message));
    if i.kind.is_none() {
        bad("kind", "请选择活动类型");
    }
    let t = i.title.trim().chars().count();
    if t == 0 {
        bad("title", "请填写活动名称");
    } else if t > 60 {
        bad("title", "活动名称不能超过 60 字");
    }
    let p = i.place.trim().chars().count();
    if p == 0 {
        bad("place", "请填写地点");
    } else if p > 60 {
        bad("place", "地点不能超过 60 字");
    }
    match i.starts_at {
        None => bad("starts_at", "时间应为 YYYY-MM-DD HH:MM"),
        Some(t) if t <= i.now => bad("starts_at", "活动时间应晚于现在"),
        Some(_) => {}
    }
    if i.invitees == 0 {
        bad("deputies", "请至少邀请一名代表");
    } else if i.invitees > 50 {
        bad("deputies", "一次邀请不超过 50 名代表");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("{s}:00+08:00"))
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn a_deputy_answers_before_and_gives_an_opinion_after() {
        let start = t("2026-12-10T09:00");
        let before = t("2026-12-09T18:00");
        let after = t("2026-12-10T11:00");
        assert_eq!(
            check_act(State::Invited, Act::Accept, start, before, ""),
            Ok(State::Accepted)
        );
        // A deputy may change their answer before it begins, not after.
        assert_eq!(
            check_act(State::Accepted, Act::Decline, start, before, ""),
            Ok(State::Declined)
        );
        assert!(check_act(State::Invited, Act::Accept, start, after, "").is_err());
        assert!(check_act(State::Accepted, Act::Accept, start, before, "").is_err());
        // The opinion after it began, with text; it records the attendance.
        assert_eq!(
            check_act(State::Accepted, Act::Opinion, start, before, "好").map_err(|e| e.zh),
            Err("活动开始后方可填写意见".into())
        );
        assert_eq!(
            check_act(State::Accepted, Act::Opinion, start, after, " ").map_err(|e| e.code),
            Err("field_empty")
        );
        assert_eq!(
            check_act(State::Accepted, Act::Opinion, start, after, "庭审程序规范"),
            Ok(State::Attended)
        );
        assert!(check_act(State::Declined, Act::Opinion, start, after, "x").is_err());
        assert!(check_act(State::Attended, Act::Absent, start, after, "").is_err());
        assert_eq!(
            check_act(State::Accepted, Act::Absent, start, after, ""),
            Ok(State::Absent)
        );
        assert_eq!(
            check_act(State::Invited, Act::Present, start, after, ""),
            Ok(State::Attended)
        );
        assert!(check_act(State::Invited, Act::Present, start, before, "").is_err());
        assert!(!Act::Absent.by_deputy() && !Act::Present.by_deputy() && Act::Opinion.by_deputy());
    }

    #[test]
    fn an_invitation_has_a_kind_title_place_future_time_and_deputies() {
        let now = t("2026-12-01T10:00");
        let ok = InvitationInput {
            kind: Some(Kind::Hearing),
            title: "邀请人大代表旁听庭审",
            place: "上城区人民法院第三法庭",
            starts_at: Some(t("2026-12-10T09:00")),
            now,
            invitees: 3,
        };
        assert!(check_invitation(&ok).is_ok());
        let fields: Vec<_> = check_invitation(&InvitationInput {
            kind: None,
            starts_at: Some(t("2026-11-30T09:00")),
            invitees: 0,
            ..ok
        })
        .err()
        .unwrap_or_default()
        .iter()
        .map(|e| e.field)
        .collect();
        assert_eq!(fields, ["kind", "starts_at", "deputies"]);
    }
}
