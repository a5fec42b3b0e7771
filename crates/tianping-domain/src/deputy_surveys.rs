//! Surveys of deputies (问卷, issue 25): the 人大 writes a questionnaire, sends it to its deputies by
//! level and area, each deputy answers once (logged in, or through a signed link), and the answers
//! are tabulated per question and per area. 丽水 surveyed its 9,700 deputies before the court and
//! procuratorate presidents visited their liaison stations.
//!
//! A questionnaire is written as text, one question per block, so it needs no form builder and
//! every mistake names its line:
//!
//! ```text
//! 单选：您对本市法院执行工作的总体评价
//! - 满意
//! - 基本满意
//! - 不满意
//!
//! 多选：您认为执行工作最需要改进的方面
//! - 查找被执行人财产
//! - 执行效率
//!
//! 评分：您对检察机关公益诉讼工作的评价（1–5 分）
//!
//! 问答：您的意见和建议
//! ```
//!
//! No IO.

use serde::{Deserialize, Serialize};

/// A question's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Single,
    Multiple,
    /// 1 to 5.
    Scale,
    Text,
}

impl Kind {
    pub fn zh(self) -> &'static str {
        match self {
            Kind::Single => "单选",
            Kind::Multiple => "多选",
            Kind::Scale => "评分",
            Kind::Text => "问答",
        }
    }
    fn parse(s: &str) -> Option<Kind> {
        match s {
            "单选" => Some(Kind::Single),
            "多选" => Some(Kind::Multiple),
            "评分" => Some(Kind::Scale),
            "问答" => Some(Kind::Text),
            _ => None,
        }
    }
}

/// The largest score of a scale question.
pub const SCALE_MAX: u8 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub kind: Kind,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// A mistake in a questionnaire's text, with its line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

fn line_err(line: usize, message: impl Into<String>) -> LineError {
    LineError {
        line,
        message: message.into(),
    }
}

/// Reads a questionnaire's text (see the module documentation): every mistake, each with its
/// line.
pub fn parse_questions(text: &str) -> Result<Vec<Question>, Vec<LineError>> {
    let mut out: Vec<(usize, Question)> = vec![];
    let mut errors = vec![];
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(option) = line.strip_prefix('-').or_else(|| line.strip_prefix('－')) {
            let option = option.trim();
            match out.last_mut() {
                Some((_, q)) if matches!(q.kind, Kind::Single | Kind::Multiple) => {
                    if option.is_empty() {
                        errors.push(line_err(n, "选项为空"));
                    } else if option.chars().count() > 60 {
                        errors.push(line_err(n, "选项不能超过 60 字"));
                    } else if q.options.iter().any(|o| o == option) {
                        errors.push(line_err(n, format!("选项“{option}”重复")));
                    } else {
                        q.options.push(option.to_string());
                    }
                }
                Some((_, q)) => errors.push(line_err(
                    n,
                    format!("“{}”题没有选项，选项只用于单选、多选题", q.kind.zh()),
                )),
                None => errors.push(line_err(n, "选项之前应先写题目（如“单选：……”）")),
            }
            continue;
        }
        let Some((head, body)) = line.split_once(['：', ':']) else {
            errors.push(line_err(
                n,
                "题目应以“单选：”“多选：”“评分：”或“问答：”开头，选项以“-”开头",
            ));
            continue;
        };
        let Some(kind) = Kind::parse(head.trim()) else {
            errors.push(line_err(
                n,
                format!("“{}”不是题型，应为单选、多选、评分或问答", head.trim()),
            ));
            continue;
        };
        let body = body.trim();
        if body.is_empty() {
            errors.push(line_err(n, "题目内容为空"));
        } else if body.chars().count() > 200 {
            errors.push(line_err(n, "题目不能超过 200 字"));
        }
        out.push((
            n,
            Question {
                kind,
                text: body.to_string(),
                options: vec![],
            },
        ));
    }
    for (n, q) in &out {
        if matches!(q.kind, Kind::Single | Kind::Multiple) && q.options.len() < 2 {
            errors.push(line_err(*n, format!("“{}”题至少需要两个选项", q.kind.zh())));
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(line_err(1, "问卷至少需要一道题"));
    }
    if out.len() > 50 {
        errors.push(line_err(1, "一份问卷不超过 50 道题"));
    }
    errors.sort_by_key(|e| e.line);
    if errors.is_empty() {
        Ok(out.into_iter().map(|(_, q)| q).collect())
    } else {
        Err(errors)
    }
}

/// One question's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// The chosen options' indices (one for a single choice).
    Choices(Vec<usize>),
    Score(u8),
    Text(String),
    /// Left blank (a text question may be).
    Blank,
}

/// A mistake in an answer, with its question (0-based) for the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerError {
    pub question: usize,
    pub message: String,
}

