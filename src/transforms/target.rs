//! The oldest Python a project must run on: from the `target-python`
//! setting, else the lower bound of `requires-python` in `pyproject.toml`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PythonVersion {
    pub major: u32,
    pub minor: u32,
}

impl PythonVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        PythonVersion { major, minor }
    }

    /// `"3.10"`, `"3.10.2"` (the patch level does not matter here).
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.trim().parse().ok()?;
        let minor = parts.next().map_or(Some(0), |m| m.trim().parse().ok())?;
        Some(PythonVersion { major, minor })
    }

    /// The lowest version a `requires-python` specifier admits: the
    /// greatest of its lower bounds (`>=`, `~=`, `==`, `>`); `None` when it
    /// has none (`<4`), so nothing is assumed.
    pub fn lower_bound(specifier: &str) -> Option<Self> {
        specifier
            .split(',')
            .filter_map(|clause| {
                let clause = clause.trim();

                ["~=", ">=", "=="]
                    .iter()
                    .find_map(|op| clause.strip_prefix(op))
                    .map(|v| Self::parse(v.trim_end_matches(".*")))
                    .or_else(|| {
                        let v = clause.strip_prefix('>')?;
                        // `>3.10` admits 3.10.1, so 3.10 is the bound that matters.
                        Some(Self::parse(v))
                    })?
            })
            .max()
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_bounds_of_requires_python() {
        let v = |s| PythonVersion::lower_bound(s);
        assert_eq!(v(">=3.10"), Some(PythonVersion::new(3, 10)));
        assert_eq!(v(">= 3.9, <4"), Some(PythonVersion::new(3, 9)));
        assert_eq!(v("~=3.11.2"), Some(PythonVersion::new(3, 11)));
        assert_eq!(v("==3.12.*"), Some(PythonVersion::new(3, 12)));
        assert_eq!(v(">3.10"), Some(PythonVersion::new(3, 10)));
        assert_eq!(v("<4"), None);
        assert_eq!(v("junk"), None);
    }
}
