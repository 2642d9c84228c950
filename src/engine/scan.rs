//! One traversal of a parsed file for all selected rules: pattern rules are
//! dispatched by the kind of their root node, query rules run as a single
//! combined query. Each candidate is then filtered by its rule's capture
//! constraints and relational filters.

use std::cell::{Cell, OnceCell};
use std::sync::OnceLock;

use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Query, QueryCursor, Tree};

use crate::analysis::mapping::{self, GetMethod, Shape};
use crate::analysis::{FileFacts, NameMatcher, Provenance};
use crate::pattern::{Bindings, Captured, Matcher};
use crate::rules::{Rule, RuleMatcher};
use crate::syntax::{self, KindTable};

use super::filters::{constraint_holds, relation_holds};

mod sites;
use sites::TokenSites;

/// Selected rules, indexed for dispatch. Built once per run and shared.
pub struct RuleIndex<'r> {
    pub rules: Vec<&'r Rule>,
    /// (rule, pattern alternative) per canonical node kind.
    by_kind: Vec<Vec<(usize, usize)>>,
    any_kind: Vec<(usize, usize)>,
    /// The query rules' text and the rule of each of its patterns.
    query_source: (String, Vec<usize>),
    /// Compiled once, on first use or by [`RuleIndex::compile_query`]
    /// (which a run calls beside its sweep, off the serial start-up).
    query: OnceLock<Result<Option<CombinedQuery>, String>>,
    pub kinds: KindTable,
}

/// All query rules of the selection compiled into one query.
struct CombinedQuery {
    query: Query,
    /// Rule index for each pattern index of the combined query.
    rule_of_pattern: Vec<usize>,
    /// When every pattern names the kind of the node it starts at, the
    /// query runs only at nodes of those kinds (from the node walk, or at
    /// the root for `module`), instead of walking the tree a second time.
    root_kinds: Option<Vec<u16>>,
}

impl CombinedQuery {
    fn starts_at(&self, kind: u16) -> bool {
        self.root_kinds.as_ref().is_some_and(|k| k.contains(&kind))
    }

    fn module_rooted(&self, kinds: &KindTable) -> bool {
        let module = kinds.id_of_name("module");
        self.root_kinds
            .as_ref()
            .is_some_and(|k| k.iter().all(|kind| Some(*kind) == module))
    }
}

/// The node kind a query pattern starts at, when the pattern names one:
/// `function_definition` in `((function_definition …) @m (#eq? …))`.
fn query_root_kind(pattern: &str) -> Option<&str> {
    let mut rest = pattern;
    loop {
        rest = rest.trim_start();
        if let Some(comment) = rest.strip_prefix(';') {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(inner) = rest.strip_prefix('(') {
            rest = inner;
        } else {
            break;
        }
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let kind = &rest[..end];
    (!kind.is_empty() && kind != "_" && !pattern.trim_start().starts_with('[')).then_some(kind)
}

/// The root kind of every pattern of `query`, if each names one.
fn root_kinds(query: &Query, text: &str, kinds: &KindTable) -> Option<Vec<u16>> {
    (0..query.pattern_count())
        .map(|index| {
            let pattern = &text[query.start_byte_for_pattern(index)..];
            query_root_kind(pattern).and_then(|kind| kinds.id_of_name(kind))
        })
        .collect()
}

/// How the combined query runs in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueryMode {
    /// No query rule applies.
    Skip,
    /// Every pattern starts at `module`: only matches at the root.
    AtRoot,
    /// Every pattern names its root kind: run at those nodes during the walk.
    InWalk,
    /// Some pattern may start anywhere: a query over the whole tree.
    WholeTree,
}

/// A query match as bindings of its capture names, and the node it stands
/// for: the `@match` capture, else the widest capture.
fn query_bindings<'t>(
    found: &tree_sitter::QueryMatch<'_, 't>,
    names: &[&str],
) -> Option<(Node<'t>, Bindings<'t>)> {
    let mut bindings = Bindings::default();
    let mut main: Option<Node<'t>> = None;
    let mut explicit = false;
    for capture in found.captures() {
        let name = names[capture.index as usize];
        let wider = main.is_none_or(|m| capture.node.byte_range().len() > m.byte_range().len());
        if name == "match" || (!explicit && wider) {
            main = Some(capture.node);
            explicit |= name == "match";
        }
        bindings.insert(name, Captured::Node(capture.node));
    }
    let node = main?;
    bindings.insert("MATCH", Captured::Node(node));
    Some((node, bindings))
}

