//! The stylesheet covers every class the views use, and is not stale.
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn committed() -> String {
    std::fs::read_to_string(root().join("style/salus.css"))
        .expect("style/salus.css exists: run `cargo run -p salus-style`")
}

#[test]
fn stylesheet_has_a_rule_for_every_class_in_the_views() {
    let css = committed();
    let class_attr =
        regex_lite::Regex::new(r#"\bclass(?:=|: &str = |=format!\()"([^"{]+)"#).unwrap();
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in salus_style::view_sources(&root().join("app/src")).unwrap() {
        let text = std::fs::read_to_string(&file).unwrap();
        for caps in class_attr.captures_iter(&text) {
            for class in caps[1].split_whitespace() {
                checked += 1;
                if !css.contains(&salus_style::selector(class)) {
                    missing.push(format!(
                        "{class} ({})",
                        file.strip_prefix(root()).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(checked > 100, "found the views' classes ({checked})");
    assert!(
        missing.is_empty(),
        "style/salus.css has no rule for: {missing:#?}"
    );
}

#[test]
fn committed_stylesheet_matches_the_views() {
    let fresh = salus_style::stylesheet_for(&root().join("app/src")).unwrap();
    assert!(
        committed() == fresh,
        "style/salus.css is stale: run `cargo run -p salus-style` and commit it"
    );
}

#[test]
fn stylesheet_rules_are_real_css() {
    // The reason tailwind-rs was replaced: its engine wrote these wrong.
    let css = committed();
    assert!(
        css.contains(".flex {\n  display: flex;\n}") || css.contains(".flex{display:flex}"),
        "flex"
    );
    assert!(
        css.contains("width: 100%") && !css.contains("w: 100%"),
        "w-full"
    );
    assert!(
        css.contains("justify-content: space-between") && !css.contains("justify-content: between")
    );
    assert!(
        css.contains("@media (width >= 48rem)") || css.contains("@media (min-width: 768px)"),
        "md: variant keeps its media query"
    );
    assert!(
        css.contains(r".hover\:bg-teal-800:hover"),
        "hover: variant keeps its pseudo-class"
    );
}
