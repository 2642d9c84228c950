use super::*;
use crate::syntax;

fn facts(source: &str) -> ClassFacts {
    let tree = syntax::parse(source);
    collect(tree.root_node(), source, "m.py")
}

#[test]
fn weak_containers_mark_the_classes_they_hold() {
    let source = "import weakref\nclass Session:\n    __slots__ = ('name',)\nclass Pool:\n    def __init__(self):\n        self._live = weakref.WeakValueDictionary()\n    def get(self, key):\n        s = Session()\n        self._live[key] = s\n        return s\nkeys = weakref.WeakKeyDictionary()\nkeys[Key()] = 1\nseen = weakref.WeakSet()\nseen.add(Thing())\nr = weakref.ref(Other())\n";
    let facts = facts(source);
    let weak: Vec<&str> = facts.weak_referenced.keys().map(String::as_str).collect();
    assert_eq!(weak, ["Key", "Other", "Session", "Thing"]);
    assert_eq!(
        facts.layout_of("Session"),
        Some(&Layout::Slots { weakref: false })
    );
    assert_eq!(facts.layout_of("Pool"), Some(&Layout::Dict));
}

#[test]
fn annotations_name_the_weak_class() {
    let facts = facts("cache: WeakValueDictionary[str, Entry] = WeakValueDictionary()\n");
    assert!(facts.is_weak_referenced("Entry"));
}

#[test]
fn attribute_stores_on_self_and_known_instances() {
    let source = "class R:\n    def f(self):\n        self.extra = 1\ndef g(r: R):\n    r.note = 2\nx = R()\nx.tag = 3\ny = other()\ny.tag = 4\n";
    let facts = facts(source);
    let stores: Vec<&str> = facts.attribute_stores["R"]
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(stores, ["extra", "note", "tag"]);
    assert_eq!(facts.attribute_stores.len(), 1);
}

/// The walk that enters only statements (and expressions that name
/// `weakref` or a weak container) finds what the whole walk finds: stores
/// and bindings in every kind of block, chained and annotated assignments,
/// classes in functions and conditions, weak references inside
/// expressions.
#[test]
fn the_statement_walk_finds_what_the_whole_walk_finds() {
    let sources = [
        "class R:\n    def f(self):\n        if a:\n            self.x = 1\n        elif b:\n            self.y = 2\n        else:\n            self.z = 3\n",
        "class R:\n    def f(self):\n        for i in x:\n            self.a = self.b = i\n        while c:\n            self.w += 1\n        with o as p:\n            self.v = p\n",
        "class R:\n    def f(self):\n        try:\n            self.t = 1\n        except E:\n            self.e = 2\n        finally:\n            self.g = 3\n        match m:\n            case 1:\n                self.c = 4\n",
        "def f():\n    x: R\n    x.late = 1\n    y = R()\n    y.tag = 2\n    if c:\n        class Inner:\n            __slots__ = ('a',)\n    return [z for z in y]\n",
        "@dataclass(slots=True)\nclass A:\n    x: int = 0\nclass B(A):\n    def g(self, other: A):\n        other.extra = lambda q: q\n        self.n = f(k=1)\n",
        "import weakref\nclass S:\n    pass\ndef f(s: S):\n    log(len([weakref.ref(s)]))\n    return g(h=weakref.proxy(S()))\n",
        "class P:\n    def __init__(self):\n        self._live = weakref.WeakValueDictionary()\n        self.seen: WeakSet[T] = make()\n    def get(self, k):\n        s = Session()\n        use(self._live.setdefault(k, s), [self.seen.add(Thing())])\n",
    ];
    for source in sources {
        let tree = syntax::parse(source);
        assert!(!tree.root_node().has_error(), "{source}");
        let pruned = collect(tree.root_node(), source, "m.py");
        let whole = collect_walking(tree.root_node(), source, "m.py", true);
        assert_eq!(pruned, whole, "{source}");
        assert!(
            !pruned.attribute_stores.is_empty() || !pruned.classes.is_empty(),
            "{source}"
        );
    }
}

#[test]
fn dataclass_slots_and_literal_slots_are_read() {
    let facts = facts(
        "@dataclass(slots=True, weakref_slot=True)\nclass A:\n    x: int = 0\nclass B(A):\n    __slots__ = ['y', '__weakref__']\n",
    );
    assert_eq!(
        facts.layout_of("A"),
        Some(&Layout::DataclassSlots { weakref: true })
    );
    assert_eq!(facts.layout_of("B"), Some(&Layout::Slots { weakref: true }));
    assert_eq!(facts.classes["B"][0].bases, ["A"]);
}
