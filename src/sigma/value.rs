//! Sigma string values: escapes and wildcards, placeholders, and the value transformations
//! of modifiers (windash, UTF-16, base64) before they become [`crate::ir::Pattern`]s.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::ir::{Network, Pattern, PatternPart};

/// One piece of a Sigma string while modifiers are applied to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Text(String),
    /// Bytes produced by a UTF-16 modifier, waiting for a base64 modifier.
    Bytes(Vec<u8>),
    AnyRun,
    AnyOne,
}

/// A Sigma string with its wildcard tokens, as modifiers transform it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SigmaString {
    pub parts: Vec<Part>,
}

impl SigmaString {
    /// Parses a Sigma string: `*` and `?` are wildcards; `\*`, `\?` and `\\` are a literal
    /// star, question mark and backslash; a backslash before any other character, or at the
    /// end, is a literal backslash (`C:\Windows`).
    pub fn parse(text: &str) -> Self {
        let mut out = SigmaString::default();
        out.append_parsed(text);
        out
    }

    /// Parses a Sigma string as [`SigmaString::parse`] does, straight into the pattern that
    /// [`SigmaString::into_pattern`] would make of it.
    pub fn parse_pattern(text: &str) -> Pattern {
        let mut out = Pattern::default();
        scan(text, &mut out);
        out
    }

    fn append_parsed(&mut self, text: &str) {
        scan(text, self);
    }

    fn push_text(&mut self, text: String) {
        if text.is_empty() {
            return;
        }
        if let Some(Part::Text(last)) = self.parts.last_mut() {
            last.push_str(&text);
        } else {
            self.parts.push(Part::Text(text));
        }
    }

    fn push_wildcard(&mut self, part: Part) {
        if part == Part::AnyRun && self.parts.last() == Some(&Part::AnyRun) {
            return;
        }
        self.parts.push(part);
    }

    fn append(&mut self, other: SigmaString) {
        for part in other.parts {
            match part {
                Part::Text(t) => self.push_text(t),
                Part::AnyRun | Part::AnyOne => self.push_wildcard(part),
                Part::Bytes(b) => self.parts.push(Part::Bytes(b)),
            }
        }
    }

    /// Adds a leading `*` token unless one is there (`endswith`, `contains`).
    pub fn prepend_any(&mut self) {
        if self.parts.first() != Some(&Part::AnyRun) {
            self.parts.insert(0, Part::AnyRun);
        }
    }

    /// Adds a trailing `*` token unless one is there (`startswith`, `contains`).
    pub fn append_any(&mut self) {
        self.push_wildcard(Part::AnyRun);
    }

