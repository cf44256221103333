//! Health topics and the privacy policy are written in Markdown by super admins and shown to
//! everyone. pulldown-cmark turns the Markdown into HTML and ammonia then keeps only what a
//! page of text needs: its allow-list has no `<script>`, `<style>`, `<iframe>` or forms, no
//! `on…` event attributes and no `javascript:` links, and every link gets
//! `rel="noopener noreferrer"`. Raw HTML in the Markdown goes through the same sanitiser, so a
//! body is safe however it was written. Rendered on the server only: the HTML travels to the
//! page already clean.
use pulldown_cmark::{html, Options, Parser};

/// The sanitised HTML for a Markdown body.
pub(crate) fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::clean(&unsafe_html)
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn markdown_becomes_paragraphs_lists_and_links() {
        let html =
            to_safe_html("Wash your **hands**.\n\n- soap\n- water\n\n[CDC](https://www.cdc.gov/)");
        assert!(
            html.contains("<p>Wash your <strong>hands</strong>.</p>"),
            "{html}"
        );
        assert!(html.contains("<li>soap</li>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://www.cdc.gov/" rel="noopener noreferrer">CDC</a>"#),
            "{html}"
        );
    }

    #[test]
    fn scripts_handlers_and_javascript_links_never_survive() {
        let body = "Hello <script>alert(1)</script>\n\n<img src=x onerror=\"alert(2)\">\n\n\
                    <a href=\"javascript:alert(3)\" onclick=\"alert(4)\">click</a>\n\n\
                    [also](javascript:alert(5))\n\n<iframe src=\"https://evil.example\"></iframe>\n\n\
                    <p style=\"position:fixed\" onmouseover=\"alert(6)\">styled</p>";
        let html = to_safe_html(body);
        for banned in [
            "<script",
            "alert",
            "onerror",
            "onclick",
            "onmouseover",
            "javascript:",
            "<iframe",
            "style=",
        ] {
            assert!(!html.contains(banned), "{banned} survived in {html}");
        }
        assert!(html.contains("click"), "the link's text stays: {html}");
        assert!(html.contains("styled"), "{html}");
    }
}
