//! JSON text exactly as JavaScript's `JSON.stringify` writes it (no spaces,
//! ECMAScript number formatting), so byte counts and written model.json
//! files match TensorFlow.js byte for byte.

use serde_json::Value;

/// `JSON.stringify(value)`.
pub fn stringify(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// UTF-8 byte length of `JSON.stringify(value)`.
pub fn stringified_len(value: &Value) -> u64 {
    stringify(value).len() as u64
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n.as_f64().unwrap_or(f64::NAN), out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write(v, out);
            }
            out.push('}');
        }
    }
}

/// Every JSON number is a double in JavaScript; print it the way
/// `Number.prototype.toString` does (non-finite becomes `null`).
fn write_number(x: f64, out: &mut String) {
    if x.is_finite() {
        out.push_str(ryu_js::Buffer::new().format_finite(if x == 0.0 { 0.0 } else { x }));
    } else {
        out.push_str("null");
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `text` with every lone UTF-16 surrogate escape (`\ud800` without its
/// pair) turned into `\ufffd`. `JSON.parse` accepts lone surrogates; Rust
/// strings cannot hold them, so the Rust-side copy of a name is made
/// lossy while the JavaScript objects keep the exact text.
pub fn replace_lone_surrogates(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let hex_at = |i: usize| -> Option<u32> {
        bytes.get(i..i + 4)?.iter().try_fold(0, |n, &d| Some(n << 4 | (d as char).to_digit(16)?))
    };
    // `\uXXXX` at i (the backslash), if it is one.
    let escape_at =
        |i: usize| if bytes.get(i) == Some(&b'\\') && bytes.get(i + 1) == Some(&b'u') { hex_at(i + 2) } else { None };
    let mut lone = Vec::new();
    let (mut i, mut in_string) = (0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                match escape_at(i) {
                    Some(0xD800..=0xDBFF) if matches!(escape_at(i + 6), Some(0xDC00..=0xDFFF)) => i += 6,
                    Some(0xD800..=0xDFFF) => lone.push(i),
                    _ => {}
                }
                i += 1; // the escaped character is skipped below
            }
            _ => {}
        }
        i += 1;
    }
    if lone.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for at in lone {
        out.push_str(&text[from..at]);
        out.push_str("\\ufffd");
        from = at + 6;
    }
    out.push_str(&text[from..]);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(replace_lone_surrogates(r#"{"a":"x\ud800y"}"#), r#"{"a":"x\ufffdy"}"#);
        assert_eq!(
            replace_lone_surrogates(r#"["\udc00","\uD83D\uDE00","\ud83d"]"#),
            r#"["\ufffd","\uD83D\uDE00","\ufffd"]"#
        );
        // An escaped backslash before "u" is not an escape; outside strings nothing changes.
        assert!(matches!(replace_lone_surrogates(r#"["\\ud800", 1]"#), std::borrow::Cow::Borrowed(_)));
        let fixed = replace_lone_surrogates(r#"{"name":"\ud800\ud800\udfff"}"#);
        assert_eq!(fixed, r#"{"name":"\ufffd\ud800\udfff"}"#);
        assert!(serde_json::from_str::<Value>(&fixed).is_ok());
    }

    #[test]
    fn matches_json_stringify() {
        let v: Value = serde_json::from_str(
            r#"{"b": 1.0, "a": [1e21, 1e-7, 0.000015, -0.0, 123456789012345678901, 1.5e300, 0.1],
                "s": "q\"\\\n\u0001é😀/", "n": null, "t": true}"#,
        )
        .unwrap();
        assert_eq!(
            stringify(&v),
            r#"{"b":1,"a":[1e+21,1e-7,0.000015,0,123456789012345680000,1.5e+300,0.1],"s":"q\"\\\n\u0001é😀/","n":null,"t":true}"#
        );
    }
}