    /// Encodes every literal part as UTF-16 (little or big endian, with an optional
    /// byte-order mark before the whole value). Returns `None` when a part is bytes that
    /// are not UTF-8 text (a value encoded twice).
    pub fn encode_utf16(&self, big_endian: bool, bom: bool) -> Option<SigmaString> {
        let mut parts = Vec::with_capacity(self.parts.len() + 1);
        if bom {
            parts.push(Part::Bytes(if big_endian {
                vec![0xfe, 0xff]
            } else {
                vec![0xff, 0xfe]
            }));
        }
        for part in &self.parts {
            let text = match part {
                Part::Text(t) => t.as_str(),
                Part::Bytes(b) => std::str::from_utf8(b).ok()?,
                wildcard => {
                    parts.push(wildcard.clone());
                    continue;
                }
            };
            let mut bytes = Vec::with_capacity(text.len() * 2);
            for unit in text.encode_utf16() {
                let pair = if big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                };
                bytes.extend_from_slice(&pair);
            }
            match parts.last_mut() {
                Some(Part::Bytes(last)) => last.extend_from_slice(&bytes),
                _ => parts.push(Part::Bytes(bytes)),
            }
        }
        Some(SigmaString { parts })
    }

    /// Returns the bytes of a value without wildcards, or `None` when it has one.
    fn literal_bytes(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.extend_from_slice(t.as_bytes()),
                Part::Bytes(b) => out.extend_from_slice(b),
                Part::AnyRun | Part::AnyOne => return None,
            }
        }
        Some(out)
    }

    /// Base64-encodes the whole value; `None` when it has wildcards.
    pub fn base64(&self) -> Option<SigmaString> {
        let bytes = self.literal_bytes()?;
        Some(SigmaString::literal(base64_encode(&bytes)))
    }

    /// The three base64 fragments that the value has inside any base64 text, one per byte
    /// offset modulo 3; `None` when it has wildcards.
    pub fn base64_offsets(&self) -> Option<Vec<SigmaString>> {
        let bytes = self.literal_bytes()?;
        Some(
            base64_offsets(&bytes)
                .into_iter()
                .map(SigmaString::literal)
                .collect(),
        )
    }

    fn literal(text: String) -> SigmaString {
        let mut out = SigmaString::default();
        out.push_text(text);
        out
    }

    /// Expands every Windows command-line switch into its five spellings: `-`, `/`, en
    /// dash, em dash and horizontal bar. A switch is a `-` or `/` that starts the text or
    /// follows a non-word character, and that a word character follows; this is the rule
    /// pySigma applies (regex `\B[-/]\b`), so in `--c` only the second dash is a switch.
    /// Returns every combination, the original spelling first; `None` when there would be
    /// more than `limit`.
    pub fn windash(&self, limit: usize) -> Option<Vec<SigmaString>> {
        const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
        // Split each text part at switch positions.
        let mut pieces: Vec<Piece> = Vec::new();
        let mut switches = 0usize;
        for part in &self.parts {
            let Part::Text(text) = part else {
                pieces.push(Piece::Fixed(part.clone()));
                continue;
            };
            let chars: Vec<char> = text.chars().collect();
            let mut run = String::new();
            for (i, &c) in chars.iter().enumerate() {
                let before_is_word = i > 0 && is_word(chars[i - 1]);
                let after_is_word = chars.get(i + 1).is_some_and(|&n| is_word(n));
                if (c == '-' || c == '/') && !before_is_word && after_is_word {
                    if !run.is_empty() {
                        pieces.push(Piece::Fixed(Part::Text(std::mem::take(&mut run))));
                    }
                    pieces.push(Piece::Switch(c));
                    switches += 1;
                } else {
                    run.push(c);
                }
            }
            if !run.is_empty() {
                pieces.push(Piece::Fixed(Part::Text(run)));
            }
        }
        let total = 5usize.checked_pow(u32::try_from(switches).ok()?)?;
        if total > limit {
            return None;
        }
        let mut out = Vec::with_capacity(total);
        for combination in 0..total {
            let mut value = SigmaString::default();
            let mut rest = combination;
            for piece in &pieces {
                match piece {
                    Piece::Fixed(Part::Text(t)) => value.push_text(t.clone()),
                    Piece::Fixed(Part::Bytes(b)) => value.parts.push(Part::Bytes(b.clone())),
                    Piece::Fixed(wildcard) => value.push_wildcard(wildcard.clone()),
                    Piece::Switch(original) => {
                        let choice = rest % 5;
                        rest /= 5;
                        // Choice 0 keeps the spelling of the rule.
                        let dash = if choice == 0 {
                            *original
                        } else {
                            let others: Vec<char> =
                                DASHES.iter().copied().filter(|d| d != original).collect();
                            others[choice - 1]
                        };
                        value.push_text(dash.to_string());
                    }
                }
            }
            out.push(value);
        }
        Some(out)
    }

    /// Converts to the IR pattern; `None` when a part is bytes that are not UTF-8 text.
    pub fn into_pattern(self) -> Option<Pattern> {
        let mut pattern = Pattern {
            parts: Vec::with_capacity(self.parts.len()),
        };
        for part in self.parts {
            match part {
                Part::Text(t) => pattern.push_literal_owned(t),
                Part::Bytes(b) => pattern.push_literal_owned(String::from_utf8(b).ok()?),
                Part::AnyRun => pattern.push_wildcard(PatternPart::AnyRun),
                Part::AnyOne => pattern.push_wildcard(PatternPart::AnyOne),
            }
        }
        Some(pattern)
    }
}

/// A receiver of the literal runs and wildcard tokens that [`scan`] finds in a Sigma string.
trait WildcardSink {
    fn push_text(&mut self, text: String);
    /// Receives `*` (`any_run`) or `?`.
    fn push_wildcard(&mut self, any_run: bool);
}

impl WildcardSink for SigmaString {
    fn push_text(&mut self, text: String) {
        SigmaString::push_text(self, text);
    }

    fn push_wildcard(&mut self, any_run: bool) {
        SigmaString::push_wildcard(self, if any_run { Part::AnyRun } else { Part::AnyOne });
    }
}

impl WildcardSink for Pattern {
    fn push_text(&mut self, text: String) {
        self.push_literal_owned(text);
    }

    fn push_wildcard(&mut self, any_run: bool) {
        Pattern::push_wildcard(
            self,
            if any_run {
                PatternPart::AnyRun
            } else {
                PatternPart::AnyOne
            },
        );
    }
}

