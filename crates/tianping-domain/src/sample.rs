//! A random draw anyone can re-check (警情 for checking; later the people's supervisors' draws):
//! the pool is listed, the seed is published, and each member's place is the SHA-256 of the seed,
//! a newline and its id — the draw is the `n` members with the smallest hashes. Given the seed and
//! the pool, anyone re-draws the same sample; the seed is chosen after the pool is fixed, so the
//! drawer cannot steer it, and the pool's digest shows it was not changed afterwards.

use sha2::{Digest, Sha256};

/// Bytes as lower-case hex, as every digest in a draw is published.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash that places `id` in the draw made with `seed`.
pub fn place(seed: &str, id: &str) -> String {
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    h.update(b"\n");
    h.update(id.as_bytes());
    hex(&h.finalize())
}

/// The digest of a pool: SHA-256 of its ids, sorted, one per line.
pub fn pool_digest(pool: &[String]) -> String {
    let mut ids: Vec<&str> = pool.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut h = Sha256::new();
    for id in ids {
        h.update(id.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize())
}

/// The `n` members of `pool` drawn with `seed`, in draw order (smallest hash first). Duplicates
/// in the pool count once; `n` larger than the pool draws all of it.
pub fn draw(seed: &str, pool: &[String], n: usize) -> Vec<String> {
    let mut ids: Vec<&String> = pool.iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut placed: Vec<(String, &String)> =
        ids.into_iter().map(|id| (place(seed, id), id)).collect();
    placed.sort_unstable();
    placed
        .into_iter()
        .take(n)
        .map(|(_, id)| id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(n: usize) -> Vec<String> {
        (1..=n)
            .map(|i| format!("浙公330102警〔2026〕{i}号"))
            .collect()
    }

    #[test]
    fn the_same_seed_and_pool_draw_the_same_sample_in_any_order() {
        let p = pool(200);
        let a = draw("4f1c", &p, 10);
        let mut shuffled = p.clone();
        shuffled.reverse();
        assert_eq!(draw("4f1c", &shuffled, 10), a);
        assert_eq!(a.len(), 10);
        assert_ne!(draw("4f1d", &p, 10), a, "another seed draws another sample");
        // The first drawn has the smallest place of the whole pool.
        let min = p.iter().map(|id| place("4f1c", id)).min().unwrap();
        assert_eq!(place("4f1c", &a[0]), min);
        assert_eq!(draw("x", &p, 500).len(), 200);
        assert_eq!(pool_digest(&p), pool_digest(&shuffled));
        assert_ne!(pool_digest(&p), pool_digest(&pool(199)));
    }

    #[test]
    fn a_place_is_sha256_of_seed_newline_id() {
        // printf 'abc\nx' | sha256sum
        assert_eq!(
            place("abc", "x"),
            "21a96cbdde114711e46674735d9fa899ec35ab318bbb843a8a561d0334d10558"
        );
    }
}
