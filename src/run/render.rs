//! Edited files shown as soon as their result is final (`diff`'s text
//! output): the caller's rendering replaces the file's two texts, so a run
//! over many edited files holds only what it will print.

use super::Outcome;
use crate::project::Project;
use crate::source::SourceText;

/// Renders one edited file: its header path (from the repository root in a
/// one-project run, see [`header_path`]), its original text, its new text.
pub type RenderEdits = dyn Fn(&str, &SourceText, &str) -> String + Sync;

/// What a file's header path starts with: in a run of one project, where
/// the project sits in its git work tree (so `git apply` works there);
/// else nothing.
pub fn header_prefix(projects: &[Project]) -> String {
    match projects {
        [project] => crate::project::repository_prefix(project),
        _ => String::new(),
    }
}

/// The outcome with an edited file's texts replaced by their rendering;
/// any other outcome as it is.
pub(super) fn rendered(render: &RenderEdits, header: &str, outcome: Outcome) -> Outcome {
    let Outcome::Processed(mut processed) = outcome else {
        return outcome;
    };
    let text = match (&processed.source, &processed.new_text) {
        (Some(old), Some(new)) => render(header, old, new),
        _ => return Outcome::Processed(processed),
    };
    processed.rendered = Some(text);
    processed.source = None;
    processed.new_text = None;
    Outcome::Processed(processed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Processed;

    fn processed(source: Option<&str>, new_text: Option<&str>) -> Outcome {
        Outcome::Processed(Box::new(Processed {
            source: source.map(|s| SourceText::decode(s.as_bytes().to_vec()).unwrap()),
            edits: Vec::new(),
            new_text: new_text.map(str::to_string),
            rendered: None,
            findings: Vec::new(),
            warnings: Vec::new(),
        }))
    }

    fn show(header: &str, source: &SourceText, new_text: &str) -> String {
        format!("{header}: {} -> {new_text}", source.text)
    }

    #[test]
    fn an_edited_file_keeps_its_rendering_in_place_of_its_texts() {
        let outcome = rendered(&show, "pkg/a.py", processed(Some("x\n"), Some("y\n")));
        let Outcome::Processed(p) = outcome else {
            panic!("still processed");
        };
        assert_eq!(p.rendered.as_deref(), Some("pkg/a.py: x\n -> y\n"));
        assert!(p.source.is_none() && p.new_text.is_none());
    }

    #[test]
    fn a_file_without_both_texts_is_left_as_it_is() {
        let outcome = rendered(&show, "a.py", processed(None, None));
        let Outcome::Processed(p) = outcome else {
            panic!("still processed");
        };
        assert!(p.rendered.is_none());
        let outcome = rendered(&show, "a.py", Outcome::Skipped);
        assert!(matches!(outcome, Outcome::Skipped));
    }
}
