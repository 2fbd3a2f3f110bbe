//! A small KQL expression tree and its rendering to text.
//!
//! Rendering owns every decision about syntax: literal escaping, parentheses and the folding
//! of long OR lists, so the lowering code never builds query text by hand.

use std::borrow::{Borrow, Cow};
use std::collections::HashSet;
use std::fmt::Write as _;

/// A boolean KQL expression inside a `where` clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// `lhs op rhs`, for example `FolderPath endswith @"\cmd.exe"` or `RemotePort == 445`.
    Compare {
        lhs: Operand,
        op: Op,
        rhs: Literal,
    },
    /// `lhs in~ ("a", "b")` or `lhs in ("a", "b")`.
    In {
        lhs: Operand,
        cased: bool,
        values: Vec<Literal>,
    },
    /// `lhs op other`: a column compared with another column.
    CompareColumns {
        lhs: Operand,
        op: Op,
        rhs: Operand,
    },
    /// A function call that returns a bool, with an operand and literal arguments:
    /// `isempty(X)`, `ipv4_is_in_range(X, "10.0.0.0/8")`.
    Call {
        function: &'static str,
        operand: Operand,
        arguments: Vec<Literal>,
    },
    /// `coalesce(inner, false)`: a null (from a function given a value it cannot read) counts
    /// as false, so that `not(...)` around it keeps the row.
    NullAsFalse(Box<Expr>),
    /// A literal `true` or `false`.
    Bool(bool),
}

/// A KQL comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Equal,
    EqualCased,
    NotEqual,
    Contains,
    ContainsCased,
    StartsWith,
    StartsWithCased,
    EndsWith,
    EndsWithCased,
    MatchesRegex,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Op {
    /// Returns `true` for `<`, `<=`, `>` and `>=`, which yield null on a null operand.
    pub const fn is_ordering(self) -> bool {
        matches!(
            self,
            Op::Less | Op::LessOrEqual | Op::Greater | Op::GreaterOrEqual
        )
    }

    /// Returns the operator as KQL writes it.
    pub const fn text(self) -> &'static str {
        match self {
            Op::Equal => "=~",
            Op::EqualCased => "==",
            Op::NotEqual => "!=",
            Op::Contains => "contains",
            Op::ContainsCased => "contains_cs",
            Op::StartsWith => "startswith",
            Op::StartsWithCased => "startswith_cs",
            Op::EndsWith => "endswith",
            Op::EndsWithCased => "endswith_cs",
            Op::MatchesRegex => "matches regex",
            Op::Less => "<",
            Op::LessOrEqual => "<=",
            Op::Greater => ">",
            Op::GreaterOrEqual => ">=",
        }
    }
}

/// The left side of a comparison: a column or a computed string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Operand {
    Column(&'static str),
    /// Raw KQL text of a scalar expression, such as
    /// `tostring(parse_json(AdditionalFields).PipeName)`. Only the lowering code builds these,
    /// from column names and keys of the compiled mapping.
    Computed(String),
}

impl Operand {
    fn write(&self, out: &mut String) {
        match self {
            Operand::Column(name) => out.push_str(name),
            Operand::Computed(text) => out.push_str(text),
        }
    }
}

/// A literal on the right side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Long(i64),
    Real(f64),
    Bool(bool),
}

impl Literal {
    fn write(&self, out: &mut String) {
        match self {
            Literal::String(text) => write_string_literal(text, out),
            Literal::Long(n) => {
                let _ = write!(out, "{n}");
            }
            Literal::Real(x) => {
                if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
                    let _ = write!(out, "{x:.1}");
                } else {
                    let _ = write!(out, "real({x})");
                }
            }
            Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        }
    }
}

