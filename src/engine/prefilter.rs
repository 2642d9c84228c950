//! A prefilter: a rule whose pattern names identifiers (e.g. `get`) cannot
//! match a file that lacks one of them, so such files are not parsed. The
//! bytes are searched first; where a rule is still possible, a lexer tells
//! code from comments and strings (`tokenize::prefilter`), so a rule token
//! that only a comment or a docstring holds no longer forces a parse.
//! A rule that needs a configuration receiver keeps a file only where
//! `config_names` (as `check` asks it) says provenance could find one; one
//! with a `declared-flag` capture only where a string could name a flag an
//! `add_argument(...)` call declares.

use std::borrow::Cow;

use crate::analysis::{NameMatcher, Provenance};
use crate::pattern::TokenPlace;
use crate::rules::Rule;
use crate::tokenize::prefilter::CodeView;

mod cores;
mod token;

use cores::Cores;
use token::Token;

/// Alternatives, each a set of tokens that must all occur.
type Group = Vec<Vec<Token>>;

/// Alternatives of one token each.
fn any_of(tokens: Vec<Token>) -> Group {
    tokens.into_iter().map(|token| vec![token]).collect()
}

/// A [`Group`] whose tokens are indices into [`Prefilter::tokens`].
type IndexedGroup = Vec<Vec<usize>>;

pub struct Prefilter {
    /// Every distinct token once: rules share tokens (`get`, `logging`).
    tokens: Vec<Token>,
    /// Per token: the word inside its literal that several tokens share
    /// (see [`Cores`]).
    cores: Cores,
    /// Per rule: groups that each need one alternative (none = always run).
    groups: Vec<Vec<IndexedGroup>>,
    /// Per rule: whether every match needs a configuration receiver.
    needs_config: Vec<bool>,
    /// Per rule: whether every match needs a string naming a declared flag.
    needs_flag: Vec<bool>,
    /// The project's configuration names.
    names: NameMatcher,
}

impl Prefilter {
    /// `names` are the project's configuration names: a rule that needs
    /// config provenance cannot match a file where provenance finds none.
    pub fn new(rules: &[&Rule], names: &NameMatcher) -> Self {
        let groups = rules
            .iter()
            .map(|rule| {
                let mut groups: Vec<Group> = rule
                    .token_groups()
                    .iter()
                    .map(|group| {
                        group
                            .iter()
                            .map(|all| all.iter().map(Token::from_spec).collect())
                            .collect()
                    })
                    .collect();
                groups.extend(
                    rule.constraints
                        .iter()
                        .filter_map(|c| c.regex.as_ref())
                        .filter_map(regex_literals)
                        .map(any_of),
                );
                groups.extend(provenance_groups(rule).into_iter().map(any_of));
                groups
            })
            .collect::<Vec<_>>();
        let mut prefilter = Prefilter::interned(groups, names.clone());
        prefilter.needs_config = rules.iter().map(|rule| needs_config(rule)).collect();
        prefilter.needs_flag = rules
            .iter()
            .map(|rule| rule.constraints.iter().any(|c| c.declared_flag))
            .collect();
        prefilter
    }

    /// Stores each distinct token once and refers to it by index; a rule's
    /// groups are ordered so that the one with the longest (rarest) shortest
    /// token is tried first.
    fn interned(per_rule: Vec<Vec<Group>>, names: NameMatcher) -> Self {
        let mut tokens: Vec<Token> = Vec::new();
        let mut intern = |token: Token| match tokens.iter().position(|t| t.same_as(&token)) {
            Some(index) => index,
            None => {
                tokens.push(token);
                tokens.len() - 1
            }
        };
        let mut groups = Vec::with_capacity(per_rule.len());
        for mut rule_groups in per_rule {
            rule_groups.sort_by_key(|group| {
                let shortest = group.iter().flatten().map(|t| t.len).min();
                std::cmp::Reverse(shortest.unwrap_or(0))
            });
            // Within a group any alternative will do: the shortest (most
            // common) first, so a file that has one is told early.
            for group in &mut rule_groups {
                group.sort_by_key(|all| all.iter().map(|t| t.len).min().unwrap_or(0));
            }
            let indexed: Vec<IndexedGroup> = rule_groups
                .into_iter()
                .map(|group| {
                    group
                        .into_iter()
                        .map(|all| all.into_iter().map(&mut intern).collect())
                        .collect()
                })
                .collect();
            groups.push(indexed);
        }
        let needs_config = vec![false; groups.len()];
        Prefilter {
            cores: Cores::new(&tokens),
            tokens,
            needs_flag: needs_config.clone(),
            groups,
            needs_config,
            names,
        }
    }