/// Splits a Sigma string into literal runs and wildcard tokens, as [`SigmaString::parse`]
/// describes, and hands them to `out`.
fn scan(text: &str, out: &mut impl WildcardSink) {
    // The special characters are ASCII, so the text is split at them byte by byte and
    // the runs between them are copied whole.
    let bytes = text.as_bytes();
    let mut literal = String::new();
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                if let Some(&next @ (b'*' | b'?' | b'\\')) = bytes.get(i + 1) {
                    literal.push_str(&text[run_start..i]);
                    literal.push(char::from(next));
                    i += 2;
                    run_start = i;
                } else {
                    i += 1;
                }
            }
            c @ (b'*' | b'?') => {
                literal.push_str(&text[run_start..i]);
                out.push_text(std::mem::take(&mut literal));
                out.push_wildcard(c == b'*');
                i += 1;
                run_start = i;
            }
            _ => i += 1,
        }
    }
    let rest = &text[run_start..];
    if literal.is_empty() {
        out.push_text(rest.to_owned());
    } else {
        literal.push_str(rest);
        out.push_text(literal);
    }
}

enum Piece {
    Fixed(Part),
    Switch(char),
}

/// A word character as Python's `re` module defines `\w` for text: alphanumeric or `_`.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(
                    BASE64_ALPHABET[((n >> (18 - 6 * i)) & 63) as usize],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The stable middle of the base64 text of `bytes` when 0, 1 or 2 bytes precede it.
///
/// For offset `i`, `i` filler bytes are encoded in front; the characters that depend on the
/// filler (0, 2 or 3 at the start) and on what follows (0, 3 or 2 at the end, by the total
/// length modulo 3) are cut off.
pub(crate) fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END: [usize; 3] = [0, 3, 2];
    let mut out = Vec::with_capacity(3);
    for offset in 0..3 {
        let mut shifted = vec![b' '; offset];
        shifted.extend_from_slice(bytes);
        let encoded = base64_encode(&shifted);
        let start = START[offset];
        let cut = END[(bytes.len() + offset) % 3];
        let end = encoded.len().saturating_sub(cut).max(start);
        out.push(encoded[start..end].to_owned());
    }
    out
}

/// A piece of an `|expand` value: Sigma text or a `%name%` placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Template {
    Text(String),
    Placeholder(String),
}

/// Splits an `|expand` value into text and `%name%` placeholders. `\%` is a literal
/// percent sign; other escapes stay in the text for [`SigmaString::parse`]. A `%` without
/// a closing `%` is literal.
pub(crate) fn split_placeholders(text: &str) -> Vec<Template> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '\\' => {
                let mut it = rest.chars();
                it.next();
                match it.next() {
                    Some('%') => {
                        // A literal percent: escape nothing else.
                        current.push('%');
                        rest = &rest[2..];
                    }
                    Some(next @ ('\\' | '*' | '?')) => {
                        current.push('\\');
                        current.push(next);
                        rest = &rest[2..];
                    }
                    _ => {
                        current.push('\\');
                        rest = &rest[1..];
                    }
                }
            }
            '%' => {
                let after = &rest[1..];
                match after.find('%') {
                    Some(end) if end > 0 && !after[..end].contains(char::is_whitespace) => {
                        if !current.is_empty() {
                            out.push(Template::Text(std::mem::take(&mut current)));
                        }
                        out.push(Template::Placeholder(after[..end].to_owned()));
                        rest = &after[end + 1..];
                    }
                    _ => {
                        current.push('%');
                        rest = after;
                    }
                }
            }
            other => {
                current.push(other);
                rest = &rest[other.len_utf8()..];
            }
        }
    }
    if !current.is_empty() {
        out.push(Template::Text(current));
    }
    out
}