/// Writes `text` as a KQL string literal.
///
/// Text with backslashes becomes a verbatim literal `@"..."`, in which only the quote is
/// doubled, so Windows paths and regexes read as written. Text with control characters
/// cannot go into a verbatim literal and becomes `"..."` with C-style escapes; so does all
/// other text. Non-ASCII characters pass through unchanged.
pub fn write_string_literal(text: &str, out: &mut String) {
    out.reserve(text.len() + 3);
    if text.contains('\\') && !has_control(text) {
        write_verbatim(text, out);
        return;
    }
    out.push('"');
    // Runs of characters that need no escape are copied whole.
    let mut run_start = 0;
    for (i, c) in text.char_indices() {
        let escape = match c {
            '\\' => "\\\\",
            '"' => "\\\"",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if c.is_control() => "",
            _ => continue,
        };
        out.push_str(&text[run_start..i]);
        run_start = i + c.len_utf8();
        if escape.is_empty() {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&text[run_start..]);
    out.push('"');
}

/// Returns `true` when `text` has a control character, checking ASCII text byte by byte.
fn has_control(text: &str) -> bool {
    if text.is_ascii() {
        text.bytes().any(|b| b.is_ascii_control())
    } else {
        text.chars().any(char::is_control)
    }
}

/// Writes `text` as a verbatim literal `@"..."`, doubling each quote.
fn write_verbatim(text: &str, out: &mut String) {
    out.push_str("@\"");
    let mut pieces = text.split('"');
    if let Some(first) = pieces.next() {
        out.push_str(first);
    }
    for piece in pieces {
        out.push_str("\"\"");
        out.push_str(piece);
    }
    out.push('"');
}

/// Writes a regex as a verbatim literal, so that its backslashes reach RE2 unchanged. A
/// pattern with control characters cannot be verbatim and gets the escaped form.
fn write_regex_literal(pattern: &str, out: &mut String) {
    if has_control(pattern) {
        write_string_literal(pattern, out);
        return;
    }
    write_verbatim(pattern, out);
}

/// Returns `text` rendered as a KQL string literal.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 3);
    write_string_literal(text, &mut out);
    out
}

/// Escapes `text` so that an RE2 regex matches it literally.
pub fn escape_regex(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Lists of more than this many OR-ed equality tests on one operand fold into one `in~`
/// test. Two values already read better as `in~`, so the fold starts there.
const MIN_IN_LIST: usize = 2;

/// An OR of more than this many substring tests (same operand, same operator) becomes one
/// regex alternation. Microsoft's parser nests each `or` one level deeper, and a few
/// hundred levels exceed its limit; the alternation keeps long lists flat.
const MAX_SUBSTRING_OR: usize = 16;

impl Expr {
    /// Builds the conjunction of `parts`, flattening nested conjunctions and dropping `true`.
    pub fn and(parts: Vec<Expr>) -> Expr {
        junction(parts, true)
    }

    /// Builds the disjunction of `parts`, flattening nested disjunctions and dropping `false`.
    pub fn or(parts: Vec<Expr>) -> Expr {
        junction(parts, false)
    }

    /// Builds the negation of `inner`, removing a double negation.
    pub fn negate(inner: Expr) -> Expr {
        match inner {
            Expr::Bool(b) => Expr::Bool(!b),
            Expr::Not(inner) => *inner,
            other => Expr::Not(Box::new(other)),
        }
    }

    /// Renders the expression as KQL text.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(128);
        self.render_into(&mut out);
        out
    }

    /// Appends the expression as KQL text to `out`.
    pub(crate) fn render_into(&self, out: &mut String) {
        self.write(
            out,
            Context {
                nested: false,
                negated: false,
            },
        );
    }

    /// Writes the expression in its context.
    fn write(&self, out: &mut String, context: Context) {
        match self {
            Expr::And(parts) => write_junction(parts, " and ", out, context),
            Expr::Or(parts) => {
                let folded = fold_or(parts);
                if let [only] = folded.as_slice() {
                    only.write(out, context);
                } else {
                    write_junction(&folded, " or ", out, context);
                }
            }
            Expr::Not(inner) => {
                out.push_str("not(");
                inner.write(
                    out,
                    Context {
                        nested: false,
                        negated: true,
                    },
                );
                out.push(')');
            }
            Expr::Compare { lhs, op, rhs } if context.negated && op.is_ordering() => {
                // `<` and `>` on a null operand yield null, and `not(null)` drops the row
                // that the rule keeps, so under a negation null counts as false.
                out.push_str("coalesce(");
                Expr::Compare {
                    lhs: lhs.clone(),
                    op: *op,
                    rhs: rhs.clone(),
                }
                .write(
                    out,
                    Context {
                        nested: false,
                        negated: false,
                    },
                );
                out.push_str(", false)");
            }
            Expr::Compare { lhs, op, rhs } => {
                lhs.write(out);
                out.push(' ');
                out.push_str(op.text());
                out.push(' ');
                match (op, rhs) {
                    (Op::MatchesRegex, Literal::String(pattern)) => {
                        write_regex_literal(pattern, out)
                    }
                    _ => rhs.write(out),
                }
            }
            Expr::CompareColumns { lhs, op, rhs } => {
                lhs.write(out);
                out.push(' ');
                out.push_str(op.text());
                out.push(' ');
                rhs.write(out);
            }
            Expr::In { lhs, cased, values } => {
                lhs.write(out);
                out.push_str(if *cased { " in (" } else { " in~ (" });
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    value.write(out);
                }
                out.push(')');
            }
            Expr::Call {
                function,
                operand,
                arguments,
            } => {
                out.push_str(function);
                out.push('(');
                operand.write(out);
                for argument in arguments {
                    out.push_str(", ");
                    argument.write(out);
                }
                out.push(')');
            }
            Expr::NullAsFalse(inner) => {
                out.push_str("coalesce(");
                inner.write(
                    out,
                    Context {
                        nested: false,
                        negated: context.negated,
                    },
                );
                out.push_str(", false)");
            }
            Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        }
    }
}