    /// Clears `applicable` for rules that cannot match `text`; returns whether
    /// any rule is left, or the text is not UTF-8 (then the caller's decode
    /// reports it). Each token is searched at most once in the bytes, and
    /// once more in the code view where that could rule out a parse.
    pub fn narrow(&self, text: &[u8], applicable: &mut [bool]) -> bool {
        // A file that is not UTF-8 is never skipped: the run reports it with
        // its line, as a run that parses every file does (`--no-prefilter`).
        let source = std::str::from_utf8(text).ok();
        self.narrow_by_tokens(text, source, applicable) || source.is_none()
    }

    /// `source` is `text` where it is UTF-8.
    fn narrow_by_tokens(&self, text: &[u8], source: Option<&str>, applicable: &mut [bool]) -> bool {
        let mut raw: Vec<Option<bool>> = vec![None; self.tokens.len()];
        let mut cores = self.cores.for_text();
        let mut in_text = |index: usize| {
            *raw[index].get_or_insert_with(|| {
                cores.may_hold(&self.cores, index, text) && self.tokens[index].occurs_in(text)
            })
        };
        if !self.narrow_by(applicable, &mut in_text)
            || !self.config_may_appear(text, source, applicable)
        {
            return false;
        }
        if !self.lexing_may_skip(applicable) {
            return true;
        }
        let keep_tokens =
            any_left(applicable, &self.needs_config) || any_left(applicable, &self.needs_flag);
        let Some((source, view)) = source.and_then(|s| Some((s, CodeView::new(s, keep_tokens)?)))
        else {
            return true;
        };
        let mut placed: Vec<Option<bool>> = vec![None; self.tokens.len()];
        if !self.narrow_by(applicable, &mut |index| {
            *placed[index].get_or_insert_with(|| {
                in_text(index) && self.tokens[index].occurs_placed(text, &view)
            })
        }) {
            return false;
        }
        if any_left(applicable, &self.needs_config)
            && view.may_hold_config(source, &self.names) == Some(false)
        {
            drop_rules(applicable, &self.needs_config);
        }
        if any_left(applicable, &self.needs_flag)
            && view.may_name_declared_flag(source) == Some(false)
        {
            drop_rules(applicable, &self.needs_flag);
        }
        applicable.iter().any(|flag| *flag)
    }

    /// The bytes' side of the configuration test: a configuration name's
    /// literal, or the word `or` (a parameter defaulted in place), must
    /// occur for provenance to find configuration. Clears the rules that
    /// need one where neither does; whether any rule is left.
    fn config_may_appear(
        &self,
        text: &[u8],
        source: Option<&str>,
        applicable: &mut [bool],
    ) -> bool {
        if any_left(applicable, &self.needs_config) {
            let source = source.map_or_else(|| String::from_utf8_lossy(text), Cow::Borrowed);
            if !self.names.may_appear_in(&source) && !Token::word("or").occurs_in(text) {
                drop_rules(applicable, &self.needs_config);
            }
        }
        applicable.iter().any(|flag| *flag)
    }

    /// Whether every rule left needs a token in code or in a string, a
    /// configuration name in code or a declared flag's name: only then can
    /// the code view spare the parse.
    fn lexing_may_skip(&self, applicable: &[bool]) -> bool {
        applicable
            .iter()
            .zip(&self.groups)
            .zip(self.needs_config.iter().zip(&self.needs_flag))
            .all(|((flag, groups), (needs_config, needs_flag))| {
                !*flag
                    || *needs_config
                    || *needs_flag
                    || groups
                        .iter()
                        .flatten()
                        .flatten()
                        .any(|index| self.tokens[*index].place != TokenPlace::Anywhere)
            })
    }

