//! The condition language: `and`, `or`, `not`, parentheses, `1 of` and `all of` over
//! search identifiers and patterns, compiled straight into IR expressions.
//!
//! Precedence from loosest to tightest: `or`, `and`, `not`, `1 of`/`all of`, parentheses.
//! Keywords are case-insensitive.

use super::detection::{and, or, MAX_PREDICATES};
use super::error::ConditionError;
use crate::ir::Expr;

/// Maximum nesting of parentheses and `not` in a condition.
///
/// Guards the parser's recursion. Checked while parsing; raises
/// [`ConditionError::TooDeep`]. Real conditions nest three or four levels.
pub const MAX_CONDITION_DEPTH: usize = 64;

/// The compiled search identifiers of a rule, in the order the detection defines them.
pub(crate) struct Items<'a> {
    pub names: &'a [&'a str],
    /// The number of predicates of each expression.
    pub sizes: &'a [usize],
}

impl Items<'_> {
    /// Returns the index and the size of the identifier `name`.
    fn get(&self, name: &str) -> Option<(usize, usize)> {
        let i = self.names.iter().position(|n| *n == name)?;
        Some((i, self.sizes.get(i).copied().unwrap_or(0)))
    }
}

/// A parsed condition whose identifiers are still indices into the rule's search
/// identifiers. [`build`] puts the identifiers' expressions in, which lets a rule move
/// each expression into the last condition that uses it instead of copying it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plan {
    And(Vec<Plan>),
    Or(Vec<Plan>),
    Not(Box<Plan>),
    Item(usize),
}

impl Plan {
    /// Adds one to `uses[i]` for every use of identifier `i` in the plan.
    pub(crate) fn count_uses(&self, uses: &mut [usize]) {
        match self {
            Plan::And(terms) | Plan::Or(terms) => {
                for term in terms {
                    term.count_uses(uses);
                }
            }
            Plan::Not(inner) => inner.count_uses(uses),
            Plan::Item(i) => {
                if let Some(count) = uses.get_mut(*i) {
                    *count += 1;
                }
            }
        }
    }
}

/// Turns a plan into an expression, asking `item` for the expression of each identifier
/// use in condition order. ANDs and ORs are merged as the condition compiler merges them.
pub(crate) fn build(plan: Plan, item: &mut impl FnMut(usize) -> Expr) -> Expr {
    match plan {
        Plan::And(terms) => and(terms.into_iter().map(|t| build(t, item)).collect()),
        Plan::Or(terms) => or(terms.into_iter().map(|t| build(t, item)).collect()),
        Plan::Not(inner) => Expr::Not(Box::new(build(*inner, item))),
        Plan::Item(i) => item(i),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token<'a> {
    Open,
    Close,
    And,
    Or,
    Not,
    Of,
    All,
    Them,
    Pipe,
    Number(&'a str),
    Word(&'a str),
}

impl Token<'_> {
    fn text(&self) -> String {
        match self {
            Token::Open => "(".into(),
            Token::Close => ")".into(),
            Token::And => "and".into(),
            Token::Or => "or".into(),
            Token::Not => "not".into(),
            Token::Of => "of".into(),
            Token::All => "all".into(),
            Token::Them => "them".into(),
            Token::Pipe => "|".into(),
            Token::Number(s) | Token::Word(s) => (*s).to_owned(),
        }
    }
}

/// A token and its 1-based column in characters.
type Spanned<'a> = (Token<'a>, usize);

fn tokenize(text: &str) -> Result<Vec<Spanned<'_>>, ConditionError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    // Columns are counted on from the previous token, so long conditions stay linear.
    let mut counted = (0, 1);
    let mut column_of = |byte: usize| {
        let (from, column) = counted;
        let column = column + text.get(from..byte).map_or(0, |s| s.chars().count());
        counted = (byte, column);
        column
    };
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let column = column_of(start);
        match c {
            '(' => {
                chars.next();
                tokens.push((Token::Open, column));
            }
            ')' => {
                chars.next();
                tokens.push((Token::Close, column));
            }
            '|' => {
                // The rest is the deprecated aggregation syntax, reported by the parser.
                tokens.push((Token::Pipe, column));
                break;
            }
            c if is_identifier_char(c) => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if !is_identifier_char(c) {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                let word = &text[start..end];
                let keyword = |k: &str| word.eq_ignore_ascii_case(k);
                let token = if keyword("and") {
                    Token::And
                } else if keyword("or") {
                    Token::Or
                } else if keyword("not") {
                    Token::Not
                } else if keyword("of") {
                    Token::Of
                } else if keyword("all") {
                    Token::All
                } else if keyword("them") {
                    Token::Them
                } else if word.bytes().all(|b| b.is_ascii_digit()) {
                    Token::Number(word)
                } else {
                    Token::Word(word)
                };
                tokens.push((token, column));
            }
            other => {
                return Err(ConditionError::UnexpectedCharacter {
                    character: other,
                    column,
                })
            }
        }
    }
    Ok(tokens)
}

