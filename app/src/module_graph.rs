//! The app's modules as a graph of files, read from their `use` lines and the `crate::…` and
//! `super::…` paths in their code, and two rules held over it:
//! - no cycles: a module never depends on itself through others;
//! - layers: a module imports only from its own layer or those below it. From the top: the
//!   app's root (`lib.rs`), `pages`, `components`, `api`, `server::services`, the rest of
//!   `server`, then `model`, `error` and `routes`.
//!   So services never import server functions or pages, what services build on (care, the
//!   reminder worker, tenancy, audit…) never imports a service, and the model imports nothing
//!   above.
//!
//! `mod` declarations are not imports: a parent declares its children. A child's use of what
//! its parent defines is, so a parent that uses its child's items as well makes a cycle.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers from the top; a module's layer is the first whose path is its own or starts it
/// (the root is "").
const LAYERS: [&[&str]; 7] = [
    &[""],
    &["pages"],
    &["components"],
    &["api"],
    &["server::services"],
    &["server"],
    &["model", "error", "routes"],
];

fn layer_of(module: &[String]) -> usize {
    let path = module.join("::");
    let within = |layer: &str| {
        if layer.is_empty() {
            path.is_empty()
        } else {
            path == layer || path.starts_with(&format!("{layer}::"))
        }
    };
    LAYERS
        .iter()
        .position(|layer| layer.iter().any(|l| within(l)))
        .unwrap_or(LAYERS.len())
}

/// Every `.rs` file under `dir`, with its module path (`server/audit.rs` is `server::audit`).
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("the source folder") {
            let path = entry.expect("a source entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(src, &mut files);
    files
        .into_iter()
        .map(|file| {
            let in_src = file.strip_prefix(src).expect("under src");
            let mut module: Vec<String> = in_src
                .with_extension("")
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            if module == ["lib"] {
                module.clear();
            }
            (module, file)
        })
        .collect()
}

/// The code without comments (doc comments name paths that are not imports) and without the
/// text of its strings (a page's text, or this reader's own tests, may spell a path).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        match c {
            // A character literal, which may be a quote ('"', '\"'); a lifetime is left as it is.
            '\'' if !in_string => {
                out.push(c);
                let mut ahead = chars.clone();
                let literal = match (ahead.next(), ahead.next(), ahead.next()) {
                    (Some('\\'), Some(_), Some('\'')) => 3,
                    (Some(_), Some('\''), _) => 2,
                    _ => 0,
                };
                for _ in 0..literal {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                }
            }
            '"' => {
                in_string = !in_string;
                out.push(c);
            }
            // A string's text is no code: its escapes are skipped with it.
            '\\' if in_string => {
                chars.next();
            }
            _ if in_string => {}
            '/' if !in_string && chars.peek() == Some(&'/') => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if !in_string && chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for skipped in chars.by_ref() {
                    if last == '*' && skipped == '/' {
                        break;
                    }
                    last = skipped;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The code before its unit tests (a `#[cfg(test)] mod` closes a file here): a test module's
/// `super::*` is its own file's items, which the reader, knowing files only, would take for the
/// file's parent.
fn without_unit_tests(code: &str) -> &str {
    let inline_module = |at: &usize| {
        let line = code[*at..].lines().nth(1).unwrap_or("");
        line.starts_with("mod ") && line.ends_with('{')
    };
    code.match_indices("#[cfg(test)]\n")
        .map(|(at, _)| at)
        .find(inline_module)
        .map_or(code, |at| &code[..at])
}

/// The paths a `use` tree names, each from its root (`a::{b, c::d}` is `a::b` and `a::c::d`;
/// a rename, `e as f`, names `e`).
fn use_tree_paths(tree: &str) -> Vec<String> {
    // "use " in a sentence of a page's text is no `use` item: a tree holds only paths.
    let is_tree = tree
        .chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_:{},*".contains(c));
    let balanced = tree.matches('{').count() == tree.matches('}').count();
    let mut paths = Vec::new();
    if is_tree && balanced {
        expand("", tree.trim(), &mut paths);
    }
    paths
}

fn expand(prefix: &str, tree: &str, paths: &mut Vec<String>) {
    let join = |rest: &str| {
        if prefix.is_empty() {
            rest.to_owned()
        } else {
            format!("{prefix}::{rest}")
        }
    };
    match tree.find('{') {
        None => {
            let path = tree.split_whitespace().next().unwrap_or("");
            paths.push(join(path.trim_end_matches("::")));
        }
        Some(open) => {
            let head = tree[..open].trim().trim_end_matches("::");
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let base = if head.is_empty() {
                prefix.to_owned()
            } else {
                join(head)
            };
            for part in split_top_level(inner) {
                let part = part.trim();
                if !part.is_empty() {
                    expand(&base, part, paths);
                }
            }
        }
    }
}

/// `inner` split at the commas outside braces.
fn split_top_level(inner: &str) -> Vec<&str> {
    let (mut depth, mut start, mut parts) = (0, 0, Vec::new());
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
}

/// Every path the code names from `crate`, `super` or `self`: whole `use` trees, and paths
/// written in the code.
fn named_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let starts_word = at == 0
            || !rest[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let after = &rest[at + 4..];
        let Some(end) = after.find(';') else { break };
        if starts_word {
            paths.extend(use_tree_paths(&after[..end]));
            rest = &after[end..];
        } else {
            rest = after;
        }
    }
    for root in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(at) = rest.find(root) {
            let preceded = rest[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            let tail = &rest[at..];
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            if !preceded {
                paths.push(tail[..end].trim_end_matches(':').to_owned());
            }
            rest = &tail[end.max(1)..];
        }
    }
    paths
}

/// The module a path names from the module `from`: its longest prefix that is a file.
fn resolve(
    path: &str,
    from: &[String],
    known: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<Vec<String>> {
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut module: Vec<String> = match segments.first().copied() {
        Some("crate") => {
            segments.remove(0);
            Vec::new()
        }
        Some("super") | Some("self") => {
            // `super` is the parent of the file's module (its own items are `self`).
            let mut here = from.to_vec();
            while let Some(first) = segments.first().copied() {
                match first {
                    "super" => {
                        here.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                segments.remove(0);
            }
            here
        }
        _ => return None,
    };
    let mut best = known.contains_key(&module).then(|| module.clone());
    for segment in segments {
        module.push(segment.to_owned());
        if known.contains_key(&module) {
            best = Some(module.clone());
        }
    }
    best
}

type Graph = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules(&src);
    let mut graph = Graph::new();
    for (module, file) in &known {
        let text = std::fs::read_to_string(file).expect("a source file");
        let targets = graph.entry(module.clone()).or_default();
        for path in named_paths(&without_unit_tests(&without_comments(&text))) {
            if let Some(target) = resolve(&path, module, &known) {
                // Not a module's use of its own items. The crate root's items are the top
                // layer's, like any other module's.
                if target != *module {
                    targets.insert(target);
                }
            }
        }
    }
    graph
}

/// The strongly connected parts of more than one module (Tarjan's algorithm).
fn cycles(graph: &Graph) -> Vec<Vec<Vec<String>>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g Vec<String>, usize>,
        low: BTreeMap<&'g Vec<String>, usize>,
        stack: Vec<&'g Vec<String>>,
        on_stack: BTreeSet<&'g Vec<String>>,
        found: Vec<Vec<Vec<String>>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g Vec<String>) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut part = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                part.push(w.clone());
                if w == v {
                    break;
                }
            }
            if part.len() > 1 {
                part.sort();
                s.found.push(part);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    state.found
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "crate".to_owned()
    } else {
        module.join("::")
    }
}

