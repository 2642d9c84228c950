//! The generated code of both forms, as (depth, line) pairs laid out at a
//! method body's indentation. Every name it binds is in
//! `shape::GENERATED_NAMES`; every attribute it adds in
//! `shape::GENERATED_ATTRIBUTES`.

use super::shape::{Body, CacheClass};

/// Lines at `depth` steps below the body's indentation, the first without
/// indentation (it replaces text that starts at the body's first statement).
pub fn lay_out(body: &Body, lines: &[(usize, String)]) -> String {
    let mut out = String::new();
    for (n, (depth, line)) in lines.iter().enumerate() {
        if n > 0 {
            out.push('\n');
            out.push_str(&body.indent);
        }
        out.push_str(&body.step.repeat(*depth));
        out.push_str(line);
    }
    out
}

fn at(depth: usize, line: impl Into<String>) -> (usize, String) {
    (depth, line.into())
}

/// The `while len(C) OP BOUND: close the least recently used` lines.
fn evict(depth: usize, container: &str, (op, bound): &(String, String)) -> Vec<(usize, String)> {
    vec![
        at(depth, format!("while len({container}) {op} {bound}:")),
        at(
            depth + 1,
            format!("_, evicted = {container}.popitem(last=False)"),
        ),
        at(depth + 1, "evicted.close()"),
    ]
}

/// One LRU keyed by (thread, key) under the class's lock.
pub fn lru_getter(
    class: &CacheClass,
    lru: &str,
    lock: &str,
    bound: &(String, String),
) -> Vec<(usize, String)> {
    let getter = &class.getter;
    let key = &getter.key;
    let lru = format!("self.{lru}");
    let mut lines = vec![
        at(0, format!("slot = (threading.current_thread(), {key})")),
        at(0, format!("with self.{lock}:")),
        at(1, format!("if slot in {lru}:")),
        at(2, format!("{lru}.move_to_end(slot)")),
        at(2, format!("return {lru}[slot]")),
        at(1, format!("session = {lru}[slot] = {}", getter.factory)),
    ];
    lines.extend(evict(1, &lru, bound));
    lines.push(at(0, "return session"));
    lines
}

/// Closes the current thread's objects held in the shared LRU.
pub fn lru_closer(lru: &str, lock: &str) -> Vec<(usize, String)> {
    vec![
        at(0, "thread = threading.current_thread()"),
        at(0, format!("with self.{lock}:")),
        at(
            1,
            format!("mine = [slot for slot in self.{lru} if slot[0] is thread]"),
        ),
        at(
            1,
            format!("sessions = [self.{lru}.pop(slot) for slot in mine]"),
        ),
        at(0, "for session in sessions:"),
        at(1, "session.close()"),
    ]
}

/// The plan's form: a `WeakKeyDictionary` keyed by the current thread; a
/// thread's objects are closed once its `Thread` object is gone, and
/// (with a bound) the least recently used beyond it.
pub fn plan_getter(class: &CacheClass, lock: &str) -> Vec<(usize, String)> {
    let getter = &class.getter;
    let key = &getter.key;
    let container = match (&class.lru, &getter.bound) {
        (Some(lru), Some(_)) => format!("{}()", lru.callee),
        _ => "{}".to_string(),
    };
    let mut lines = vec![
        at(0, "thread = threading.current_thread()"),
        at(0, format!("with self.{lock}:")),
        at(1, "sessions = self._thread_sessions.get(thread)"),
        at(1, "if sessions is None:"),
        at(
            2,
            format!("sessions = self._thread_sessions[thread] = {container}"),
        ),
        at(
            2,
            "weakref.finalize(thread, self._close_sessions, sessions)",
        ),
        at(0, format!("if {key} in sessions:")),
    ];
    if getter.bound.is_some() {
        lines.push(at(1, format!("sessions.move_to_end({key})")));
    }
    lines.push(at(1, format!("return sessions[{key}]")));
    lines.push(at(
        0,
        format!("session = sessions[{key}] = {}", getter.factory),
    ));
    if let Some(bound) = &getter.bound {
        lines.extend(evict(0, "sessions", bound));
    }
    lines.push(at(0, "return session"));
    lines
}

/// The helper the finalizer calls (static: it must not keep the instance
/// alive), placed after the getter.
pub fn plan_helper(class: &CacheClass, newline: &str) -> String {
    let m = &class.getter.method_indent;
    let b = format!("{m}{}", class.getter.body.step);
    [
        String::new(),
        String::new(),
        format!("{m}@staticmethod"),
        format!("{m}def _close_sessions(sessions):"),
        format!(
            "{b}\"\"\"Closes what one thread cached (when the thread is gone, or on request).\"\"\""
        ),
        format!("{b}for session in list(sessions.values()):"),
        format!("{b}{}session.close()", class.getter.body.step),
        format!("{b}sessions.clear()"),
    ]
    .join(newline)
}

pub fn plan_closer(lock: &str) -> Vec<(usize, String)> {
    vec![
        at(0, format!("with self.{lock}:")),
        at(
            1,
            "sessions = self._thread_sessions.pop(threading.current_thread(), {})",
        ),
        at(0, "self._close_sessions(sessions)"),
    ]
}
