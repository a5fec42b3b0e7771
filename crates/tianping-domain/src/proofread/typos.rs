//! Typos (错别字): a character that sounds or looks like another (the ECSpell confusion sets) where
//! the other reads much better in its place, by a character trigram model of legal text the
//! project ships (`data/proofread/`: the corrected side of ECSpell's legal training sentences,
//! MIT). Nothing is downloaded: the model is counted from the text the first time it is needed.
//!
//! A change is proposed only where the written character is unusual in its place (the pairs it
//! forms with its neighbours are rare) and the candidate raises the likelihood of the window
//! around it by more than a margin — the margin trades corrections for false alarms.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The shipped texts.
pub const LAW_SENTENCES: &str = include_str!("../../../../data/proofread/law-sentences.txt");
pub const CONFUSION_TSV: &str = include_str!("../../../../data/proofread/confusion.tsv");
/// The published judgments the demo ships (gzip, one JSON object with its `text` a line).
const JUDGMENTS_GZ: &[u8] = include_bytes!("../../../../data/judgments/lecard-slice.jsonl.gz");
pub const LAW_SLIPS: &str = include_str!("../../../../data/proofread/law-slips.tsv");

/// The sentence boundary, as a character no text holds.
const EDGE: char = '\u{2}';

fn key2(a: char, b: char) -> u64 {
    (u64::from(a as u32) << 21) | u64::from(b as u32)
}

fn key3(a: char, b: char, c: char) -> u64 {
    (u64::from(a as u32) << 42) | (u64::from(b as u32) << 21) | u64::from(c as u32)
}

pub fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Character counts: unigrams, bigrams, trigrams.
#[derive(Debug, Default, Clone)]
pub struct Model {
    uni: HashMap<char, u32>,
    bi: HashMap<u64, u32>,
    tri: HashMap<u64, u32>,
    total: u64,
    confusion: HashMap<char, (Vec<char>, Vec<char>)>,
    /// Slips seen in corrected text: written → meant, with how often.
    learned: HashMap<char, Vec<(char, u32)>>,
}

/// How eager the corrector is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    /// Log-likelihood gain (natural log) a sound-alike needs.
    pub sound: f64,
    /// … and a look-alike (rarer as a slip of the keyboard).
    pub shape: f64,
    /// … and a slip seen before (written → meant in corrected text).
    pub learned: f64,
    /// The written character is checked only where a pair it forms has been seen at most this
    /// many times.
    pub rare_pair: u32,
    /// … and only if it is itself this common (a rare character is more often a name or a
    /// place than a slip). Above zero, numerals and opposites (大/小 …) are left alone too: in a
    /// judgment a wrong guess there changes a figure or a finding.
    pub common: u32,
}

/// Characters a judgment's proofreader never changes or proposes: numerals and words whose
/// look-alike is their opposite.
const UNTOUCHED: &str =
    "零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟大小上下前后左右多少增减";

impl Margins {
    /// For short legal sentences (tuned on ECSpell's legal training sentences, five folds).
    pub const SENTENCES: Margins = Margins {
        sound: 10.0,
        shape: 11.0,
        learned: 7.0,
        rare_pair: 0,
        common: 0,
    };
    /// For whole judgments: names, places and figures the model has never seen abound; only a
    /// strong case is put to the judge.
    pub const JUDGMENTS: Margins = Margins {
        sound: 14.0,
        shape: 16.0,
        learned: 10.0,
        rare_pair: 0,
        common: 2000,
    };
}

