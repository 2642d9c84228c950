//! What compiling the embedded rules' queries together learns, written
//! down: that compile cost a third of a `diff`'s start-up, and embedded
//! rules cannot change after the build. A query is known by its text's
//! SHA-256; one not listed (a user's, or an embedded query edited since)
//! is compiled as before. The test below says what to write when the
//! embedded queries change.

use sha2::{Digest, Sha256};

use crate::rules::QuerySource;

/// (SHA-256 of the query text, pattern count, capture names in the order
/// the combined compile gives them).
const KNOWN: &[(&str, usize, &[&str])] = &[
    (
        "85e0b90e5ad232e6e8c3e55623c6600726435d14589dff5cea8afddf617f17fb",
        1,
        &["NAME", "match"],
    ),
    (
        "0044c5f0b6246c0ee66a68baae4db6d515f5bc57c5af7ea0f4f50726f5d585c6",
        1,
        &["NAME", "match"],
    ),
    (
        "ba99d3f3a74d30e06e7998a6056c1d15304ca4dd2c21b366b84993e9ed3a7c15",
        1,
        &["match", "KW", "SWITCH"],
    ),
    (
        "2c20f7a17ba1ebbe1530830298ea4796d028f392bf77b0889bd795d0f1b998f6",
        1,
        &["NAME"],
    ),
    (
        "7d081a8e4086cbd867485a9fea1d4036b943f898231e47e54b4c4d39878e487c",
        1,
        &["match", "DOC"],
    ),
    (
        "c51483b3d3afcf63d0f0190748df16cbc4d08ab65364ee477454c8ca24960bef",
        1,
        &["NAME", "match", "DOC"],
    ),
];

/// The analysis of every text, when all of them are known queries; `None`
/// otherwise (then the batch is compiled as before).
pub(super) fn all_known(texts: &[Option<&str>]) -> Option<Vec<Option<QuerySource>>> {
    texts
        .iter()
        .map(|text| match text {
            Some(text) => known(text).map(Some),
            None => Some(None),
        })
        .collect()
}

fn known(text: &str) -> Option<QuerySource> {
    let digest = hex(&Sha256::digest(text.as_bytes()));
    let (_, pattern_count, names) = KNOWN.iter().find(|(hash, _, _)| *hash == digest)?;
    Some(QuerySource {
        text: text.to_string(),
        pattern_count: *pattern_count,
        capture_names: names.iter().map(|name| name.to_string()).collect(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::embedded;
    use crate::rules::load::embedded_query_texts;
    use crate::rules::queries::analyze_together;

    /// Fails when an embedded query changed: paste the printed table over
    /// `KNOWN`.
    #[test]
    fn the_table_is_what_compiling_the_embedded_queries_learns() {
        let sources = embedded::sources();
        let owned = embedded_query_texts(&sources);
        let texts: Vec<Option<&str>> = owned.iter().map(Option::as_deref).collect();
        let compiled = analyze_together(&texts);
        let mut table = String::new();
        for (text, found) in texts.iter().zip(&compiled) {
            let (Some(text), Some(found)) = (text, found) else {
                assert!(text.is_none(), "an embedded query did not compile together");
                continue;
            };
            table.push_str(&format!(
                "    (\n        {:?},\n        {},\n        &{:?},\n    ),\n",
                hex(&Sha256::digest(text.as_bytes())),
                found.pattern_count,
                found.capture_names
            ));
        }
        let known = all_known(&texts).unwrap_or_else(|| panic!("KNOWN should be:\n{table}"));
        for (known, found) in known.iter().zip(&compiled) {
            let pair = |s: &QuerySource| (s.text.clone(), s.pattern_count, s.capture_names.clone());
            assert_eq!(
                known.as_ref().map(pair),
                found.as_ref().map(pair),
                "KNOWN should be:\n{table}"
            );
        }
    }

    #[test]
    fn a_query_not_listed_is_not_known() {
        assert!(all_known(&[None]).is_some());
        assert!(all_known(&[Some("(call) @match"), None]).is_none());
    }
}