/// Characters of search identifiers and patterns: anything but blanks, parentheses and `|`.
fn is_identifier_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '(' | ')' | '|' | '"' | '\'' | ',' | ';' | '=' | '<' | '>' | '!'
        )
}

/// Parses a condition over the rule's search identifiers into a [`Plan`]. `used` counts
/// the predicates of the rule's conditions so far, for [`MAX_PREDICATES`].
pub(crate) fn parse(
    text: &str,
    items: &Items<'_>,
    used: &mut usize,
) -> Result<Plan, ConditionError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(ConditionError::Empty);
    }
    let mut parser = Parser {
        tokens: &tokens,
        next: 0,
        items,
        depth: 0,
        used,
    };
    let expr = parser.or_expr()?;
    if let Some((token, column)) = parser.tokens.get(parser.next) {
        if *token == Token::Pipe {
            return Err(ConditionError::Aggregation { column: *column });
        }
        return Err(ConditionError::TrailingTokens {
            token: token.text(),
            column: *column,
        });
    }
    Ok(expr)
}

struct Parser<'t, 'a> {
    tokens: &'t [Spanned<'a>],
    next: usize,
    items: &'t Items<'t>,
    depth: usize,
    used: &'t mut usize,
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Token<'_>> {
        self.tokens.get(self.next).map(|(t, _)| t)
    }

    fn column(&self) -> usize {
        self.tokens.get(self.next).map_or(0, |(_, c)| *c)
    }

    /// Counts `size` more predicates, failing past the limit.
    fn spend(&mut self, size: usize, column: usize) -> Result<(), ConditionError> {
        *self.used = self.used.saturating_add(size);
        if *self.used > MAX_PREDICATES {
            return Err(ConditionError::TooLarge {
                limit: MAX_PREDICATES,
                column,
            });
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Plan, ConditionError> {
        let mut terms = vec![self.and_expr()?];
        while self.peek() == Some(&Token::Or) {
            self.next += 1;
            terms.push(self.and_expr()?);
        }
        Ok(Plan::Or(terms))
    }

    fn and_expr(&mut self) -> Result<Plan, ConditionError> {
        let mut terms = vec![self.not_expr()?];
        while self.peek() == Some(&Token::And) {
            self.next += 1;
            terms.push(self.not_expr()?);
        }
        Ok(Plan::And(terms))
    }

    /// Enters one nesting level opened by the token at `column`.
    fn enter(&mut self, column: usize) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_CONDITION_DEPTH {
            return Err(ConditionError::TooDeep {
                limit: MAX_CONDITION_DEPTH,
                column,
            });
        }
        Ok(())
    }

    fn not_expr(&mut self) -> Result<Plan, ConditionError> {
        if self.peek() == Some(&Token::Not) {
            let column = self.column();
            self.next += 1;
            self.enter(column)?;
            let inner = self.not_expr()?;
            self.depth -= 1;
            return Ok(Plan::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Plan, ConditionError> {
        let Some((token, column)) = self.tokens.get(self.next).cloned() else {
            return Err(ConditionError::UnexpectedEnd {
                expected: "a search identifier, 'not', '1 of', 'all of' or '('",
            });
        };
        self.next += 1;
        match token {
            Token::Open => {
                self.enter(column)?;
                let inner = self.or_expr()?;
                self.depth -= 1;
                match self.tokens.get(self.next) {
                    Some((Token::Close, _)) => {
                        self.next += 1;
                        Ok(inner)
                    }
                    Some((Token::Pipe, c)) => Err(ConditionError::Aggregation { column: *c }),
                    Some((other, c)) => Err(ConditionError::UnexpectedToken {
                        token: other.text(),
                        column: *c,
                    }),
                    None => Err(ConditionError::UnclosedParenthesis { column }),
                }
            }
            Token::All => self.quantified(false),
            Token::Number(n) => {
                if n.trim_start_matches('0') != "1" {
                    return Err(ConditionError::UnsupportedCount {
                        count: n.to_owned(),
                        column,
                    });
                }
                self.quantified(true)
            }
            Token::Word(name) => match self.items.get(name) {
                Some((index, size)) => {
                    self.spend(size, column)?;
                    Ok(Plan::Item(index))
                }
                None => Err(ConditionError::UndefinedIdentifier {
                    name: name.to_owned(),
                    column,
                }),
            },
            Token::Pipe => Err(ConditionError::Aggregation { column }),
            other => Err(ConditionError::UnexpectedToken {
                token: other.text(),
                column,
            }),
        }
    }

    /// `1 of X` (`any` true: OR) or `all of X` (AND) after the count.
    fn quantified(&mut self, any: bool) -> Result<Plan, ConditionError> {
        match self.tokens.get(self.next) {
            Some((Token::Of, _)) => self.next += 1,
            Some((other, c)) => {
                return Err(ConditionError::UnexpectedToken {
                    token: other.text(),
                    column: *c,
                })
            }
            None => return Err(ConditionError::UnexpectedEnd { expected: "'of'" }),
        }
        let Some((target, column)) = self.tokens.get(self.next).cloned() else {
            return Err(ConditionError::UnexpectedEnd {
                expected: "'them' or a search identifier pattern",
            });
        };
        self.next += 1;
        let items = self.items;
        let selected: Vec<(usize, usize)> = match target {
            Token::Them => items
                .names
                .iter()
                .zip(items.sizes)
                .enumerate()
                .filter(|(_, (name, _))| !name.starts_with('_'))
                .map(|(i, (_, size))| (i, *size))
                .collect(),
            Token::Word(pattern) | Token::Number(pattern) => items
                .names
                .iter()
                .zip(items.sizes)
                .enumerate()
                .filter(|(_, (name, _))| glob_match(pattern, name))
                .map(|(i, (_, size))| (i, *size))
                .collect(),
            other => {
                return Err(ConditionError::UnexpectedToken {
                    token: other.text(),
                    column,
                })
            }
        };
        let size = selected.iter().map(|(_, size)| size).sum();
        self.spend(size, column)?;
        let selected: Vec<Plan> = selected.into_iter().map(|(i, _)| Plan::Item(i)).collect();
        if selected.is_empty() {
            return Err(ConditionError::PatternMatchesNothing {
                pattern: target.text(),
                column,
            });
        }
        Ok(if any {
            Plan::Or(selected)
        } else {
            Plan::And(selected)
        })
    }
}

/// Matches a name against a pattern where `*` is any run of characters.
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    // Matching bytes gives the same answer as matching characters: `*` is the only
    // special character, and UTF-8 text matches literally only at character boundaries.
    let p = pattern.as_bytes();
    let n = name.as_bytes();
    // Iterative matching with backtracking to the last star: linear in practice.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ni));
            pi += 1;
        } else if pi < p.len() && p[pi] == n[ni] {
            pi += 1;
            ni += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Pattern, Position, Predicate, Test};

    fn leaf(name: &str) -> Expr {
        Expr::Pred(Predicate {
            field: Some(name.into()),
            test: Test::Pattern {
                value: Pattern::literal(name),
                cased: false,
            },
            item: name.into(),
            position: Position::default(),
            modifiers: Default::default(),
        })
    }

    fn run(condition: &str, names: &[&str]) -> Result<Expr, ConditionError> {
        let exprs: Vec<Expr> = names.iter().map(|n| leaf(n)).collect();
        let sizes = vec![1; names.len()];
        let items = Items {
            names,
            sizes: &sizes,
        };
        let plan = parse(condition, &items, &mut 0)?;
        Ok(build(plan, &mut |i| exprs[i].clone()))
    }

    fn not(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }

    #[test]
    fn precedence_or_and_not() {
        let expr = run("a or b and not c", &["a", "b", "c"]).unwrap();
        assert_eq!(
            expr,
            Expr::Or(vec![leaf("a"), Expr::And(vec![leaf("b"), not(leaf("c"))])])
        );
    }

    #[test]
    fn keywords_are_case_insensitive() {
        let expr = run("a AND NOT b", &["a", "b"]).unwrap();
        assert_eq!(expr, Expr::And(vec![leaf("a"), not(leaf("b"))]));
    }

    #[test]
    fn not_one_of_pattern() {
        let expr = run(
            "sel and not 1 of filter_*",
            &["sel", "filter_a", "filter_b"],
        )
        .unwrap();
        assert_eq!(
            expr,
            Expr::And(vec![
                leaf("sel"),
                not(Expr::Or(vec![leaf("filter_a"), leaf("filter_b")]))
            ])
        );
    }

    #[test]
    fn all_of_them_skips_underscore() {
        let expr = run("all of them", &["a", "_hidden", "b"]).unwrap();
        assert_eq!(expr, Expr::And(vec![leaf("a"), leaf("b")]));
        let expr = run("1 of them", &["a", "_hidden"]).unwrap();
        assert_eq!(expr, leaf("a"));
        let expr = run("1 of _h*", &["a", "_hidden"]).unwrap();
        assert_eq!(expr, leaf("_hidden"));
    }

    #[test]
    fn parentheses_group() {
        let expr = run("(a or b) and c", &["a", "b", "c"]).unwrap();
        assert_eq!(
            expr,
            Expr::And(vec![Expr::Or(vec![leaf("a"), leaf("b")]), leaf("c")])
        );
        let expr = run(
            "sel_img or (sel_cli and not (f1 or f2))",
            &["sel_img", "sel_cli", "f1", "f2"],
        )
        .unwrap();
        assert_eq!(
            expr,
            Expr::Or(vec![
                leaf("sel_img"),
                Expr::And(vec![
                    leaf("sel_cli"),
                    not(Expr::Or(vec![leaf("f1"), leaf("f2")]))
                ])
            ])
        );
    }

    #[test]
    fn errors_carry_columns() {
        assert_eq!(
            run("a and b", &["a"]).unwrap_err(),
            ConditionError::UndefinedIdentifier {
                name: "b".into(),
                column: 7
            }
        );
        assert_eq!(
            run("1 of x*", &["a"]).unwrap_err(),
            ConditionError::PatternMatchesNothing {
                pattern: "x*".into(),
                column: 6
            }
        );
        assert_eq!(
            run("2 of a*", &["a"]).unwrap_err(),
            ConditionError::UnsupportedCount {
                count: "2".into(),
                column: 1
            }
        );
        assert_eq!(
            run("a b", &["a", "b"]).unwrap_err(),
            ConditionError::TrailingTokens {
                token: "b".into(),
                column: 3
            }
        );
        assert_eq!(
            run("(a", &["a"]).unwrap_err(),
            ConditionError::UnclosedParenthesis { column: 1 }
        );
        assert_eq!(
            run("a | count() > 5", &["a"]).unwrap_err(),
            ConditionError::Aggregation { column: 3 }
        );
        assert_eq!(run("  ", &["a"]).unwrap_err(), ConditionError::Empty);
        assert!(matches!(
            run("a and", &["a"]).unwrap_err(),
            ConditionError::UnexpectedEnd { .. }
        ));
    }

    #[test]
    fn columns_count_characters_after_non_ascii_names() {
        // Columns are in characters: 'sélection' is nine characters and ten bytes.
        assert_eq!(
            run("sélection AND ünknown", &["sélection"]).unwrap_err(),
            ConditionError::UndefinedIdentifier {
                name: "ünknown".into(),
                column: 15
            }
        );
        assert_eq!(
            run("(é OR é) b", &["é"]).unwrap_err(),
            ConditionError::TrailingTokens {
                token: "b".into(),
                column: 10
            }
        );
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let text = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(matches!(
            run(&text, &["a"]).unwrap_err(),
            ConditionError::TooDeep { .. }
        ));
        let text = format!("{}a", "not ".repeat(10_000));
        assert!(matches!(
            run(&text, &["a"]).unwrap_err(),
            ConditionError::TooDeep { .. }
        ));
    }

    #[test]
    fn glob() {
        assert!(glob_match("sel*", "selection"));
        assert!(glob_match("*tion", "selection"));
        assert!(glob_match("s*l*n", "selection"));
        assert!(!glob_match("filter*", "selection"));
        assert!(glob_match("selection", "selection"));
    }
}