/// Builds an `and` (`conjunction`) or an `or` of `parts`: nested junctions of the same kind
/// are flattened, the neutral constant is dropped and the absorbing one decides the result.
fn junction(mut parts: Vec<Expr>, conjunction: bool) -> Expr {
    let same_kind = |e: &Expr| match e {
        Expr::And(_) => conjunction,
        Expr::Or(_) => !conjunction,
        _ => false,
    };
    let build = |parts: Vec<Expr>| {
        if conjunction {
            Expr::And(parts)
        } else {
            Expr::Or(parts)
        }
    };

    // Nothing to drop or merge (the usual case): keep the list as it is.
    if !parts
        .iter()
        .any(|p| matches!(p, Expr::Bool(_)) || same_kind(p))
    {
        return match parts.len() {
            0 => Expr::Bool(conjunction),
            1 => parts.pop().unwrap_or(Expr::Bool(conjunction)),
            _ => build(parts),
        };
    }
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            Expr::Bool(b) if b == conjunction => {}
            Expr::Bool(b) => return Expr::Bool(b),
            Expr::And(inner) if conjunction => out.extend(inner),
            Expr::Or(inner) if !conjunction => out.extend(inner),
            other => out.push(other),
        }
    }
    match out.len() {
        0 => Expr::Bool(conjunction),
        1 => out.pop().unwrap_or(Expr::Bool(conjunction)),
        _ => build(out),
    }
}

/// The position an expression is written in. `nested` requests parentheses around an `and`
/// or `or`, and `negated` marks that a `not(...)` encloses it. Under any negation a null is
/// not the same as false, so there null-yielding comparisons are made two-valued.
#[derive(Debug, Clone, Copy)]
struct Context {
    nested: bool,
    negated: bool,
}

fn write_junction<E: Borrow<Expr>>(
    parts: &[E],
    separator: &str,
    out: &mut String,
    context: Context,
) {
    let nested = context.nested;
    if nested {
        out.push('(');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        part.borrow().write(
            out,
            Context {
                nested: true,
                negated: context.negated,
            },
        );
    }
    if nested {
        out.push(')');
    }
}