/// Fills the placeholders of a template with every combination of their values (each value
/// is itself a Sigma string, so it may carry wildcards). Returns the names without values
/// as the error, or `Ok(None)` when there would be more than `limit` combinations.
pub(crate) fn expand_template(
    template: &[Template],
    placeholders: &HashMap<String, Vec<String>>,
    limit: usize,
) -> Result<Option<Vec<SigmaString>>, Vec<String>> {
    let mut missing: Vec<String> = Vec::new();
    for piece in template {
        if let Template::Placeholder(name) = piece {
            if placeholders.get(name).is_none_or(|v| v.is_empty()) && !missing.contains(name) {
                missing.push(name.clone());
            }
        }
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut results = vec![SigmaString::default()];
    for piece in template {
        match piece {
            Template::Text(text) => {
                let parsed = SigmaString::parse(text);
                for r in &mut results {
                    r.append(parsed.clone());
                }
            }
            Template::Placeholder(name) => {
                let values = &placeholders[name];
                if results.len().saturating_mul(values.len()) > limit {
                    return Ok(None);
                }
                let mut next = Vec::with_capacity(results.len() * values.len());
                for r in &results {
                    for v in values {
                        let mut combined = r.clone();
                        combined.append(SigmaString::parse(v));
                        next.push(combined);
                    }
                }
                results = next;
            }
        }
    }
    Ok(Some(results))
}

/// Parses an IPv4 or IPv6 network (`10.0.0.0/8`, `fe80::/10`; an address alone is a
/// network of one host) and clears the host bits.
pub(crate) fn parse_network(text: &str) -> Result<Network, String> {
    let (address, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let address: IpAddr = address
        .parse()
        .map_err(|_| format!("'{address}' is not an IPv4 or IPv6 address"))?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => {
            let valid = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 3;
            let value: u8 = if valid {
                p.parse().unwrap_or(u8::MAX)
            } else {
                u8::MAX
            };
            if value > max {
                return Err(format!(
                    "prefix length '{p}' is not a number from 0 to {max}"
                ));
            }
            value
        }
    };
    Ok(match address {
        IpAddr::V4(a) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            Network::V4 {
                address: Ipv4Addr::from(u32::from(a) & mask),
                prefix,
            }
        }
        IpAddr::V6(a) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            Network::V6 {
                address: Ipv6Addr::from(u128::from(a) & mask),
                prefix,
            }
        }
    })
}

