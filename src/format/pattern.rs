//! Weight-name patterns for `quantizeArtifacts({weights})`: `*` matches any
//! run of characters (`/` included, like the converter's fnmatch), `?` any
//! one character. Our own ~20 lines: the `glob` crate brought ~12 KiB of
//! Unicode case tables into the wasm for options we do not use.

/// Whether `name` matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    // Where the last `*` was, and the name position it currently absorbs to.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                // Let the last `*` absorb one more character and retry.
                Some((sp, sn)) => {
                    star = Some((sp, sn + 1));
                    (pi, ni) = (sp + 1, sn + 1);
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards() {
        assert!(matches("*", "dense/kernel"));
        assert!(matches("dense/*", "dense/kernel"));
        assert!(matches("*/kernel", "conv1/block/kernel"));
        assert!(matches("conv?/kernel", "conv1/kernel"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(!matches("dense/*", "conv/kernel"));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exactly"));
        assert!(matches("", ""));
        assert!(!matches("?", ""));
    }
}
