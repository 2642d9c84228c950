//! `rules list`, `rules show` and `rules test`.

use crate::cli::RulesCommand;
use crate::commands::{Exit, load_rules, report_rule_errors};
use crate::rules::{Rule, RuleSet, selftest};

pub fn execute(command: &RulesCommand) -> Exit {
    let dirs = match command {
        RulesCommand::List { sources, .. }
        | RulesCommand::Show { sources, .. }
        | RulesCommand::Test { sources, .. } => &sources.rule_dirs,
    };
    let set = match load_rules(dirs) {
        Ok(set) => set,
        Err(errors) => return report_rule_errors(errors),
    };
    match command {
        RulesCommand::List { phase, .. } => list(&set, *phase),
        RulesCommand::Show { id, .. } => show(&set, id),
        RulesCommand::Test { rule_ids, .. } => test(&set, rule_ids),
    }
}

fn list(set: &RuleSet, phase: Option<u8>) -> Exit {
    let text: String = set
        .rules
        .iter()
        .filter(|r| phase.is_none_or(|p| r.phase == p))
        .map(|rule| {
            let kind = match (rule.transform(), rule.is_fixable()) {
                (Some(_), _) => "transform",
                (None, true) => "fix",
                (None, false) => "report",
            };
            format!(
                "phase {}  {:<40} {:<6} {:<7} breaking:{:<6} {}\n",
                rule.phase,
                rule.id,
                kind,
                rule.severity.as_str(),
                rule.breaking.as_str(),
                rule.title
            )
        })
        .collect();
    super::write_stdout(&text).err().unwrap_or(Exit::Clean)
}

fn show(set: &RuleSet, id: &str) -> Exit {
    match set.get(id) {
        Some(rule) => {
            println!("# {} ({})\n{}", rule.id, rule.origin, rule.yaml);
            if let Some(text) = transform_help(rule) {
                print!("{text}");
            }
            Exit::Clean
        }
        None => {
            eprintln!("error: no rule `{id}` (see `txo-codemod rules list`)");
            Exit::Error
        }
    }
}

/// For a transform rule: what the transform does and its options (as
/// resolved, with the allowed values).
fn transform_help(rule: &Rule) -> Option<String> {
    let call = rule.transform()?;
    let transform = crate::transforms::find(&call.name)?;
    let mut text = format!("\n# transform `{}`: {}\n", call.name, transform.summary());
    for spec in transform.options() {
        let allowed = if spec.values.is_empty() {
            "any text".to_string()
        } else {
            spec.values.join("|")
        };
        let value = call
            .options
            .get(spec.name)
            .map_or(spec.default, String::as_str);
        text.push_str(&format!(
            "#   {} = {value:?} ({allowed}; default {:?}): {}\n",
            spec.name, spec.default, spec.help
        ));
    }
    Some(text)
}

/// Runs the selected rules' own test cases (all rules if none are named).
fn test(set: &RuleSet, rule_ids: &[String]) -> Exit {
    if let Some(unknown) = rule_ids.iter().find(|id| set.get(id).is_none()) {
        eprintln!("error: no rule `{unknown}` (see `txo-codemod rules list`)");
        return Exit::Error;
    }
    let selected: Vec<_> = set
        .rules
        .iter()
        .filter(|r| rule_ids.is_empty() || rule_ids.contains(&r.id))
        .collect();
    let failed = selected
        .iter()
        .filter(|rule| !print_rule_test(rule))
        .count();
    println!("{} passed, {} failed", selected.len() - failed, failed);
    if failed > 0 {
        Exit::Attention
    } else {
        Exit::Clean
    }
}

/// Prints one rule's test result; whether it passed.
fn print_rule_test(rule: &Rule) -> bool {
    let report = selftest::test_rule(rule);
    if report.passed() {
        println!("ok    {} ({} cases)", report.rule, report.cases);
    } else {
        println!("FAIL  {} ({})", report.rule, rule.origin);
        for failure in &report.failures {
            println!("      {failure}");
        }
    }
    report.passed()
}