/// Folds an OR list for rendering: equality tests on one operand become `in~` (or `in`), and
/// long runs of substring tests on one operand become one regex alternation. The fold keeps
/// the first position of each group, and it is exact: `a =~ x or a =~ y` is `a in~ (x, y)`,
/// and `a contains x or a contains y` is `a matches regex "(?i)x|y"` with `x`, `y` escaped.
///
/// Tests that do not fold are borrowed from `parts`, so rendering copies no subtree.
fn fold_or(parts: &[Expr]) -> Vec<Cow<'_, Expr>> {
    let mut out: Vec<Cow<'_, Expr>> = Vec::with_capacity(parts.len());
    let mut state = vec![FoldState::Open; parts.len()];
    // The tests of the current group and their indexes in `parts`, reused for each group.
    let mut group = Vec::new();
    let mut members = Vec::new();
    for i in 0..parts.len() {
        match state[i] {
            FoldState::Folded => continue,
            FoldState::Alone => {
                out.push(Cow::Borrowed(&parts[i]));
                continue;
            }
            FoldState::Open => {}
        }
        let Some((operand, kind)) = fold_key(&parts[i]) else {
            out.push(Cow::Borrowed(&parts[i]));
            continue;
        };
        group.clear();
        members.clear();
        group.push(&parts[i]);
        for j in i + 1..parts.len() {
            if state[j] == FoldState::Open
                && fold_key(&parts[j]).is_some_and(|(o, k)| o == operand && k == kind)
            {
                members.push(j);
                group.push(&parts[j]);
            }
        }
        let Some(folded) = fold_group(operand, kind, &group) else {
            // Nothing folded: every test keeps its own place in the list. A group that
            // does not fold has no part that folds (too few distinct values, or too few
            // tests), so its other members need not be grouped again.
            out.push(Cow::Borrowed(&parts[i]));
            for &j in &members {
                state[j] = FoldState::Alone;
            }
            continue;
        };
        for &j in &members {
            state[j] = FoldState::Folded;
        }
        out.push(Cow::Owned(folded));
    }
    out
}

/// The state of a test of an OR list while the list is folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FoldState {
    /// Not looked at yet.
    Open,
    /// Merged into an earlier test's fold.
    Folded,
    /// Known not to fold: written as it is, in its place.
    Alone,
}

/// The kind of fold an OR-ed test allows with its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FoldKind {
    /// `=~` or `in~` (`cased`: `==` or `in`) of string literals.
    Equality { cased: bool },
    /// `==` or `in` of numbers.
    NumberEquality,
    /// `contains`, `startswith` or `endswith`, case-insensitive.
    Substring(Op),
    /// `matches regex`.
    Regex,
}

fn fold_key(expr: &Expr) -> Option<(&Operand, FoldKind)> {
    match expr {
        Expr::Compare {
            lhs,
            op: Op::Equal,
            rhs: Literal::String(_),
        } => Some((lhs, FoldKind::Equality { cased: false })),
        Expr::Compare {
            lhs,
            op: Op::EqualCased,
            rhs: Literal::String(_),
        } => Some((lhs, FoldKind::Equality { cased: true })),
        Expr::Compare {
            lhs,
            op: Op::EqualCased,
            rhs: Literal::Long(_),
        } => Some((lhs, FoldKind::NumberEquality)),
        Expr::In { lhs, cased, values } => {
            if values.iter().all(|v| matches!(v, Literal::String(_))) {
                Some((lhs, FoldKind::Equality { cased: *cased }))
            } else if *cased && values.iter().all(|v| matches!(v, Literal::Long(_))) {
                Some((lhs, FoldKind::NumberEquality))
            } else {
                None
            }
        }
        Expr::Compare {
            lhs,
            op: op @ (Op::Contains | Op::StartsWith | Op::EndsWith),
            rhs: Literal::String(_),
        } => Some((lhs, FoldKind::Substring(*op))),
        Expr::Compare {
            lhs,
            op: Op::MatchesRegex,
            rhs: Literal::String(_),
        } => Some((lhs, FoldKind::Regex)),
        _ => None,
    }
}

/// Wraps one regex as a non-capturing group for an alternation, moving a leading inline
/// flag group into the group (`(?i)x` becomes `(?i:x)`), so each alternative keeps its own
/// flags.
fn push_regex_alternative(pattern: &str, out: &mut String) {
    if let Some(rest) = pattern.strip_prefix("(?") {
        if let Some(end) = rest.find(')') {
            let flags = &rest[..end];
            if !flags.is_empty() && flags.chars().all(|c| matches!(c, 'i' | 'm' | 's' | 'U')) {
                out.push_str("(?");
                out.push_str(flags);
                out.push(':');
                out.push_str(&rest[end + 1..]);
                out.push(')');
                return;
            }
        }
    }
    out.push_str("(?:");
    out.push_str(pattern);
    out.push(')');
}

