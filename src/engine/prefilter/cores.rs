//! Words that several tokens' literals contain: the quoted spellings of
//! a flag (`'no_validation'`, `r"no_validation"`, ...) each took a pass
//! over every file; one pass for `no_validation` now rules them all out
//! where it is absent (a literal cannot occur without its every part).

use memchr::memmem::Finder;

use super::token::Token;

/// The shortest word worth a pass of its own.
const MIN_CORE: usize = 4;

pub(super) struct Cores {
    finders: Vec<Finder<'static>>,
    /// Per token: the index of its core, if it has one.
    of_token: Vec<Option<usize>>,
}

/// Per file: which cores were searched and found.
pub(super) struct CoresInText {
    found: Vec<Option<bool>>,
}

impl Cores {
    pub(super) fn new(tokens: &[Token]) -> Self {
        let words: Vec<Option<&[u8]>> = tokens.iter().map(|t| core(t.finder.needle())).collect();
        let shared = |word: &[u8]| words.iter().flatten().filter(|w| **w == word).count() > 1;
        let mut finders: Vec<Finder<'static>> = Vec::new();
        let of_token = words
            .iter()
            .map(|word| {
                let word = (*word).filter(|w| shared(w))?;
                let at = finders.iter().position(|f| f.needle() == word);
                Some(at.unwrap_or_else(|| {
                    finders.push(Finder::new(word).into_owned());
                    finders.len() - 1
                }))
            })
            .collect();
        Cores { finders, of_token }
    }

    pub(super) fn for_text(&self) -> CoresInText {
        CoresInText {
            found: vec![None; self.finders.len()],
        }
    }
}

impl CoresInText {
    /// False only where token `index`'s literal cannot occur in `text`.
    pub(super) fn may_hold(&mut self, cores: &Cores, index: usize, text: &[u8]) -> bool {
        cores.of_token[index].is_none_or(|core| {
            *self.found[core].get_or_insert_with(|| cores.finders[core].find(text).is_some())
        })
    }
}

/// The longest run of identifier bytes in `literal`, when it is at least
/// [`MIN_CORE`] long and not the whole literal.
fn core(literal: &[u8]) -> Option<&[u8]> {
    let word = literal
        .split(|byte| !(byte.is_ascii_alphanumeric() || *byte == b'_'))
        .max_by_key(|word| word.len())?;
    (word.len() >= MIN_CORE && word.len() < literal.len()).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_spellings_share_their_word() {
        assert_eq!(core(b"r'no_validation\""), Some(&b"no_validation"[..]));
        assert_eq!(core(b"no_validation"), None);
        assert_eq!(core(b"R\"_"), None);
        let tokens = vec![
            Token::new("'no_validation'", false, false),
            Token::new("r\"no_validation\"", false, false),
            Token::new("self.x", false, false),
        ];
        let cores = Cores::new(&tokens);
        let mut in_text = cores.for_text();
        assert!(!in_text.may_hold(&cores, 0, b"x = 'validation'"));
        assert!(in_text.may_hold(&cores, 2, b"x = 'validation'"));
        let mut in_text = cores.for_text();
        assert!(in_text.may_hold(&cores, 1, b"no_validation = 1"));
    }
}
