//! Ranking units (courts, judges) against each other by one metric's values.

/// Which way a metric is better, for ranking units against each other (a judgment, so data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

/// Where a unit stands among those compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// In the best third.
    Better,
    Middle,
    /// In the worst third.
    Worse,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Better => "better",
            Standing::Middle => "middle",
            Standing::Worse => "worse",
        }
    }
}

/// Ranks units by one metric's values: rank 1 is the best, equal values share a rank (1, 1, 3),
/// a unit without a value has none. With at least three ranked units, the best third stand
/// better and the worst third worse; with fewer, all stand in the middle.
pub fn rank(values: &[Option<f64>], better: Better) -> Vec<Option<(usize, Standing)>> {
    let mut order: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|x| x.is_finite()).map(|x| (i, x)))
        .collect();
    order.sort_by(|a, b| match better {
        Better::Higher => b.1.total_cmp(&a.1),
        Better::Lower => a.1.total_cmp(&b.1),
    });
    let n = order.len();
    let third = n / 3;
    let mut out = vec![None; values.len()];
    let mut rank = 0;
    for (pos, (i, v)) in order.iter().enumerate() {
        if pos == 0 || order[pos - 1].1 != *v {
            rank = pos + 1;
        }
        let standing = if n < 3 {
            Standing::Middle
        } else if rank <= third {
            Standing::Better
        } else if rank > n - third {
            Standing::Worse
        } else {
            Standing::Middle
        };
        out[*i] = Some((rank, standing));
    }
    out
}
