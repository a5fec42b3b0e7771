use jieba_rs::Jieba;

/// Segments Chinese text. Building one loads jieba's dictionary (about 0.3 s): build it once.
pub struct Tokenizer {
    jieba: Jieba,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer::new()
    }
}

pub(crate) fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Words that carry no meaning for comparing cases.
const STOP: &[&str] = &[
    "的", "了", "在", "是", "和", "与", "及", "或", "等", "其", "该", "被", "对", "将", "于", "为",
    "由", "之", "以", "并", "而", "后", "中", "上", "下", "内", "日", "月", "年", "时", "许",
];

impl Tokenizer {
    pub fn new() -> Tokenizer {
        Tokenizer {
            jieba: Jieba::new(),
        }
    }

    /// Words (jieba precise mode, no HMM) without punctuation, spaces or stop words.
    pub fn words(&self, text: &str) -> Vec<String> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .filter(|w| w.chars().any(|c| c.is_alphanumeric()) && !STOP.contains(w))
            .map(str::to_string)
            .collect()
    }
}

/// Overlapping pairs of Chinese characters as numbers (the two code points side by side): what
/// the ranking counts, without a string per pair.
pub fn bigram_codes(text: &str) -> Vec<u64> {
    let mut out = Vec::with_capacity(text.len() / 3);
    let mut prev: Option<char> = None;
    for c in text.chars().filter(|c| is_han(*c)) {
        if let Some(p) = prev {
            out.push((u64::from(p) << 32) | u64::from(c));
        }
        prev = Some(c);
    }
    out
}

/// Overlapping pairs of Chinese characters, other characters dropped.
pub fn bigrams(text: &str) -> Vec<String> {
    let han: Vec<char> = text.chars().filter(|c| is_han(*c)).collect();
    han.windows(2).map(|w| w.iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_bigrams() {
        let t = Tokenizer::new();
        let w = t.words("被告人张某驾驶机动车，血液中乙醇含量为164mg/100ml。");
        assert!(w.contains(&"驾驶".to_string()), "{w:?}");
        assert!(w.contains(&"乙醇".to_string()), "{w:?}");
        assert!(!w.iter().any(|x| x == "，" || x == "的"), "{w:?}");
        assert_eq!(bigrams("故意伤害罪"), ["故意", "意伤", "伤害", "害罪"]);
        let codes = bigram_codes("故意，伤害");
        assert_eq!(codes.len(), 3, "punctuation is dropped, as in bigrams()");
        assert_eq!(codes[1], (u64::from('意') << 32) | u64::from('伤'));
    }
}