/// Folds a group of OR-ed tests on one operand into one test, or returns `None` when the
/// group is too small to fold.
fn fold_group(operand: &Operand, kind: FoldKind, group: &[&Expr]) -> Option<Expr> {
    match kind {
        FoldKind::Equality { .. } | FoldKind::NumberEquality => {
            let mut values = UniqueLiterals::default();
            for expr in group {
                match expr {
                    Expr::Compare { rhs, .. } => values.push(rhs),
                    Expr::In { values: inner, .. } => {
                        for value in inner {
                            values.push(value);
                        }
                    }
                    _ => {}
                }
            }
            let cased = match kind {
                FoldKind::Equality { cased } => cased,
                _ => true,
            };
            if values.list.len() < MIN_IN_LIST {
                return None;
            }
            let values = values.list.into_iter().cloned().collect();
            Some(Expr::In {
                lhs: operand.clone(),
                cased,
                values,
            })
        }
        FoldKind::Regex => {
            if group.len() <= MAX_SUBSTRING_OR {
                return None;
            }
            let mut pattern = String::new();
            for (i, expr) in group.iter().enumerate() {
                if let Expr::Compare {
                    rhs: Literal::String(text),
                    ..
                } = expr
                {
                    if i > 0 {
                        pattern.push('|');
                    }
                    push_regex_alternative(text, &mut pattern);
                }
            }
            Some(Expr::Compare {
                lhs: operand.clone(),
                op: Op::MatchesRegex,
                rhs: Literal::String(pattern),
            })
        }
        FoldKind::Substring(op) => {
            if group.len() <= MAX_SUBSTRING_OR {
                return None;
            }
            let mut pattern = String::from("(?i)");
            if op == Op::StartsWith {
                pattern.push('^');
            }
            pattern.push('(');
            for (i, expr) in group.iter().enumerate() {
                if let Expr::Compare {
                    rhs: Literal::String(text),
                    ..
                } = expr
                {
                    if i > 0 {
                        pattern.push('|');
                    }
                    escape_regex(text, &mut pattern);
                }
            }
            pattern.push(')');
            if op == Op::EndsWith {
                pattern.push('$');
            }
            Some(Expr::Compare {
                lhs: operand.clone(),
                op: Op::MatchesRegex,
                rhs: Literal::String(pattern),
            })
        }
    }
}

/// The number of distinct values from which [`UniqueLiterals`] looks up strings and whole
/// numbers in a hash set rather than by scanning its list.
const INDEXED_LITERALS: usize = 16;

/// Literals in first-seen order without repeats. Long lists (hundreds of hashes in one
/// rule) find repeats in hash sets, so folding them stays linear.
#[derive(Default)]
struct UniqueLiterals<'a> {
    list: Vec<&'a Literal>,
    strings: HashSet<&'a str>,
    longs: HashSet<i64>,
}

