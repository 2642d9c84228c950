//! `rules list`, `rules show` and `rules test`.

use crate::cli::RulesCommand;
use crate::commands::{Exit, load_rules, report_rule_errors};
use crate::rules::selftest;

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
        RulesCommand::List { phase, .. } => {
            for rule in set
                .rules
                .iter()
                .filter(|r| phase.is_none_or(|p| r.phase == p))
            {
                let kind = if rule.is_fixable() { "fix" } else { "report" };
                println!(
                    "phase {}  {:<40} {:<6} {:<7} breaking:{:<6} {}",
                    rule.phase,
                    rule.id,
                    kind,
                    rule.severity.as_str(),
                    rule.breaking.as_str(),
                    rule.title
                );
            }
            Exit::Clean
        }
        RulesCommand::Show { id, .. } => match set.get(id) {
            Some(rule) => {
                println!("# {} ({})\n{}", rule.id, rule.origin, rule.yaml);
                Exit::Clean
            }
            None => {
                eprintln!("error: no rule `{id}` (see `txo-codemod rules list`)");
                Exit::Error
            }
        },
        RulesCommand::Test { rule_ids, .. } => {
            if let Some(unknown) = rule_ids.iter().find(|id| set.get(id).is_none()) {
                eprintln!("error: no rule `{unknown}` (see `txo-codemod rules list`)");
                return Exit::Error;
            }
            let selected: Vec<_> = set
                .rules
                .iter()
                .filter(|r| rule_ids.is_empty() || rule_ids.contains(&r.id))
                .collect();
            let mut failed = 0;
            for rule in &selected {
                let report = selftest::test_rule(rule);
                if report.passed() {
                    println!("ok    {} ({} cases)", report.rule, report.cases);
                } else {
                    failed += 1;
                    println!("FAIL  {} ({})", report.rule, rule.origin);
                    for failure in &report.failures {
                        println!("      {failure}");
                    }
                }
            }
            println!("{} passed, {} failed", selected.len() - failed, failed);
            if failed > 0 {
                Exit::Attention
            } else {
                Exit::Clean
            }
        }
    }
}
