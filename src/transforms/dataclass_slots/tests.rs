use super::*;
use crate::syntax;
use crate::transforms::class_facts;
use crate::transforms::outcome::apply;

const V310: Option<PythonVersion> = Some(PythonVersion::new(3, 10));
const V311: Option<PythonVersion> = Some(PythonVersion::new(3, 11));

fn run(source: &str, target: Option<PythonVersion>) -> (String, Vec<String>) {
    let tree = syntax::parse(source);
    let facts = class_facts::collect(tree.root_node(), source, "m.py");
    let outcomes = transform(
        tree.root_node(),
        source,
        &Context {
            facts: &facts,
            target,
        },
    );
    let refusals = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Refused(r) => Some(r.reason.clone()),
            Outcome::Rewrite { .. } => None,
        })
        .collect();
    (apply(source, &outcomes), refusals)
}

#[test]
fn defaults_and_factories_gain_slots() {
    let source = "from dataclasses import dataclass, field\n\n@dataclass\nclass R:\n    items: list = field(default_factory=list)\n    total: float = 0.0\n\n@dataclass(frozen=True)\nclass F:\n    x: int = 1\n\n@dataclass()\nclass E:\n    y: int = 2\n\n@dataclass\nclass Plain:\n    name: str\n";
    let (out, refusals) = run(source, V310);
    assert!(refusals.is_empty(), "{refusals:?}");
    assert!(out.contains("@dataclass(slots=True)\nclass R:"));
    assert!(out.contains("@dataclass(frozen=True, slots=True)\nclass F:"));
    assert!(out.contains("@dataclass(slots=True)\nclass E:"));
    assert!(
        out.contains("@dataclass\nclass Plain:"),
        "no defaults: left alone"
    );
}

#[test]
fn matching_hand_written_slots_and_their_comments_go() {
    let source = "@dataclass\nclass R:\n    # No __slots__ here: they conflict with the defaults below\n    __slots__ = ('a', 'b')\n    a: int = 0\n    b: int = 1\n    # the real comment stays\n";
    let (out, refusals) = run(source, V310);
    assert!(refusals.is_empty(), "{refusals:?}");
    assert_eq!(
        out,
        "@dataclass(slots=True)\nclass R:\n    a: int = 0\n    b: int = 1\n    # the real comment stays\n"
    );
}

#[test]
fn refusals_say_why() {
    let cases = [
        (
            "@dataclass\nclass R:\n    a: int = 0\n",
            Some(PythonVersion::new(3, 9)),
            "supports Python 3.9",
        ),
        ("@dataclass\nclass R:\n    a: int = 0\n", None, "unknown"),
        (
            "@dataclass\n@register\nclass R:\n    a: int = 0\n",
            V310,
            "`@register` is applied before",
        ),
        (
            "@dataclass\nclass R:\n    a: int = 0\n    def f(self):\n        return super().f()\n",
            V310,
            "zero-argument `super()`",
        ),
        (
            "@dataclass\nclass R:\n    a: int = 0\n    def f(self):\n        return __class__\n",
            V310,
            "`__class__`",
        ),
        (
            "@dataclass\nclass R:\n    a: int = 0\n    @functools.cached_property\n    def f(self):\n        return 1\n",
            V310,
            "cached_property",
        ),
        (
            "@dataclass\nclass R:\n    __slots__ = ('b', 'a')\n    a: int = 0\n    b: int = 0\n",
            V310,
            "not the fields in order",
        ),
        (
            "@dataclass\nclass R:\n    a: int = 0\n    def __post_init__(self):\n        self.cache = {}\n",
            V310,
            "`cache` (m.py:5)",
        ),
        (
            "@dataclass\nclass R:\n    a: int = 0\nr = R()\nr.note = 1\n",
            V310,
            "`note` (m.py:5)",
        ),
        (
            "class A:\n    __slots__ = ('x',)\nclass B:\n    __slots__ = ('y',)\n@dataclass\nclass R(A, B):\n    a: int = 0\n",
            V310,
            "several bases",
        ),
        (
            "import weakref\n@dataclass\nclass R:\n    a: int = 0\nw = weakref.ref(R())\n",
            V310,
            "needs Python 3.11",
        ),
        (
            "import weakref\n@dataclass\nclass R(Remote):\n    a: int = 0\nw = weakref.ref(R())\n",
            V311,
            "`Remote` is not defined",
        ),
    ];
    for (source, target, expected) in cases {
        let (out, refusals) = run(source, target);
        assert_eq!(out, source, "refused classes are not changed");
        assert_eq!(refusals.len(), 1, "{source}");
        assert!(refusals[0].contains(expected), "{source}: {}", refusals[0]);
    }
}

#[test]
fn weak_referenced_classes_keep_weak_references() {
    let source = "import weakref\n@dataclass\nclass R:\n    a: int = 0\nw = weakref.ref(R())\nclass Base:\n    pass\n@dataclass\nclass S(Base):\n    a: int = 0\nv = weakref.ref(S())\n";
    let (out, refusals) = run(source, V311);
    assert!(refusals.is_empty(), "{refusals:?}");
    assert!(out.contains("@dataclass(slots=True, weakref_slot=True)\nclass R:"));
    // Base has a __dict__ and a __weakref__ already; weakref_slot would raise.
    assert!(out.contains("@dataclass(slots=True)\nclass S(Base):"));
}

#[test]
fn fields_properties_and_setters_may_be_stored() {
    let source = "@dataclass\nclass R:\n    a: int = 0\n    def reset(self):\n        self.a = 0\n    @property\n    def b(self):\n        return self.a\n    @b.setter\n    def b(self, v):\n        self.a = v\n    def g(self):\n        self.b = 2\n";
    let (out, refusals) = run(source, V310);
    assert!(refusals.is_empty(), "{refusals:?}");
    assert!(out.starts_with("@dataclass(slots=True)\n"));
}

#[test]
fn crlf_and_tabs_outside_the_edits_are_kept() {
    let source = "@dataclass\r\nclass R:\r\n\t# no slots: defaults\r\n\t__slots__ = ('a',)\r\n\ta: int = 0  # keep\r\n";
    let (out, refusals) = run(source, V310);
    assert!(refusals.is_empty(), "{refusals:?}");
    assert_eq!(
        out,
        "@dataclass(slots=True)\r\nclass R:\r\n\ta: int = 0  # keep\r\n"
    );
}

#[test]
fn multi_line_decorator_arguments() {
    let source = "@dataclasses.dataclass(\n    frozen=True,\n)\nclass R:\n    a: int = 0\n";
    let (out, _) = run(source, V310);
    assert_eq!(
        out,
        "@dataclasses.dataclass(\n    frozen=True, slots=True\n)\nclass R:\n    a: int = 0\n"
    );
}