#[test]
fn the_modules_form_no_cycle() {
    let graph = graph();
    let found: Vec<String> = cycles(&graph)
        .into_iter()
        .map(|part| {
            let members: BTreeSet<&Vec<String>> = part.iter().collect();
            let ties: Vec<String> = part
                .iter()
                .flat_map(|from| {
                    graph[from]
                        .iter()
                        .filter(|to| members.contains(to))
                        .map(move |to| format!("{} -> {}", name(from), name(to)))
                })
                .collect();
            ties.join(", ")
        })
        .collect();
    assert!(found.is_empty(), "cycles:\n{}", found.join("\n"));
}

#[test]
fn no_module_imports_from_a_layer_above_its_own() {
    let graph = graph();
    let upward: Vec<String> = graph
        .iter()
        .flat_map(|(from, targets)| {
            targets
                .iter()
                .filter(|to| layer_of(to) < layer_of(from))
                .map(move |to| format!("{} -> {}", name(from), name(to)))
        })
        .collect();
    assert!(
        upward.is_empty(),
        "imports from a higher layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_reader_sees_uses_paths_and_cycles() {
    assert_eq!(
        use_tree_paths("crate::a::{b, c::{d, e as f}}"),
        ["crate::a::b", "crate::a::c::d", "crate::a::c::e"]
    );
    let code = without_comments(
        "// use crate::nowhere;\nuse super::{x, y::z};\nfn f() { let q = '\"'; crate::m::g(); }",
    );
    let named = named_paths(&code);
    for path in ["super::x", "super::y::z", "crate::m::g"] {
        assert!(named.iter().any(|p| p == path), "{path} in {named:?}");
    }
    assert!(!named.iter().any(|p| p.contains("nowhere")), "{named:?}");
    let m = |s: &str| vec![s.to_owned()];
    let graph: Graph = [
        (m("a"), [m("b")].into()),
        (m("b"), [m("a")].into()),
        (m("c"), [m("a")].into()),
    ]
    .into();
    assert_eq!(cycles(&graph), vec![vec![m("a"), m("b")]]);
}