    fn narrow_by(&self, applicable: &mut [bool], occurs: &mut impl FnMut(usize) -> bool) -> bool {
        for (flag, groups) in applicable.iter_mut().zip(&self.groups) {
            if !*flag {
                continue;
            }
            for group in groups {
                let satisfied = group
                    .iter()
                    .any(|all| all.iter().all(|token| occurs(*token)));
                if !satisfied {
                    *flag = false;
                    break;
                }
            }
        }
        applicable.iter().any(|flag| *flag)
    }
}

/// Whether a rule left (`applicable`) is one that `needs`.
fn any_left(applicable: &[bool], needs: &[bool]) -> bool {
    applicable
        .iter()
        .zip(needs)
        .any(|(flag, needs)| *flag && *needs)
}

/// Clears the rules that `needs`.
fn drop_rules(applicable: &mut [bool], needs: &[bool]) {
    for (flag, needs) in applicable.iter_mut().zip(needs) {
        *flag &= !needs;
    }
}

/// Literals one of which every match of `regex` starts with, when the
/// regex guarantees such a finite set (e.g. `^(?:self\.)?validate_config`).
fn regex_literals(regex: &regex::Regex) -> Option<Vec<Token>> {
    let hir = regex_syntax::parse(regex.as_str()).ok()?;
    let mut extractor = regex_syntax::hir::literal::Extractor::new();
    extractor.limit_total(64);
    let seq = extractor.extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    let texts: Vec<String> = literals
        .iter()
        .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned())
        .collect();
    Some(texts.iter().map(|t| Token::new(t, false, false)).collect())
}

/// An argparse namespace is named `args` or comes from `parse_args()`; a
/// declared flag needs an `add_argument(...)` call in the file.
fn provenance_groups(rule: &Rule) -> Vec<Vec<Token>> {
    let mut groups = Vec::new();
    for constraint in &rule.constraints {
        if !constraint.provenance.is_empty()
            && constraint
                .provenance
                .iter()
                .all(|p| *p == Provenance::ArgparseNamespace)
        {
            groups.push(vec![
                Token::word("args"),
                Token::new("parse_args", false, false),
            ]);
        }
        if constraint.declared_flag {
            groups.push(vec![Token::new("add_argument", false, false)]);
        }
    }
    groups
}