/// What the scan of one file needs besides the tree.
pub struct FileContext<'a> {
    /// Per rule: whether it applies to this file.
    pub applicable: &'a [bool],
    /// The project's config names, for provenance constraints.
    pub config_names: &'a NameMatcher,
    /// The project's settings (rule options, the HelpfulError module).
    pub settings: &'a crate::project::Settings,
    /// The project's configuration schema, for `schema-default` constraints.
    pub schema: Option<&'a crate::config_audit::schema::Schema>,
    /// The `get` methods of the project's classes (from the whole run; the
    /// file's own are found by the scan itself).
    pub get_methods: &'a [GetMethod],
    /// Set when a rule took configuration of unknown type for a mapping: such
    /// a file is decided again once the project's `get` methods are known.
    pub untyped_config: Cell<bool>,
    /// The file is test code that the project does not rewrite: its fixes
    /// are reported instead.
    pub test_code: bool,
    /// Groups withheld because code elsewhere in the project blocks them:
    /// a group changes in every file or in none.
    pub blocked_elsewhere: &'a [BlockedGroup],
}

/// A rule group withheld in the whole project, and the first file whose
/// code blocks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedGroup {
    pub group: String,
    pub file: String,
}

/// Per-file state of one scan: the matcher and, computed only when a rule
/// asks, the file's provenance facts.
pub(super) struct ScanState<'s, 'a> {
    pub(super) matcher: Matcher<'s>,
    tree: &'s Tree,
    pub(super) context: &'s FileContext<'a>,
    facts: OnceCell<FileFacts<'s>>,
    exits: OnceCell<crate::analysis::exits::ModuleExits>,
    /// Why a config receiver of unknown type may not be a mapping, if anything does.
    doubt: OnceCell<Option<String>>,
}

impl<'s> ScanState<'s, '_> {
    pub(super) fn module_exits(&self) -> &crate::analysis::exits::ModuleExits {
        self.exits.get_or_init(|| {
            crate::analysis::exits::ModuleExits::new(self.tree.root_node(), self.matcher.source)
        })
    }

    /// The provenance of `node`, where configuration nothing shows to be a
    /// mapping becomes [`Provenance::UntypedConfig`] when a `get` of another
    /// kind is in reach (its reason bound as `$NOT_A_DICT`).
    pub(super) fn provenance_of<'t>(
        &self,
        node: Node<'t>,
        bindings: &mut Bindings<'t>,
    ) -> Option<Provenance> {
        let found = self.facts().provenance_of(node)?;
        if found != Provenance::Config || self.facts().shape_of(node) != Shape::Unknown {
            return Some(found);
        }
        self.context.untyped_config.set(true);
        match self.doubt() {
            Some(doubt) => {
                bindings.insert("NOT_A_DICT", Captured::Text(doubt.clone()));
                Some(Provenance::UntypedConfig)
            }
            None => Some(found),
        }
    }

    fn doubt(&self) -> Option<&String> {
        self.doubt
            .get_or_init(|| {
                let source = self.matcher.source;
                let mut methods = mapping::get_methods_in(source, "this file");
                methods.extend(self.context.get_methods.iter().cloned());
                if !methods.is_empty() {
                    let shown: Vec<String> = methods
                        .iter()
                        .take(3)
                        .map(|m| format!("`{}.get` at {}", m.class, m.at))
                        .collect();
                    let more = methods.len().saturating_sub(3);
                    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                    return Some(format!(
                        "the project defines `get` methods that are not a dict's ({}{more})",
                        shown.join(", ")
                    ));
                }
                mapping::uses_configparser(source).then(|| {
                    "this file uses configparser, whose `get(section, option)` reads an option, not a key".to_string()
                })
            })
            .as_ref()
    }

    pub(super) fn facts(&self) -> &FileFacts<'s> {
        self.facts.get_or_init(|| {
            FileFacts::analyze(
                self.tree,
                self.matcher.source,
                self.context.config_names,
                self.matcher.kinds,
            )
        })
    }
}

/// A rule matched at a node.
pub struct Hit<'t> {
    pub rule: usize,
    pub node: Node<'t>,
    pub bindings: Bindings<'t>,
}

impl<'r> RuleIndex<'r> {
    pub fn new(rules: Vec<&'r Rule>) -> Result<Self, String> {
        let index = Self::deferred(rules);
        index.compile_query()?;
        Ok(index)
    }

