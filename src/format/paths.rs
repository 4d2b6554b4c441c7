//! URL and path rules of the http handler, as TensorFlow.js applies them.

/// `parseUrl`: everything up to the last `/` (kept), and the query string
/// when it comes after that `/` (so signed-URL parameters reach every shard).
/// A URL without `/` gets the prefix `/`, as in TensorFlow.js.
pub fn split_model_url(url: &str) -> (String, String) {
    let last = |sep| split_ascii(url, sep, true).map(|(before, _)| before.len());
    let slash = last(b'/');
    let prefix = match slash {
        Some(i) => url[..i + 1].to_owned(),
        None => "/".to_owned(),
    };
    let suffix = match (last(b'?'), slash) {
        (Some(q), Some(s)) if q > s => url[q..].to_owned(),
        (Some(q), None) => url[q..].to_owned(),
        _ => String::new(),
    };
    (prefix, suffix)
}

/// `s.split_once(sep)`, or `rsplit_once` when `last`, for an ASCII `sep`,
/// as a byte search: UTF-8 holds an ASCII byte only as that character, and
/// str's char searchers cost 1.4 KB of wasm.
pub fn split_ascii(s: &str, sep: u8, last: bool) -> Option<(&str, &str)> {
    let mut at = None;
    for (i, b) in s.bytes().enumerate() {
        if b == sep {
            at = Some(i);
            if !last {
                break;
            }
        }
    }
    let (before, after) = s.split_at(at?);
    Some((before, &after[1..]))
}

/// Weight file URLs: `(weightPathPrefix || prefix) + path + suffix`,
/// concatenated verbatim like TensorFlow.js (no `/` is inserted).
pub fn weight_urls(model_url: &str, weight_path_prefix: Option<&str>, paths: &[String]) -> Vec<String> {
    let (prefix, suffix) = split_model_url(model_url);
    let prefix = weight_path_prefix.unwrap_or(&prefix);
    paths.iter().map(|p| format!("{prefix}{p}{suffix}")).collect()
}

/// A manifest path, normalized, if it stays inside the model's folder:
/// relative, no drive or root, and no `..` that climbs out of the folder.
pub fn contained_path(path: &str) -> Option<String> {
    let drive = path.len() >= 2 && path.as_bytes()[1] == b':';
    if path.starts_with(['/', '\\']) || drive {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Statuses worth retrying: server errors and rate limiting.
pub fn is_retryable_status(status: u16) -> bool {
    status == 429 || status == 408 || (500..600).contains(&status)
}

/// Milliseconds to wait before retry number `attempt` (1-based):
/// exponential from `base_ms`, capped at `max_ms`, scaled by `jitter` in
/// [0, 1) to between half and all of it; a server's `Retry-After` wins when
/// it asks for longer (still capped).
pub fn retry_delay_ms(attempt: u32, base_ms: f64, max_ms: f64, jitter: f64, retry_after_ms: Option<f64>) -> f64 {
    let exponential = (base_ms * 2f64.powi(attempt.saturating_sub(1).min(30) as i32)).min(max_ms);
    let delay = exponential * (0.5 + jitter.clamp(0.0, 1.0) / 2.0);
    match retry_after_ms {
        Some(ms) if ms.is_finite() && ms > delay => ms.min(max_ms),
        _ => delay,
    }
}

/// `Retry-After` as milliseconds: delay-seconds, or an HTTP date relative to
/// `now_ms` (milliseconds since the epoch) parsed by the caller.
pub fn retry_after_ms(value: &str, parse_date: impl Fn(&str) -> Option<f64>, now_ms: f64) -> Option<f64> {
    let value = value.trim_ascii();
    // delta-seconds is a non-negative integer (RFC 9110).
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(f64::from(seconds) * 1000.0);
    }
    parse_date(value).map(|at| (at - now_ms).max(0.0))
}

/// The start offset of a `Content-Range: bytes START-END/TOTAL` header.
pub fn content_range_start(value: &str) -> Option<u64> {
    let rest = value.trim_ascii().strip_prefix("bytes")?.trim_ascii_start();
    let (range, _total) = split_ascii(rest, b'/', false)?;
    let (start, _end) = split_ascii(range, b'-', false)?;
    start.trim_ascii().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_url_as_tfjs() {
        assert_eq!(
            split_model_url("http://g.com/a?x=1/file?param=1"),
            ("http://g.com/a?x=1/".into(), "?param=1".into())
        );
        assert_eq!(split_model_url("http://g.com/path/model.json"), ("http://g.com/path/".into(), String::new()));
        assert_eq!(split_model_url("model.json"), ("/".into(), String::new()));
        assert_eq!(
            split_model_url("https://x.org/m/model.json?sig=a&exp=2"),
            ("https://x.org/m/".into(), "?sig=a&exp=2".into())
        );
    }

    #[test]
    fn weight_urls_keep_the_query_and_concatenate_prefixes_verbatim() {
        let paths = vec!["group1-shard1of2.bin".to_string(), "group1-shard2of2.bin".to_string()];
        assert_eq!(
            weight_urls("http://h/m/model.json?sig=1", None, &paths),
            ["http://h/m/group1-shard1of2.bin?sig=1", "http://h/m/group1-shard2of2.bin?sig=1"]
        );
        assert_eq!(
            weight_urls("http://h/m/model.json", Some("http://cdn/w"), &paths[..1]),
            ["http://cdn/wgroup1-shard1of2.bin"]
        );
    }

    #[test]
    fn contained_paths() {
        assert_eq!(contained_path("group1-shard1of2.bin").as_deref(), Some("group1-shard1of2.bin"));
        assert_eq!(contained_path("./weights/a.bin").as_deref(), Some("weights/a.bin"));
        assert_eq!(contained_path("a/../b.bin").as_deref(), Some("b.bin"));
        for bad in ["../secret", "a/../../b", "/etc/passwd", "\\x\\y", "C:\\w.bin", "", ".", "a/.."] {
            assert_eq!(contained_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn retry_policy() {
        assert!(is_retryable_status(503) && is_retryable_status(429) && !is_retryable_status(404));
        assert_eq!(retry_delay_ms(1, 100.0, 10_000.0, 0.0, None), 50.0);
        assert_eq!(retry_delay_ms(3, 100.0, 10_000.0, 1.0, None), 400.0);
        assert_eq!(retry_delay_ms(30, 100.0, 1000.0, 1.0, None), 1000.0);
        assert_eq!(retry_delay_ms(1, 100.0, 10_000.0, 0.0, Some(2000.0)), 2000.0);
        assert_eq!(retry_after_ms("3", |_| None, 0.0), Some(3000.0));
        assert_eq!(retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", |_| Some(5000.0), 1000.0), Some(4000.0));
        assert_eq!(content_range_start("bytes 100-199/200"), Some(100));
        assert_eq!(content_range_start("bytes */200"), None);
    }
}
