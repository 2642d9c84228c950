//! The few git operations the migration needs, through the `git` command
//! (what users have installed, with their configuration).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("git {command} failed: {message}")]
pub struct GitError {
    pub command: String,
    pub message: String,
}

/// A git work tree.
#[derive(Debug, Clone)]
pub struct Repo {
    pub root: PathBuf,
}

fn run(dir: &Path, args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, GitError> {
    let error = |message: String| GitError {
        command: args.join(" "),
        message,
    };
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| error(format!("cannot run git: {e}")))?;
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(bytes).map_err(|e| error(e.to_string()))?;
    }
    let output = child.wait_with_output().map_err(|e| error(e.to_string()))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(error(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ))
    }
}

fn run_text(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    run(dir, args, None).map(|out| String::from_utf8_lossy(&out).trim().to_string())
}

/// Whether a `git` command can be run at all (it may be missing from PATH).
pub fn available() -> bool {
    Command::new("git")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// When `path` (or a directory above it) has a `.git` that git cannot use
/// (unreadable, corrupt, a `gitdir:` that leads nowhere): which one, and
/// git's own words, so that it is not mistaken for "no repository".
pub fn broken_repository(path: &Path) -> Option<String> {
    let absolute = path.canonicalize().ok()?;
    let dir = if absolute.is_dir() {
        absolute.as_path()
    } else {
        absolute.parent()?
    };
    let marker = dir
        .ancestors()
        .map(|d| d.join(".git"))
        .find(|git| git.exists() || git.is_symlink())?;
    let error = run_text(dir, &["rev-parse", "--show-toplevel"]).err()?;
    Some(format!("{}: {}", marker.display(), error.message.trim()))
}

impl Repo {
    /// The repository containing `path`, if it is inside a git work tree.
    pub fn discover(path: &Path) -> Option<Repo> {
        let dir = if path.is_dir() {
            path
        } else {
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
        };
        let root = run_text(dir, &["rev-parse", "--show-toplevel"]).ok()?;
        Some(Repo {
            root: PathBuf::from(root),
        })
    }

    fn git(&self, args: &[&str]) -> Result<String, GitError> {
        run_text(&self.root, args)
    }

    /// `path` relative to the work tree root, as git names it.
    pub fn relative(&self, path: &Path) -> String {
        let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        crate::source::display_path(absolute.strip_prefix(&root).unwrap_or(&absolute))
    }

    /// Files among `paths` (relative to the root) with uncommitted changes.
    pub fn dirty(&self, paths: &[String]) -> Result<Vec<String>, GitError> {
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let mut args = vec!["status", "--porcelain", "-z", "--untracked-files=all", "--"];
        args.extend(paths.iter().map(String::as_str));
        // With -z, entries are `XY path` ended by NUL, names unquoted; a
        // rename is followed by its old name, which is not a dirty file here.
        let output = run(&self.root, &args, None)?;
        let text = String::from_utf8_lossy(&output);
        let mut dirty = Vec::new();
        let mut entries = text.split('\0').filter(|e| !e.is_empty());
        while let Some(entry) = entries.next() {
            if entry.get(..2).is_some_and(|xy| xy.contains(['R', 'C'])) {
                entries.next();
            }
            dirty.extend(entry.get(3..).map(str::to_string));
        }
        Ok(dirty)
    }

    /// The commit HEAD points at, if there is one.
    pub fn head(&self) -> Option<String> {
        self.git(&["rev-parse", "--verify", "-q", "HEAD"])
            .ok()
            .filter(|s| !s.is_empty())
    }

    /// The commit a tag points at, if the tag exists.
    pub fn tag_target(&self, tag: &str) -> Option<String> {
        self.git(&[
            "rev-parse",
            "--verify",
            "-q",
            &format!("refs/tags/{tag}^{{commit}}"),
        ])
        .ok()
        .filter(|s| !s.is_empty())
    }

    /// Whether `name` also means something else to git than a tag (HEAD, a
    /// branch, a remote branch), so `git checkout NAME` would be ambiguous.
    pub fn names_other_ref(&self, name: &str) -> bool {
        name.ends_with("HEAD")
            || ["refs/heads/", "refs/remotes/"].iter().any(|space| {
                self.git(&["rev-parse", "--verify", "-q", &format!("{space}{name}")])
                    .is_ok()
            })
    }

    pub fn create_tag(&self, tag: &str, commit: &str, force: bool) -> Result<(), GitError> {
        let mut args = vec!["tag"];
        if force {
            args.push("-f");
        }
        args.extend([tag, commit]);
        self.git(&args).map(|_| ())
    }

    /// Stores exact bytes in the object database (no filters, so CRLF and
    /// BOMs survive) and returns the blob id.
    pub fn store_blob(&self, bytes: &[u8]) -> Result<String, GitError> {
        run(
            &self.root,
            &["hash-object", "-w", "--no-filters", "--stdin"],
            Some(bytes),
        )
        .map(|out| String::from_utf8_lossy(&out).trim().to_string())
    }

    /// Keeps `blobs` reachable from `refname` (a tree holding them), so that
    /// `git gc` never prunes the saved pre-phase bytes.
    pub fn keep_blobs(&self, refname: &str, blobs: &[String]) -> Result<(), GitError> {
        let listing: String = blobs
            .iter()
            .enumerate()
            .map(|(index, id)| format!("100644 blob {id}\t{index}\n"))
            .collect();
        let tree = run(&self.root, &["mktree"], Some(listing.as_bytes()))?;
        let tree = String::from_utf8_lossy(&tree).trim().to_string();
        self.git(&["update-ref", refname, &tree]).map(|_| ())
    }

    /// Removes a ref made by `keep_blobs`; a missing ref is not an error.
    pub fn drop_ref(&self, refname: &str) -> Result<(), GitError> {
        if self.git(&["rev-parse", "--verify", "-q", refname]).is_err() {
            return Ok(());
        }
        self.git(&["update-ref", "-d", refname]).map(|_| ())
    }

    pub fn read_blob(&self, id: &str) -> Result<Vec<u8>, GitError> {
        run(&self.root, &["cat-file", "blob", id], None)
    }

    /// The bytes of `path` at `revision` (exactly as committed).
    pub fn read_at(&self, revision: &str, path: &str) -> Result<Vec<u8>, GitError> {
        run(
            &self.root,
            &["cat-file", "blob", &format!("{revision}:{path}")],
            None,
        )
    }

    /// Commits exactly `paths` with `message`; returns the new commit id.
    pub fn commit(&self, paths: &[String], message: &str) -> Result<String, GitError> {
        let mut add = vec!["add", "--"];
        add.extend(paths.iter().map(String::as_str));
        self.git(&add)?;
        let mut commit = vec!["commit", "-q", "-m", message, "--"];
        commit.extend(paths.iter().map(String::as_str));
        self.git(&commit)?;
        self.head().ok_or_else(|| GitError {
            command: "commit".into(),
            message: "no HEAD after commit".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_with_commit() -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        for args in [
            &["init", "-q"][..],
            &["config", "user.email", "t@example.com"],
            &["config", "user.name", "T"],
        ] {
            run(dir.path(), args, None).unwrap();
        }
        std::fs::write(dir.path().join("a.py"), "x = 1\r\n").unwrap();
        run(dir.path(), &["add", "a.py"], None).unwrap();
        run(dir.path(), &["commit", "-q", "-m", "init"], None).unwrap();
        let repo = Repo::discover(dir.path()).unwrap();
        (dir, repo)
    }

    #[test]
    fn tags_blobs_and_dirty_files() {
        let (dir, repo) = repo_with_commit();
        let head = repo.head().unwrap();
        assert!(repo.tag_target("pre").is_none());
        repo.create_tag("pre", &head, false).unwrap();
        assert_eq!(repo.tag_target("pre").as_deref(), Some(head.as_str()));
        let blob = repo.store_blob(b"\xef\xbb\xbfy = 2\r\n").unwrap();
        assert_eq!(repo.read_blob(&blob).unwrap(), b"\xef\xbb\xbfy = 2\r\n");
        assert!(repo.dirty(&["a.py".into()]).unwrap().is_empty());
        std::fs::write(dir.path().join("a.py"), "x = 2\n").unwrap();
        assert_eq!(repo.dirty(&["a.py".into()]).unwrap(), ["a.py"]);
        assert_eq!(repo.read_at("pre", "a.py").unwrap(), b"x = 1\r\n");
        let odd = "tab\tand \"quote\" ü.py";
        std::fs::write(dir.path().join(odd), "x\n").unwrap();
        assert_eq!(repo.dirty(&[odd.to_string()]).unwrap(), [odd]);
    }
}
