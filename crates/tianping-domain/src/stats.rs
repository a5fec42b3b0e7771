//! Statistics the reports need, without a numerics crate: the chi-square test's p-value.

/// The p-value of a chi-square statistic with `df` degrees of freedom: P(χ² ≥ chi2).
pub fn chi_square_p(chi2: f64, df: f64) -> f64 {
    if df <= 0.0 {
        return 1.0;
    }
    upper_gamma_q(df / 2.0, chi2 / 2.0)
}

/// The regularised upper incomplete gamma function Q(a, x): the chi-square test's p-value is
/// Q(df / 2, chi² / 2). A series below a + 1, a continued fraction above (Lentz's method).
fn upper_gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let ln_front = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let (mut sum, mut term, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        1.0 - sum * ln_front.exp()
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        ln_front.exp() * h
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi_square_p_values_match_tables() {
        // Tabulated critical values: P(χ² > 3.841 | 1) = 0.05, P(χ² > 18.307 | 10) = 0.05,
        // P(χ² > 232.912 | 199) ≈ 0.05 (the draw bench's own case), P(χ² > 10 | 10) ≈ 0.4405.
        for (chi2, df, p) in [
            (3.841, 1.0, 0.05),
            (18.307, 10.0, 0.05),
            (232.912, 199.0, 0.05),
            (10.0, 10.0, 0.4405),
        ] {
            let got = chi_square_p(chi2, df);
            assert!((got - p).abs() < 2e-3, "χ²={chi2} df={df}: {got} vs {p}");
        }
        assert_eq!(chi_square_p(5.0, 0.0), 1.0);
    }
}
