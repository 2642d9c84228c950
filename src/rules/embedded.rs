//! Rule files compiled into the binary, so it works with no files beside it.

use super::RuleSource;

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

pub fn sources() -> Vec<RuleSource> {
    EMBEDDED_RULES
        .iter()
        .map(|(name, text)| RuleSource {
            name: (*name).to_string(),
            text: (*text).to_string(),
        })
        .collect()
}
