//! Local imitations of the services (feature `simulator`), for tests, the demo and the bench.
//!
//! Each one listens on a loopback port, checks our requests exactly as the real service does
//! (signatures, tokens, field rules), keeps what it received so tests can assert on it, and
//! sends signed callbacks back the way the real service would. Every page a simulator serves
//! says plainly that it is a simulator ([`BANNER`]); production never starts one.

pub mod postal;
pub mod sms;
pub mod zalo;

/// Shown at the top of every page a simulator serves.
pub const BANNER: &str = "MÔ PHỎNG — không phải dịch vụ thật / SIMULATOR — not the real service";

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page: `title` is escaped here, `body` must already be HTML.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — {banner}</title>\
         <style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}\
         .banner{{background:#b00020;color:#fff;padding:.75rem;font-weight:bold;text-align:center}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.25rem .5rem;vertical-align:top}}\
         pre{{margin:0;white-space:pre-wrap}}form{{display:inline-block;margin:.1rem}}\
         .from-user{{color:#0050a0}}.from-oa{{color:#206020}}</style>\
         </head><body><p class=\"banner\" role=\"alert\">{banner}</p>{body}</body></html>\n",
        title = escape_html(title),
        banner = escape_html(BANNER),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            escape_html("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn every_page_says_it_is_a_simulator() {
        let html = page("<Cổng>", "<p>x</p>");
        assert!(
            html.contains(BANNER) && html.contains("&lt;Cổng&gt;"),
            "{html}"
        );
    }
}