impl<'a> UniqueLiterals<'a> {
    fn push(&mut self, value: &'a Literal) {
        if self.list.len() < INDEXED_LITERALS {
            if !self.list.contains(&value) {
                self.list.push(value);
                if self.list.len() == INDEXED_LITERALS {
                    for literal in &self.list {
                        match literal {
                            Literal::String(text) => {
                                self.strings.insert(text);
                            }
                            Literal::Long(n) => {
                                self.longs.insert(*n);
                            }
                            Literal::Real(_) | Literal::Bool(_) => {}
                        }
                    }
                }
            }
            return;
        }
        let new = match value {
            Literal::String(text) => self.strings.insert(text),
            Literal::Long(n) => self.longs.insert(*n),
            // Reals and booleans never fold into lists, so they are compared one by one.
            Literal::Real(_) | Literal::Bool(_) => !self.list.contains(&value),
        };
        if new {
            self.list.push(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(column: &'static str, op: Op, text: &str) -> Expr {
        Expr::Compare {
            lhs: Operand::Column(column),
            op,
            rhs: Literal::String(text.to_owned()),
        }
    }

    #[test]
    fn literal_plain_text() {
        assert_eq!(string_literal("cmd.exe"), r#""cmd.exe""#);
        assert_eq!(string_literal(""), r#""""#);
    }

    #[test]
    fn literal_with_backslash_is_verbatim() {
        assert_eq!(string_literal(r"C:\Windows\"), r#"@"C:\Windows\""#);
        assert_eq!(
            string_literal(r#""C:\Program Files\App\app.exe" /run"#),
            r#"@"""C:\Program Files\App\app.exe"" /run""#
        );
    }

    #[test]
    fn literal_quote_without_backslash() {
        assert_eq!(string_literal(r#"say "hi""#), r#""say \"hi\"""#);
    }

    #[test]
    fn literal_control_characters_escaped() {
        assert_eq!(string_literal("a\tb"), r#""a\tb""#);
        assert_eq!(string_literal("a\u{1}b"), r#""a\u0001b""#);
        assert_eq!(string_literal("C:\\x\ny"), r#""C:\\x\ny""#);
    }

    #[test]
    fn literal_non_ascii_unchanged() {
        assert_eq!(
            string_literal("ünïcödé – \u{202e}"),
            "\"ünïcödé – \u{202e}\""
        );
    }

    #[test]
    fn regex_escape_metacharacters() {
        let mut out = String::new();
        escape_regex(r"\wmic.exe (x)+[y]{1}|^$?*", &mut out);
        assert_eq!(out, r"\\wmic\.exe \(x\)\+\[y\]\{1\}\|\^\$\?\*");
    }

    #[test]
    fn or_inside_and_parenthesised() {
        let expr = Expr::and(vec![
            Expr::or(vec![
                cmp("FolderPath", Op::EndsWith, r"\rundll32.exe"),
                cmp("FolderPath", Op::EndsWith, r"\regsvr32.exe"),
            ]),
            cmp("ProcessCommandLine", Op::Contains, "http"),
        ]);
        assert_eq!(
            expr.render(),
            r#"(FolderPath endswith @"\rundll32.exe" or FolderPath endswith @"\regsvr32.exe") and ProcessCommandLine contains "http""#
        );
    }

    #[test]
    fn not_wraps_whole_operand() {
        let expr = Expr::and(vec![
            cmp("FolderPath", Op::EndsWith, r"\powershell.exe"),
            Expr::negate(Expr::and(vec![
                cmp("ProcessCommandLine", Op::Contains, "update"),
                cmp("InitiatingProcessFolderPath", Op::EndsWith, r"\svchost.exe"),
            ])),
        ]);
        assert_eq!(
            expr.render(),
            r#"FolderPath endswith @"\powershell.exe" and not(ProcessCommandLine contains "update" and InitiatingProcessFolderPath endswith @"\svchost.exe")"#
        );
    }

    #[test]
    fn equality_list_folds_into_in() {
        let expr = Expr::or(vec![
            cmp("FileName", Op::Equal, "a.exe"),
            cmp("FolderPath", Op::EndsWith, r"\x"),
            cmp("FileName", Op::Equal, "b.exe"),
            cmp("FileName", Op::Equal, "a.exe"),
        ]);
        assert_eq!(
            expr.render(),
            r#"FileName in~ ("a.exe", "b.exe") or FolderPath endswith @"\x""#
        );
    }

    #[test]
    fn cased_equality_folds_into_in() {
        let expr = Expr::or(vec![
            cmp("FileName", Op::EqualCased, "A"),
            cmp("FileName", Op::EqualCased, "B"),
        ]);
        assert_eq!(expr.render(), r#"FileName in ("A", "B")"#);
    }

    #[test]
    fn mixed_case_equalities_stay_apart() {
        let expr = Expr::or(vec![
            cmp("FileName", Op::EqualCased, "A"),
            cmp("FileName", Op::Equal, "b"),
        ]);
        assert_eq!(expr.render(), r#"FileName == "A" or FileName =~ "b""#);
    }

    #[test]
    fn long_contains_list_becomes_regex() {
        let parts: Vec<Expr> = (0..20)
            .map(|i| cmp("ProcessCommandLine", Op::Contains, &format!("a.{i}")))
            .collect();
        let text = Expr::or(parts).render();
        assert!(
            text.starts_with(r#"ProcessCommandLine matches regex @"(?i)(a\.0|a\.1|"#),
            "{text}"
        );
        assert!(text.ends_with(r#"|a\.19)""#), "{text}");
    }

    #[test]
    fn long_endswith_list_anchored() {
        let parts: Vec<Expr> = (0..17)
            .map(|i| cmp("FolderPath", Op::EndsWith, &format!(r"\{i}.exe")))
            .collect();
        let text = Expr::or(parts).render();
        assert!(
            text.starts_with(r#"FolderPath matches regex @"(?i)(\\0\.exe|"#),
            "{text}"
        );
        assert!(text.ends_with(r#"\\16\.exe)$""#), "{text}");
    }

    #[test]
    fn long_regex_list_becomes_one_alternation() {
        let mut parts: Vec<Expr> = (0..17)
            .map(|i| cmp("X", Op::MatchesRegex, &format!("(?i)^a{i}.*b$")))
            .collect();
        parts.push(cmp("X", Op::MatchesRegex, "c[0-9]"));
        let text = Expr::or(parts).render();
        assert!(
            text.starts_with(r#"X matches regex @"(?i:^a0.*b$)|(?i:^a1.*b$)|"#),
            "{text}"
        );
        assert!(text.ends_with(r#"|(?i:^a16.*b$)|(?:c[0-9])""#), "{text}");
    }

    #[test]
    fn short_contains_list_stays_readable() {
        let expr = Expr::or(vec![
            cmp("X", Op::Contains, "a"),
            cmp("X", Op::Contains, "b"),
        ]);
        assert_eq!(expr.render(), r#"X contains "a" or X contains "b""#);
    }

    #[test]
    fn and_list_never_folds() {
        let expr = Expr::and(vec![
            cmp("ProcessCommandLine", Op::Contains, " -nop "),
            cmp("ProcessCommandLine", Op::Contains, " -w hidden "),
        ]);
        assert_eq!(
            expr.render(),
            r#"ProcessCommandLine contains " -nop " and ProcessCommandLine contains " -w hidden ""#
        );
    }

    #[test]
    fn constants_simplify() {
        assert_eq!(
            Expr::and(vec![Expr::Bool(true), cmp("A", Op::Equal, "x")]),
            cmp("A", Op::Equal, "x")
        );
        assert_eq!(
            Expr::or(vec![Expr::Bool(false), Expr::Bool(false)]),
            Expr::Bool(false)
        );
        assert_eq!(
            Expr::negate(Expr::negate(cmp("A", Op::Equal, "x"))),
            cmp("A", Op::Equal, "x")
        );
    }

    #[test]
    fn ordering_under_not_treats_null_as_false() {
        let greater = Expr::Compare {
            lhs: Operand::Column("LocalPort"),
            op: Op::Greater,
            rhs: Literal::Long(1024),
        };
        assert_eq!(greater.render(), "LocalPort > 1024");
        assert_eq!(
            Expr::negate(greater.clone()).render(),
            "not(coalesce(LocalPort > 1024, false))"
        );
        let double = Expr::negate(Expr::And(vec![
            cmp("A", Op::Equal, "x"),
            Expr::negate(greater),
        ]));
        assert_eq!(
            double.render(),
            r#"not(A =~ "x" and not(coalesce(LocalPort > 1024, false)))"#
        );
    }

    #[test]
    fn numbers_render_unquoted() {
        let expr = Expr::or(vec![
            Expr::Compare {
                lhs: Operand::Column("RemotePort"),
                op: Op::EqualCased,
                rhs: Literal::Long(445),
            },
            Expr::Compare {
                lhs: Operand::Column("RemotePort"),
                op: Op::EqualCased,
                rhs: Literal::Long(139),
            },
        ]);
        assert_eq!(expr.render(), "RemotePort in (445, 139)");
    }
}