/// Whether every match of the rule needs a configuration receiver.
fn needs_config(rule: &Rule) -> bool {
    rule.constraints.iter().any(|c| {
        !c.provenance.is_empty()
            && c.provenance.iter().all(|p| {
                matches!(
                    p,
                    Provenance::Config | Provenance::DefaultedConfig | Provenance::UntypedConfig
                )
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load::{RuleSource, load_sources};
    use crate::syntax::KindTable;

    fn rule_yaml(matcher: &str) -> String {
        format!(
            "id: r\nphase: 1\ntitle: t\nmessage: m\nseverity: info\nbreaking: none\nmatch:\n{matcher}\n"
        )
    }

    fn narrows(matcher: &str, text: &str) -> bool {
        let source = RuleSource {
            name: "r.yaml".into(),
            text: rule_yaml(matcher),
        };
        let rules = load_sources(&[source], &KindTable::new()).unwrap();
        let refs: Vec<&Rule> = rules.iter().collect();
        let names = NameMatcher::new(&["config".to_string(), "*_cfg".to_string()]).unwrap();
        Prefilter::new(&refs, &names).narrow(text.as_bytes(), &mut [true])
    }

    #[test]
    fn pattern_tokens_are_all_required() {
        assert!(narrows(
            "  pattern: sys.exit($C)",
            "import sys\nsys.exit(1)"
        ));
        assert!(!narrows("  pattern: sys.exit($C)", "import sys\n"));
    }

    #[test]
    fn tokens_are_whole_identifiers() {
        assert!(narrows("  pattern: exit($C)", "exit(1)"));
        assert!(!narrows(
            "  pattern: exit($C)",
            "def __exit__(self): atexit.register(f)"
        ));
        assert!(narrows("  pattern: exit($C)", "é = 1\nexit (1)"));
        assert!(narrows(
            "  pattern: sys.exit($C)",
            "import sys\nsys.exit \\\n(1)"
        ));
        assert!(!narrows(
            "  pattern: sys.exit($C)",
            "import sys  # then exit\n"
        ));
        // Inside brackets a call may be split over lines and comments.
        assert!(narrows(
            "  pattern: sys.exit($C)",
            "import sys\nf(sys.exit  # why\n  (1))"
        ));
    }

    #[test]
    fn a_plain_call_is_not_a_method_call() {
        assert!(!narrows("  pattern: exit($C)", "parser.exit(2)"));
        assert!(!narrows("  pattern: exit($C)", "parser . \\\n  exit(2)"));
        assert!(narrows("  pattern: exit($C)", "parser.exit(2)\nexit(1)"));
        // Inside brackets a newline may separate anything: keep the file.
        assert!(narrows("  pattern: exit($C)", "(parser.\n exit(2))"));
    }

    #[test]
    fn a_raised_name_follows_raise() {
        let rule = "  pattern: raise SystemExit";
        assert!(!narrows(rule, "except SystemExit:\n    pass"));
        assert!(!narrows(rule, "unraise SystemExit"));
        assert!(narrows(rule, "if x: raise SystemExit"));
        assert!(narrows(rule, "raise \\\n    SystemExit"));
    }

    #[test]
    fn alternatives_need_all_their_own_tokens() {
        let rule = "  pattern:\n    - sys.exit($C)\n    - quit($C)";
        assert!(!narrows(rule, "parser.exit(1)"));
        assert!(narrows(rule, "import sys\nsys.exit(1)"));
        assert!(narrows(rule, "quit(1)"));
        assert!(!narrows(rule, "exit(1)"));
    }

    #[test]
    fn where_regexes_give_literals() {
        let rule = "  pattern: $S = $V\n  where:\n    V: {regex: '^(?:self\\.)?(?:validate_config|should_validate)$'}";
        assert!(!narrows(rule, "x = 1\n"));
        assert!(narrows(rule, "x = should_validate\n"));
        let open = "  pattern: $S = $V\n  where:\n    V: {regex: '[a-z]+'}";
        assert!(narrows(open, "x = 1\n"));
    }

    #[test]
    fn config_provenance_needs_a_config_name() {
        let rule = "  pattern: $X.get($K)\n  where:\n    X: {provenance: config}";
        assert!(!narrows(rule, "headers.get('a')"));
        assert!(narrows(rule, "config.get('a')"));
        assert!(narrows(rule, "batch_cfg.get('a')"));
        assert!(!narrows(rule, "configparser.get('a')"));
        // A private attribute: provenance reads `self._config` as `config`.
        assert!(narrows(rule, "self._config.get('a')"));
        assert!(!narrows(rule, "sysconfig.get('a')"));
        // Only as code: a comment or a string names no receiver.
        assert!(!narrows(rule, "# config\nheaders.get('a')"));
        assert!(!narrows(rule, "x = 'config'\nheaders.get('a')"));
        assert!(narrows(rule, "x = f'{config.get(1)}'"));
    }

    #[test]
    fn a_parameter_defaulted_in_place_needs_no_config_name() {
        let rule = "  pattern: $X.get($K, $D)\n  where:\n    X: {provenance: defaulted-config}";
        let defaulted =
            "def f(options=None):\n    options = options or {}\n    return options.get('a', 1)\n";
        assert!(narrows(rule, defaulted));
        assert!(!narrows(
            rule,
            "def f(options=None):\n    return options.get('a', 1) or 2\n"
        ));
    }

    #[test]
    fn query_predicates_give_alternatives() {
        let query = "  query: '((identifier) @N (#match? @N \"^(alpha|beta)$\"))'";
        assert!(narrows(query, "x = beta"));
        assert!(!narrows(query, "x = gamma"));
        assert!(narrows("  query: '(identifier) @N'", "anything"));
    }

    #[test]
    fn pattern_tokens_count_only_in_code() {
        let rule = "  pattern: $X.get($K)";
        assert!(!narrows(rule, "x = 1  # d.get(k)\n"));
        assert!(!narrows(rule, "'''Use d.get(k).'''\ns = \"d.get(k)\"\n"));
        assert!(narrows(rule, "s = f'{d.get(k)}'\n"));
        assert!(narrows(rule, "s = f'{x:>{d.get(k)}}'\n"));
        assert!(narrows(rule, "s = f'{f\"{d.get(k)}\"}'\n"));
        assert!(!narrows(rule, "s = f'd.get(k) {{d.get(k)}}'\n"));
        assert!(!narrows(rule, "s = rb'd.get(k)'\n"));
        // A call split by a comment inside brackets is still a call.
        assert!(narrows(rule, "f(d.get  # why\n  (k))\n"));
        assert!(narrows("  pattern: exit($C)", "\u{feff}exit(1)\n"));
    }

    #[test]
    fn text_the_lexer_doubts_is_searched_as_it_is() {
        let rule = "  pattern: $X.get($K)";
        // Unterminated: a parser's error recovery decides what is code.
        assert!(narrows(rule, "s = 'a\nd.get(k)'\n"));
        // Nested same quotes (3.12): older grammars read it otherwise.
        assert!(narrows(rule, "s = f\"{x[\"d.get(k)\"]}\"\n"));
    }

    #[test]
    fn a_string_capture_needs_its_word_in_a_string() {
        let rule = "  query: |\n    ((string) @DOC (#match? @DOC \"SystemExit\"))";
        let code_only = "try:\n    f()\nexcept SystemExit:  # SystemExit\n    pass\n";
        assert!(!narrows(rule, code_only));
        assert!(narrows(rule, "def f():\n    '''Raises SystemExits.'''\n"));
        assert!(narrows(rule, "x = f'{SystemExit}'\n"));
    }

    #[test]
    fn a_docstring_capture_needs_its_word_in_a_statement_string() {
        let rule = "  query: |\n    (function_definition\n      body: (block . (expression_statement (string) @DOC))\n      (#match? @DOC \"SystemExit\"))";
        assert!(!narrows(rule, "topics = {'exit': 'raises SystemExit'}\n"));
        assert!(!narrows(rule, "def f():\n    return 'SystemExit'\n"));
        assert!(narrows(rule, "def f():\n    '''Raises SystemExit.'''\n"));
        assert!(narrows(rule, "def f(): 'SystemExit'\n"));
    }

    #[test]
    fn an_empty_call_has_nothing_between_its_brackets() {
        let rule = "  pattern: $V = logging.getLogger()";
        assert!(narrows(rule, "root = logging.getLogger()\n"));
        assert!(narrows(rule, "root = logging.getLogger (  # root\n)\n"));
        assert!(!narrows(rule, "log = logging.getLogger(__name__)\n"));
        // The raw bytes hold `getLogger()`, the code does not.
        assert!(!narrows(
            rule,
            "log = logging.getLogger('a')  # not getLogger()\n"
        ));
    }

    #[test]
    fn a_declared_flag_needs_a_string_naming_one() {
        let rule = "  pattern: getattr($A, $NAME, $D)\n  where:\n    NAME: {declared-flag: true}";
        let declared = "p.add_argument('--dry-run')\n";
        assert!(narrows(
            rule,
            &format!("{declared}getattr(a, 'dry_run', 0)\n")
        ));
        assert!(!narrows(
            rule,
            &format!("{declared}getattr(a, 'size', 0)\n")
        ));
        assert!(!narrows(rule, "getattr(a, 'dry_run', 0)\n"));
    }

    #[test]
    fn a_pattern_string_must_be_in_a_string() {
        let rule = "  pattern: $P.add_argument(\"--no-validation\", $$$ARGS)";
        assert!(narrows(rule, "p.add_argument(\"--no-validation\")\n"));
        assert!(!narrows(rule, "p.add_argument(\"--other\")\n"));
        assert!(!narrows(
            rule,
            "p.add_argument(\"--x\")  # \"--no-validation\"\n"
        ));
    }
}
