//! Similar-case retrieval (类案检索, issue #5): how a query case and a prior judgment are compared.
//!
//! - [`Tokenizer`]: jieba word segmentation (precise mode) for BM25 over the facts, and Chinese
//!   character bigrams for BM25 over the whole judgment — the bigrams catch compounds jieba splits
//!   differently in a query and a judgment (故意伤害 / 故意 伤害).
//! - [`bm25`]: Okapi BM25 over one candidate pool (k1 1.5, b 0.75, negative IDF floored at
//!   ε × mean IDF, as the LeCaRD reference run computes it).
//! - [`rank`]: the ranking — lexical similarity of the facts, of the whole text, and the overlap
//!   of the charges (罪名), each with its share of the score kept for the "why".
//! - [`index`]: the tantivy index of the library and the two-stage search over it (candidates by
//!   BM25 and charge, then [`rank`] over that pool).
//! - [`eval`]: the LeCaRD metrics (NDCG@k, P@k, MAP on judged candidates; NDCGh@k on the whole
//!   ranking), as the dataset's `eval.py` defines them.

pub mod bm25;
pub mod eval;
pub mod index;
pub mod rank;
pub mod tokenize;

pub use tokenize::Tokenizer;