/// Checks that a regular expression parses and uses only what RE2 supports. Returns the
/// error message and whether it is a missing RE2 feature (look-around, back-reference).
// NOTE: regex-syntax (0.8) also accepts a few forms RE2 rejects, such as class set
// operations (`[a-z&&[^aeiou]]`); Defender then rejects the query when it runs.
pub(crate) fn check_regex(pattern: &str) -> Result<(), (String, bool)> {
    use regex_syntax::ast::{parse::ParserBuilder, ErrorKind};
    let mut parser = ParserBuilder::new().nest_limit(100).build();
    match parser.parse(pattern) {
        Ok(_) => Ok(()),
        Err(e) => {
            let unsupported = matches!(
                e.kind(),
                ErrorKind::UnsupportedBackreference | ErrorKind::UnsupportedLookAround
            );
            let column = e.span().start.column;
            Err((format!("{} at character {column}", e.kind()), unsupported))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Part {
        Part::Text(s.to_owned())
    }

    #[test]
    fn parse_pattern_matches_parse() {
        let inputs = [
            "",
            "plain",
            "*",
            "**a**",
            "a?b*c",
            r"C:\Windows\",
            r"\*literal\?",
            r"ends with \",
            r"\\*",
            "é*ü?",
        ];
        for input in inputs {
            let expected = SigmaString::parse(input).into_pattern();
            assert_eq!(
                Some(SigmaString::parse_pattern(input)),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn escapes_per_specification() {
        let cases: &[(&str, Vec<Part>)] = &[
            ("C:\\Windows", vec![text("C:\\Windows")]),
            ("\\\\\\\\127.0.0", vec![text("\\\\127.0.0")]),
            ("a\\*b", vec![text("a*b")]),
            ("a\\?b", vec![text("a?b")]),
            ("a\\\\*", vec![text("a\\"), Part::AnyRun]),
            ("a\\\\\\*", vec![text("a\\*")]),
            ("a\\\\\\b", vec![text("a\\\\b")]),
            (
                "a*b?c",
                vec![text("a"), Part::AnyRun, text("b"), Part::AnyOne, text("c")],
            ),
            ("*\\Startup\\*", vec![Part::AnyRun, text("\\Startup*")]),
            ("trailing\\", vec![text("trailing\\")]),
            (" spaced ", vec![text(" spaced ")]),
            ("%NAME%", vec![text("%NAME%")]),
            ("", vec![]),
        ];
        for (input, expected) in cases {
            assert_eq!(
                &SigmaString::parse(input).parts,
                expected,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn trailing_backslash_before_added_wildcard() {
        let mut value = SigmaString::parse("\\AppData\\Local\\Temp\\");
        value.prepend_any();
        value.append_any();
        assert_eq!(
            value.parts,
            vec![Part::AnyRun, text("\\AppData\\Local\\Temp\\"), Part::AnyRun]
        );
    }

    #[test]
    fn base64_vectors() {
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(
            base64_offsets(b"foobar"),
            vec!["Zm9vYmFy", "Zvb2Jhc", "mb29iYX"]
        );
    }

    #[test]
    fn utf16_variants() {
        let value = SigmaString::parse("cmd");
        let le = value.encode_utf16(false, false).unwrap();
        assert_eq!(le.parts, vec![Part::Bytes(vec![0x63, 0, 0x6d, 0, 0x64, 0])]);
        let be = value.encode_utf16(true, false).unwrap();
        assert_eq!(be.parts, vec![Part::Bytes(vec![0, 0x63, 0, 0x6d, 0, 0x64])]);
        let bom = value.encode_utf16(false, true).unwrap();
        assert_eq!(
            bom.parts,
            vec![Part::Bytes(vec![0xff, 0xfe, 0x63, 0, 0x6d, 0, 0x64, 0])]
        );
        assert_eq!(bom.base64().unwrap().parts, vec![text("//5jAG0AZAA=")]);
        assert_eq!(le.base64().unwrap().parts, vec![text("YwBtAGQA")]);
        assert_eq!(be.base64().unwrap().parts, vec![text("AGMAbQBk")]);
        assert!(bom.into_pattern().is_none());
    }

    #[test]
    fn windash_switch_positions() {
        let values = SigmaString::parse("-a /b --c").windash(1000).unwrap();
        assert_eq!(values.len(), 125);
        let first = values[0].clone().into_pattern().unwrap();
        assert_eq!(first.as_literal().unwrap(), "-a /b --c");
        let all: Vec<String> = values
            .into_iter()
            .map(|v| v.into_pattern().unwrap().as_literal().unwrap())
            .collect();
        assert!(all.contains(&"/a -b -/c".to_owned()));
        assert!(all.contains(&"\u{2013}a \u{2014}b -\u{2015}c".to_owned()));
        // The first dash of `--c` is never replaced.
        assert!(all.iter().all(|v| v.chars().nth(6) == Some('-')));
        assert_eq!(
            all.iter().collect::<std::collections::HashSet<_>>().len(),
            125
        );
    }

    #[test]
    fn windash_ignores_dashes_inside_words() {
        let values = SigmaString::parse("a-b").windash(10).unwrap();
        assert_eq!(values.len(), 1);
        assert!(SigmaString::parse("-a -b -c -d -e -f")
            .windash(4096)
            .is_none());
    }

    #[test]
    fn placeholders_split_and_expand() {
        let template = split_placeholders("\\%plain%name%*");
        assert_eq!(
            template,
            vec![
                Template::Text("%plain".into()),
                Template::Placeholder("name".into()),
                Template::Text("*".into())
            ]
        );
        let mut map = HashMap::new();
        map.insert("name".to_owned(), vec!["a".to_owned(), "b?".to_owned()]);
        let values = expand_template(&template, &map, 100).unwrap().unwrap();
        assert_eq!(values[0].parts, vec![text("%plaina"), Part::AnyRun]);
        assert_eq!(
            values[1].parts,
            vec![text("%plainb"), Part::AnyOne, Part::AnyRun]
        );
        let missing = expand_template(&split_placeholders("%x%%y%"), &map, 100).unwrap_err();
        assert_eq!(missing, vec!["x".to_owned(), "y".to_owned()]);
    }

    #[test]
    fn networks() {
        assert_eq!(
            parse_network("10.1.2.3/8").unwrap(),
            Network::V4 {
                address: Ipv4Addr::new(10, 0, 0, 0),
                prefix: 8
            }
        );
        assert_eq!(
            parse_network("fe80::1/10").unwrap().to_string(),
            "fe80::/10"
        );
        assert_eq!(parse_network("::1").unwrap().to_string(), "::1/128");
        assert!(parse_network("10.0.0.0/33").is_err());
        assert!(parse_network("10.0.0/8").is_err());
        assert!(parse_network("10.0.0.0/").is_err());
        assert!(parse_network("::/129").is_err());
    }

    #[test]
    fn regex_checks() {
        assert!(check_regex("^a.*b$").is_ok());
        assert!(check_regex("(?i)foo|bar").is_ok());
        assert!(check_regex("a(?=b)").unwrap_err().1);
        assert!(check_regex("(a)\\1").unwrap_err().1);
        assert!(!check_regex("a(").unwrap_err().1);
    }
}