    /// [`Self::new`] without compiling the combined query: call
    /// [`Self::compile_query`] before matching to learn its error.
    pub fn deferred(rules: Vec<&'r Rule>) -> Self {
        let kinds = KindTable::new();
        let mut by_kind = vec![Vec::new(); kinds.len()];
        let mut any_kind = Vec::new();
        let mut query_source = String::new();
        let mut query_rules = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            match &rule.matcher {
                RuleMatcher::Patterns(patterns) => {
                    for (alternative, pattern) in patterns.iter().enumerate() {
                        match pattern.root_kind() {
                            Some(kind) => by_kind[kind as usize].push((index, alternative)),
                            None => any_kind.push((index, alternative)),
                        }
                    }
                }
                // Transforms do not match nodes; the run calls them.
                RuleMatcher::Transform(_) => {}
                RuleMatcher::Query(source) => {
                    query_rules.extend(std::iter::repeat_n(index, source.pattern_count));
                    query_source.push_str(&source.text);
                    query_source.push('\n');
                }
            }
        }
        RuleIndex {
            rules,
            by_kind,
            any_kind,
            query_source: (query_source, query_rules),
            query: OnceLock::new(),
            kinds,
        }
    }

    /// Compiles the query rules into one query (once).
    pub fn compile_query(&self) -> Result<(), String> {
        match self.query.get_or_init(|| self.combine_queries()) {
            Ok(_) => Ok(()),
            Err(message) => Err(message.clone()),
        }
    }

    fn combine_queries(&self) -> Result<Option<CombinedQuery>, String> {
        let (source, rules) = &self.query_source;
        if rules.is_empty() {
            return Ok(None);
        }
        let query = Query::new(&syntax::python(), source).map_err(|e| e.message)?;
        let root_kinds = root_kinds(&query, source, &self.kinds);
        Ok(Some(CombinedQuery {
            query,
            rule_of_pattern: rules.clone(),
            root_kinds,
        }))
    }

    /// The combined query, if any query rule is selected (and it compiles:
    /// its error is the caller's of [`Self::compile_query`]).
    fn query(&self) -> Option<&CombinedQuery> {
        let compiled = self.query.get_or_init(|| self.combine_queries());
        compiled.as_ref().ok().and_then(Option::as_ref)
    }

    /// Whether a grouped rule has a provenance constraint: which groups a
    /// file has fixes of may then depend on the `get` methods known
    /// elsewhere in its project.
    pub fn groups_read_provenance(&self) -> bool {
        self.rules
            .iter()
            .filter(|rule| rule.group.is_some())
            .flat_map(|rule| {
                let relations = rule.relations.iter().flat_map(|r| &r.constraints);
                rule.constraints.iter().chain(relations)
            })
            .any(|constraint| !constraint.provenance.is_empty())
    }

    /// Every hit in the tree for the rules marked applicable, in source order.
    pub fn scan<'t>(&self, tree: &'t Tree, source: &str, context: &FileContext) -> Vec<Hit<'t>> {
        let state = ScanState {
            matcher: Matcher::new(source, &self.kinds),
            tree,
            context,
            facts: OnceCell::new(),
            exits: OnceCell::new(),
            doubt: OnceCell::new(),
        };
        let mut hits = Vec::new();
        let mut queries = QueryCursor::new();
        let mode = self.query_mode(context.applicable);
        if self.any_pattern_rule_applies(context.applicable) || mode == QueryMode::InWalk {
            let in_walk = (mode == QueryMode::InWalk).then_some(&mut queries);
            self.walk(tree, &state, in_walk, &mut hits);
        }
        if matches!(mode, QueryMode::AtRoot | QueryMode::WholeTree) {
            let at_root = mode == QueryMode::AtRoot;
            self.run_query(tree.root_node(), at_root, &mut queries, &state, &mut hits);
        }
        hits.sort_by_key(|hit| {
            (
                hit.node.start_byte(),
                std::cmp::Reverse(hit.node.end_byte()),
                hit.rule,
            )
        });
        hits
    }

    /// Whether this file needs the node walk at all (query-only runs do not).
    fn any_pattern_rule_applies(&self, applicable: &[bool]) -> bool {
        self.rules
            .iter()
            .zip(applicable)
            .any(|(rule, on)| *on && matches!(rule.matcher, RuleMatcher::Patterns(_)))
    }

    /// How the combined query runs in this file.
    fn query_mode(&self, applicable: &[bool]) -> QueryMode {
        let Some(combined) = self.query() else {
            return QueryMode::Skip;
        };
        // The prefilter often rules every query rule out.
        if !combined
            .rule_of_pattern
            .iter()
            .any(|rule| applicable[*rule])
        {
            QueryMode::Skip
        } else if combined.module_rooted(&self.kinds) {
            QueryMode::AtRoot
        } else if combined.root_kinds.is_some() {
            QueryMode::InWalk
        } else {
            QueryMode::WholeTree
        }
    }

    /// One walk over every node, dispatching each to the pattern rules whose
    /// root has its kind and, given a cursor, to the query patterns that
    /// start at that kind.
    fn walk<'t>(
        &self,
        tree: &'t Tree,
        state: &ScanState,
        mut queries: Option<&mut QueryCursor>,
        hits: &mut Vec<Hit<'t>>,
    ) {
        let has_errors = tree.root_node().has_error();
        // Queries in the walk may start anywhere their kind is.
        let sites = match queries.is_some() {
            true => None,
            false => self.token_sites(state),
        };
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            let may_match = sites.as_ref().is_none_or(|s| s.within(node));
            if may_match {
                self.scan_node(node, state, has_errors, hits);
                if let Some(queries) = queries.as_deref_mut()
                    && self
                        .query()
                        .is_some_and(|q| q.starts_at(self.kinds.of(node)))
                {
                    self.run_query(node, true, queries, state, hits);
                }
                if cursor.goto_first_child() {
                    continue;
                }
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return;
                }
            }
        }
    }

    /// Where the applicable pattern rules may match (see [`TokenSites`]).
    fn token_sites(&self, state: &ScanState) -> Option<TokenSites> {
        let patterns = self
            .rules
            .iter()
            .zip(state.context.applicable)
            .filter(|(_, on)| **on)
            .filter_map(|(rule, _)| match &rule.matcher {
                RuleMatcher::Patterns(patterns) => Some(patterns),
                _ => None,
            })
            .flatten();
        TokenSites::find(patterns, state.matcher.source)
    }

    fn scan_node<'t>(
        &self,
        node: Node<'t>,
        state: &ScanState,
        has_errors: bool,
        hits: &mut Vec<Hit<'t>>,
    ) {
        let applicable = state.context.applicable;
        let by_kind = self
            .by_kind
            .get(self.kinds.of(node) as usize)
            .map_or(&[][..], Vec::as_slice);
        let any = if node.is_named() {
            self.any_kind.as_slice()
        } else {
            &[]
        };
        for &(index, alternative) in by_kind.iter().chain(any) {
            if !applicable[index] || (has_errors && syntax::in_error_region(node)) {
                continue;
            }
            let RuleMatcher::Patterns(patterns) = &self.rules[index].matcher else {
                continue;
            };
            let pattern = &patterns[alternative];
            let Some(mut bindings) = state.matcher.match_at(pattern, node) else {
                continue;
            };
            bindings.insert("MATCH", Captured::Node(node));
            if self.accept(self.rules[index], node, &mut bindings, state) {
                hits.push(Hit {
                    rule: index,
                    node,
                    bindings,
                });
            }
        }
    }

    /// Runs the combined query over `node`'s subtree, or with `only_here`
    /// just the matches that start at `node`.
    fn run_query<'t>(
        &self,
        node: Node<'t>,
        only_here: bool,
        cursor: &mut QueryCursor,
        state: &ScanState,
        hits: &mut Vec<Hit<'t>>,
    ) {
        let Some(combined) = self.query() else {
            return;
        };
        let applicable = state.context.applicable;
        cursor.set_max_start_depth(only_here.then_some(0));
        let mut matches = cursor.matches(&combined.query, node, state.matcher.source.as_bytes());
        while let Some(found) = matches.next() {
            let index = combined.rule_of_pattern[found.pattern_index];
            if !applicable[index] {
                continue;
            }
            let names = combined.query.capture_names();
            let Some((node, mut bindings)) = query_bindings(found, names) else {
                continue;
            };
            let in_error = state.tree.root_node().has_error() && syntax::in_error_region(node);
            if !in_error && self.accept(self.rules[index], node, &mut bindings, state) {
                hits.push(Hit {
                    rule: index,
                    node,
                    bindings,
                });
            }
        }
    }

    /// Constraints on names the pattern bound, then relational filters, then
    /// constraints on names the relations bound.
    fn accept<'t>(
        &self,
        rule: &Rule,
        node: Node<'t>,
        bindings: &mut Bindings<'t>,
        state: &ScanState,
    ) -> bool {
        let (early, late): (Vec<_>, Vec<_>) = rule
            .constraints
            .iter()
            .partition(|c| bindings.get(&c.name).is_some());
        early.iter().all(|c| constraint_holds(c, bindings, state))
            && rule
                .relations
                .iter()
                .all(|r| relation_holds(r, node, bindings, state))
            && late.iter().all(|c| constraint_holds(c, bindings, state))
    }
}

#[cfg(test)]
mod tests;