impl Model {
    /// Counts the texts (one sentence or paragraph a line; lines starting with `#` skipped) and
    /// reads the confusion sets (`char<TAB>sound-alikes<TAB>look-alikes`).
    pub fn build<'a>(texts: impl IntoIterator<Item = &'a str>, confusion: &str) -> Model {
        let mut m = Model::default();
        for text in texts {
            for line in text.lines() {
                if line.starts_with('#') {
                    continue;
                }
                m.add(line);
            }
        }
        for line in confusion.lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut parts = line.split('\t');
            let (Some(k), Some(sound), shape) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            let Some(c) = k.chars().next() else { continue };
            let keep =
                |s: &str| -> Vec<char> { s.chars().filter(|x| is_han(*x) && *x != c).collect() };
            m.confusion
                .insert(c, (keep(sound), keep(shape.unwrap_or(""))));
        }
        m
    }

    /// Adds one line of text to the counts.
    pub fn add(&mut self, line: &str) {
        let chars: Vec<char> = std::iter::once(EDGE)
            .chain(std::iter::once(EDGE))
            .chain(line.chars().filter(|c| !c.is_whitespace()))
            .chain(std::iter::once(EDGE))
            .collect();
        for (i, &c) in chars.iter().enumerate().skip(2) {
            *self.uni.entry(c).or_default() += 1;
            *self.bi.entry(key2(chars[i - 1], c)).or_default() += 1;
            *self
                .tri
                .entry(key3(chars[i - 2], chars[i - 1], c))
                .or_default() += 1;
            self.total += 1;
        }
        // The context counts of the first characters.
        *self.uni.entry(EDGE).or_default() += 1;
        *self.bi.entry(key2(EDGE, EDGE)).or_default() += 1;
    }

    /// The model for whole judgments: the legal sentences and the published judgments the
    /// project ships (`data/judgments/`, LeCaRD, MIT), whose names, places and phrasing the
    /// sentences lack. Counted once, on first use (about a second).
    pub fn judgments() -> &'static Model {
        static M: OnceLock<Model> = OnceLock::new();
        M.get_or_init(|| {
            let mut m = Model::build([LAW_SENTENCES], CONFUSION_TSV).learn(LAW_SLIPS);
            let mut raw = String::new();
            let _ = std::io::Read::read_to_string(
                &mut flate2::read::GzDecoder::new(JUDGMENTS_GZ),
                &mut raw,
            );
            for line in raw.lines() {
                let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                    continue;
                };
                if let Some(text) = v.get("text").and_then(|t| t.as_str()) {
                    for sentence in text.split(['。', '；', '\n']) {
                        m.add(sentence);
                    }
                }
            }
            m
        })
    }

    /// The model from the shipped texts, counted once.
    pub fn shipped() -> &'static Model {
        static M: OnceLock<Model> = OnceLock::new();
        M.get_or_init(|| Model::build([LAW_SENTENCES], CONFUSION_TSV).learn(LAW_SLIPS))
    }

    /// Whether `a` and `b` sound or look alike by the confusion sets (either way round).
    pub fn confusable(&self, a: char, b: char) -> bool {
        let has = |x: char, y: char| {
            self.confusion
                .get(&x)
                .is_some_and(|(sound, shape)| sound.contains(&y) || shape.contains(&y))
        };
        has(a, b) || has(b, a)
    }

    fn uni(&self, c: char) -> u32 {
        self.uni.get(&c).copied().unwrap_or(0)
    }
    fn bi(&self, a: char, b: char) -> u32 {
        self.bi.get(&key2(a, b)).copied().unwrap_or(0)
    }

    /// Learns slips from corrected sentences: `written<TAB>meant<TAB>count` lines, or pairs of
    /// sentences of equal length.
    pub fn learn(mut self, pairs_tsv: &str) -> Model {
        for line in pairs_tsv.lines() {
            if line.starts_with('#') {
                continue;
            }
            let p: Vec<&str> = line.split('\t').collect();
            let (Some(a), Some(b)) = (
                p.first().and_then(|x| x.chars().next()),
                p.get(1).and_then(|x| x.chars().next()),
            ) else {
                continue;
            };
            let n: u32 = p.get(2).and_then(|x| x.parse().ok()).unwrap_or(1);
            self.learn_pair(a, b, n);
        }
        self
    }

    /// Learns the slips of one sentence and its correction (same length).
    pub fn learn_sentence(&mut self, written: &str, meant: &str) {
        if written.chars().count() != meant.chars().count() {
            return;
        }
        for (a, b) in written.chars().zip(meant.chars()) {
            if a != b && is_han(a) && is_han(b) {
                self.learn_pair(a, b, 1);
            }
        }
    }

    fn learn_pair(&mut self, a: char, b: char, n: u32) {
        let list = self.learned.entry(a).or_default();
        match list.iter_mut().find(|(x, _)| *x == b) {
            Some((_, k)) => *k += n,
            None => list.push((b, n)),
        }
    }

    fn logp(&self, a: char, b: char, c: char) -> f64 {
        self.p(a, b, c).ln()
    }

    /// P(c | a b): trigram, bigram and unigram estimates interpolated.
    fn p(&self, a: char, b: char, c: char) -> f64 {
        let (l3, l2, l1) = (0.6, 0.3, 0.1);
        let vocab = self.uni.len().max(1) as f64;
        let p1 = (f64::from(self.uni(c)) + 0.1) / (self.total as f64 + 0.1 * vocab);
        let cb = self.uni(b);
        let p2 = if cb > 0 {
            f64::from(self.bi(b, c)) / f64::from(cb)
        } else {
            0.0
        };
        let cab = self.bi(a, b);
        let p3 = if cab > 0 {
            f64::from(self.tri.get(&key3(a, b, c)).copied().unwrap_or(0)) / f64::from(cab)
        } else {
            0.0
        };
        let (w3, w2) = (
            if cab > 0 { l3 } else { 0.0 },
            if cb > 0 { l2 } else { 0.0 },
        );
        let w1 = 1.0 - w3 - w2;
        let _ = l1;
        w3 * p3 + w2 * p2 + w1 * p1
    }

    /// The log-likelihood of the characters whose trigrams include position `i` of `s` (a
    /// sentence with two boundary marks before and one after), with `c` at `i`.
    fn window(&self, s: &[char], i: usize, c: char) -> f64 {
        let at = |j: usize| if j == i { c } else { s[j] };
        (i..=(i + 2).min(s.len() - 1))
            .map(|j| self.logp(at(j - 2), at(j - 1), at(j)))
            .sum()
    }

    /// The corrections of one sentence or paragraph: (character offset, written, proposed).
    pub fn corrections(&self, text: &str, m: Margins) -> Vec<(usize, char, char)> {
        let written: Vec<char> = text.chars().collect();
        let mut s: Vec<char> = vec![EDGE, EDGE];
        s.extend(&written);
        s.push(EDGE);
        let mut out = vec![];
        for i in 2..s.len() - 1 {
            let c = s[i];
            if !is_han(c) {
                continue;
            }
            let none = (vec![], vec![]);
            let (sound, shape) = self.confusion.get(&c).unwrap_or(&none);
            let learned: Vec<char> = self
                .learned
                .get(&c)
                .map(|l| l.iter().map(|(x, _)| *x).collect())
                .unwrap_or_default();
            if sound.is_empty() && shape.is_empty() && learned.is_empty() {
                continue;
            }
            // Only where the written character is unusual among its neighbours.
            if self.bi(s[i - 1], c) > m.rare_pair && self.bi(c, s[i + 1]) > m.rare_pair
                || self.uni(c) < m.common
            {
                continue;
            }
            if m.common > 0 && UNTOUCHED.contains(c) {
                continue;
            }
            let base = self.window(&s, i, c);
            let mut best: Option<(f64, char)> = None;
            for (list, margin) in [(sound, m.sound), (shape, m.shape), (&learned, m.learned)] {
                for &x in list {
                    if self.uni(x) == 0 || (m.common > 0 && UNTOUCHED.contains(x)) {
                        continue;
                    }
                    let gain = self.window(&s, i, x) - base - margin;
                    if gain > 0.0 && best.is_none_or(|(g, _)| gain > g) {
                        best = Some((gain, x));
                    }
                }
            }
            if let Some((_, x)) = best {
                s[i] = x;
                out.push((i - 2, c, x));
            }
        }
        out
    }

    /// The sentence corrected.
    pub fn correct(&self, text: &str, m: Margins) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for (i, _, x) in self.corrections(text, m) {
            chars[i] = x;
        }
        chars.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sound_alike_slip_in_legal_text_is_corrected_and_the_right_text_kept() {
        let m = Model::shipped();
        // Not a sentence of the training text: 依法制国 → 依法治国 in a sentence of its own.
        let slip = "坚持依法制国和以德治国相结合";
        assert_eq!(
            m.correct(slip, Margins::SENTENCES),
            "坚持依法治国和以德治国相结合"
        );
        let right = "当事人可以向人民法院起诉";
        assert_eq!(m.correct(right, Margins::SENTENCES), right);
    }
}