/// Reads a deputy's answers from the form's raw values (for each question, the values posted
/// under its name): every choice and score question answered, indices and scores in range,
/// text ≤ 1,000 characters.
pub fn check_answers(
    questions: &[Question],
    raw: &[Vec<String>],
) -> Result<Vec<Answer>, Vec<AnswerError>> {
    let mut out = vec![];
    let mut errors = vec![];
    for (i, q) in questions.iter().enumerate() {
        let values: Vec<&str> = raw
            .get(i)
            .map(|v| {
                v.iter()
                    .map(|x| x.trim())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let err = |m: &str| AnswerError {
            question: i,
            message: m.to_string(),
        };
        match q.kind {
            Kind::Single | Kind::Multiple => {
                let picked: Option<Vec<usize>> = values
                    .iter()
                    .map(|v| v.parse::<usize>().ok().filter(|k| *k < q.options.len()))
                    .collect();
                match picked {
                    None => errors.push(err("选项无效")),
                    Some(p) if p.is_empty() => errors.push(err("请选择")),
                    Some(p) if q.kind == Kind::Single && p.len() > 1 => {
                        errors.push(err("单选题只能选一项"))
                    }
                    Some(mut p) => {
                        p.sort_unstable();
                        p.dedup();
                        out.push(Answer::Choices(p));
                    }
                }
            }
            Kind::Scale => match values.as_slice() {
                [v] => match v.parse::<u8>() {
                    Ok(s) if (1..=SCALE_MAX).contains(&s) => out.push(Answer::Score(s)),
                    _ => errors.push(err("评分应为 1 至 5")),
                },
                _ => errors.push(err("请评分")),
            },
            Kind::Text => {
                let t = values.join("\n");
                if t.chars().count() > 1000 {
                    errors.push(err("回答不能超过 1000 字"));
                } else if t.is_empty() {
                    out.push(Answer::Blank);
                } else {
                    out.push(Answer::Text(t));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One question's tally over a set of answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Tally {
    /// Per option, how many chose it.
    Choices(Vec<u32>),
    /// Per score 1..=5, how many gave it.
    Scores([u32; SCALE_MAX as usize]),
    Texts(Vec<String>),
}

impl Tally {
    /// The mean score of a scale question (none without answers).
    pub fn mean(&self) -> Option<f64> {
        let Tally::Scores(s) = self else { return None };
        let n: u32 = s.iter().sum();
        (n > 0).then(|| {
            s.iter()
                .enumerate()
                .map(|(i, c)| (i as f64 + 1.0) * f64::from(*c))
                .sum::<f64>()
                / f64::from(n)
        })
    }
}

/// Tallies every question over the answers (each a deputy's full set, in question order).
pub fn tally(questions: &[Question], answers: &[Vec<Answer>]) -> Vec<Tally> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| match q.kind {
            Kind::Single | Kind::Multiple => {
                let mut c = vec![0u32; q.options.len()];
                for a in answers {
                    if let Some(Answer::Choices(p)) = a.get(i) {
                        for k in p {
                            if let Some(x) = c.get_mut(*k) {
                                *x += 1;
                            }
                        }
                    }
                }
                Tally::Choices(c)
            }
            Kind::Scale => {
                let mut s = [0u32; SCALE_MAX as usize];
                for a in answers {
                    if let Some(Answer::Score(v)) = a.get(i)
                        && let Some(x) = s.get_mut(usize::from(*v).saturating_sub(1))
                    {
                        *x += 1;
                    }
                }
                Tally::Scores(s)
            }
            Kind::Text => Tally::Texts(
                answers
                    .iter()
                    .filter_map(|a| match a.get(i) {
                        Some(Answer::Text(t)) => Some(t.clone()),
                        _ => None,
                    })
                    .collect(),
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "单选：您对本市法院执行工作的总体评价\n- 满意\n- 基本满意\n- 不满意\n\n多选：最需要改进的方面\n- 查找财产\n- 执行效率\n- 执行公开\n\n评分：对检察机关公益诉讼工作的评价\n\n问答：您的意见和建议\n";

    #[test]
    fn a_questionnaire_reads_from_text() {
        let q = parse_questions(TEXT).unwrap_or_default();
        assert_eq!(q.len(), 4);
        assert_eq!(q[0].kind, Kind::Single);
        assert_eq!(q[0].options, ["满意", "基本满意", "不满意"]);
        assert_eq!(q[2].kind, Kind::Scale);
        assert!(q[3].options.is_empty());
    }

    #[test]
    fn every_mistake_names_its_line() {
        let bad = "- 孤立的选项\n判断：是否满意\n单选：只有一个选项\n- 是\n评分：打分\n- 5分\n多选：\n- 甲\n- 甲\n";
        let e = parse_questions(bad).err().unwrap_or_default();
        let lines: Vec<usize> = e.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2, 3, 6, 7, 7, 9], "{e:?}");
        assert!(e[1].message.contains("“判断”不是题型"));
        assert!(e[2].message.contains("至少需要两个选项"));
        assert_eq!(parse_questions("  \n").err().map(|e| e[0].line), Some(1));
    }

    #[test]
    fn answers_are_checked_and_tallied() {
        let q = parse_questions(TEXT).unwrap_or_default();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let a = check_answers(
            &q,
            &[s(&["0"]), s(&["0", "2"]), s(&["4"]), s(&["加强执行"])],
        );
        let a = a.unwrap_or_default();
        assert_eq!(a[1], Answer::Choices(vec![0, 2]));
        let b = check_answers(&q, &[s(&["1"]), s(&["1"]), s(&["5"]), s(&[])]).unwrap_or_default();
        assert_eq!(b[3], Answer::Blank);
        let e = check_answers(&q, &[s(&["0", "1"]), s(&[]), s(&["6"]), s(&[])])
            .err()
            .unwrap_or_default();
        let qs: Vec<usize> = e.iter().map(|e| e.question).collect();
        assert_eq!(qs, [0, 1, 2]);
        let t = tally(&q, &[a, b]);
        assert_eq!(t[0], Tally::Choices(vec![1, 1, 0]));
        assert_eq!(t[1], Tally::Choices(vec![1, 1, 1]));
        assert_eq!(t[2].mean(), Some(4.5));
        assert_eq!(t[3], Tally::Texts(vec!["加强执行".into()]));
    }

    #[test]
    fn answers_survive_storage() {
        let a = vec![
            Answer::Choices(vec![1]),
            Answer::Score(3),
            Answer::Text("好".into()),
            Answer::Blank,
        ];
        let json = serde_json::to_string(&a).unwrap_or_default();
        let back: Vec<Answer> = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, a);
    }
}
