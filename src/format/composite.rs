//! Many buffers seen as one byte range (`CompositeArrayBuffer`): where a
//! byte range lies across the parts. Copying is left to the caller, who owns
//! the buffers (Rust slices natively, JS ArrayBuffers in the bindings).

/// Prefix sums of part lengths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShardIndex {
    /// `ends[i]` = total length of parts `0..=i`.
    ends: Vec<u64>,
}

/// One piece of a range: `part`, and the byte range inside that part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub part: usize,
    pub start: u64,
    pub end: u64,
}

impl ShardIndex {
    pub fn new(lengths: impl IntoIterator<Item = u64>) -> Self {
        let mut total = 0u64;
        let ends = lengths
            .into_iter()
            .map(|len| {
                total += len;
                total
            })
            .collect();
        ShardIndex { ends }
    }

    pub fn byte_length(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    pub fn parts(&self) -> usize {
        self.ends.len()
    }

    fn part_start(&self, part: usize) -> u64 {
        if part == 0 {
            0
        } else {
            self.ends[part - 1]
        }
    }

    /// The pieces covering `start..end` (clamped to the total), skipping
    /// empty parts, in order.
    pub fn pieces(&self, start: u64, end: u64) -> impl Iterator<Item = Piece> + '_ {
        let end = end.min(self.byte_length());
        // First part whose end lies beyond `start`: empty parts never match.
        let first = self.ends.partition_point(|&e| e <= start);
        (first..self.ends.len())
            .map_while(move |part| {
                let base = self.part_start(part);
                (base < end).then(|| Piece {
                    part,
                    start: start.max(base) - base,
                    end: end.min(self.ends[part]) - base,
                })
            })
            .filter(|p| p.end > p.start)
    }
}

/// Where shards handed to TensorFlow.js 4.22 must be cut so that it reads
/// them right: its CompositeArrayBuffer, when every shard but the last has
/// the same size, finds a byte's shard by dividing by that size, which is
/// wrong once the last shard is larger. Returns the size to cut the last
/// shard into, or `None` when the layout is already safe.
pub fn tfjs_last_shard_cut(lengths: &[u64]) -> Option<u64> {
    let (last, rest) = lengths.split_last()?;
    let first = *rest.first()?;
    (first > 0 && rest.iter().all(|&l| l == first) && *last > first).then_some(first)
}

/// `CompositeArrayBuffer.slice(start, end)` bounds, as TensorFlow.js
/// computes them: NaN counts as 0, start is clamped to >= 0, end to <= the
/// length, fractions are truncated; `end <= start` is empty.
pub fn slice_bounds(start: Option<f64>, end: Option<f64>, len: u64) -> (u64, u64) {
    let clamp = |v: f64| -> u64 {
        if v.is_nan() || v <= 0.0 {
            0
        } else if v >= len as f64 {
            len
        } else {
            v as u64
        }
    };
    let s = clamp(start.unwrap_or(0.0));
    let e = clamp(end.unwrap_or(len as f64));
    if e <= s {
        (0, 0)
    } else {
        (s, e)
    }
}

/// Copies `start..start+dst.len()` out of `parts` (native convenience).
pub fn copy_range(parts: &[&[u8]], index: &ShardIndex, start: u64, dst: &mut [u8]) {
    let mut at = 0usize;
    for p in index.pieces(start, start + dst.len() as u64) {
        let chunk = &parts[p.part][p.start as usize..p.end as usize];
        dst[at..at + chunk.len()].copy_from_slice(chunk);
        at += chunk.len();
    }
    assert_eq!(at, dst.len(), "copy_range past the end");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    fn slice(parts: &[Vec<u8>], start: Option<f64>, end: Option<f64>) -> Vec<u8> {
        let index = ShardIndex::new(parts.iter().map(|p| p.len() as u64));
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let (s, e) = slice_bounds(start, end, index.byte_length());
        let mut out = vec![0; (e - s) as usize];
        copy_range(&refs, &index, s, &mut out);
        out
    }

    fn make(sizes: &[usize]) -> Vec<Vec<u8>> {
        let mut n = 0u8;
        sizes
            .iter()
            .map(|&s| {
                (0..s)
                    .map(|_| {
                        n = n.wrapping_add(1);
                        n
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn slices_across_multiple_buffers_uniform_and_not() {
        for sizes in [&[4, 4, 4, 4, 1][..], &[3, 5, 4, 5]] {
            let parts = make(sizes);
            let all = join(&parts);
            let len = all.len();
            for start in 0..=len {
                for end in start..=len {
                    assert_eq!(slice(&parts, Some(start as f64), Some(end as f64)), all[start..end]);
                }
            }
            // to the end when end is not given; a copy with no arguments
            assert_eq!(slice(&parts, Some(5.0), None), all[5..]);
            assert_eq!(slice(&parts, None, None), all);
            // negative start, end past the length, NaN
            assert_eq!(slice(&parts, Some(-3.0), Some(4.0)), all[..4]);
            assert_eq!(slice(&parts, Some(2.0), Some(1e9)), all[2..]);
            assert_eq!(slice(&parts, Some(f64::NAN), Some(3.0)), all[..3]);
            assert_eq!(slice(&parts, Some(1.0), Some(f64::NAN)), Vec::<u8>::new());
            // out of order ranges
            assert_eq!(slice(&parts, Some(9.0), Some(12.0)), all[9..12]);
            assert_eq!(slice(&parts, Some(1.0), Some(3.0)), all[1..3]);
        }
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(ShardIndex::new([]).byte_length(), 0);
        assert_eq!(slice(&[], None, None), Vec::<u8>::new());
        assert_eq!(slice(&[vec![]], None, None), Vec::<u8>::new());
    }

    #[test]
    fn leading_and_inner_empty_buffers_do_not_corrupt_slices() {
        // tfjs returns zeros here: its uniform-size shortcut divides by 0.
        let parts = vec![vec![], vec![1, 2, 3], vec![], vec![4, 5]];
        assert_eq!(slice(&parts, Some(1.0), Some(5.0)), vec![2, 3, 4, 5]);
        assert_eq!(slice(&parts, None, None), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn shard_layouts_tfjs_misreads_are_cut() {
        assert_eq!(tfjs_last_shard_cut(&[64, 108]), Some(64));
        assert_eq!(tfjs_last_shard_cut(&[50, 50, 72]), Some(50));
        assert_eq!(tfjs_last_shard_cut(&[4, 4, 1]), None); // converter layout
        assert_eq!(tfjs_last_shard_cut(&[3, 5, 4]), None); // not uniform: tfjs searches
        assert_eq!(tfjs_last_shard_cut(&[10]), None);
        assert_eq!(tfjs_last_shard_cut(&[]), None);
    }

    #[test]
    fn pieces_report_part_offsets() {
        let index = ShardIndex::new([4, 4, 4]);
        let pieces: Vec<Piece> = index.pieces(3, 9).collect();
        assert_eq!(
            pieces,
            vec![
                Piece { part: 0, start: 3, end: 4 },
                Piece { part: 1, start: 0, end: 4 },
                Piece { part: 2, start: 0, end: 1 }
            ]
        );
    }
}
