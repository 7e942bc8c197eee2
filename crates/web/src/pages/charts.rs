//! Charts as plain SVG written on the server: they show without JavaScript, print, and weigh
//! a few kilobytes on a cheap phone. Every label is escaped; colours are also told apart by
//! the legend's text and the table under each chart, not by colour alone.

use std::fmt::Write;

/// One bar of a stacked bar chart: a label and its parts (in the order of the legend).
pub struct StackedBar {
    pub label: String,
    pub parts: Vec<i64>,
    /// Shown after the bar (e.g. the on-time rate).
    pub note: String,
}

/// Colours of the parts: green (early), blue (on time), red (late), grey (other).
const COLOURS: [&str; 4] = ["#2e7d32", "#1565c0", "#c62828", "#757575"];

fn escape(text: &str) -> String {
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

/// A horizontal stacked bar per row, scaled to the largest total; `legend` names the parts.
pub fn stacked_bars(title: &str, legend: &[&str], bars: &[StackedBar]) -> String {
    const LABEL_WIDTH: i64 = 220;
    const BAR_WIDTH: i64 = 360;
    const ROW: i64 = 26;
    let max = bars
        .iter()
        .map(|b| b.parts.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let height = ROW * i64::try_from(bars.len()).unwrap_or(0) + 40;
    let width = LABEL_WIDTH + BAR_WIDTH + 120;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = ROW * i64::try_from(i).unwrap_or(0) + 4;
        let label: String = bar.label.chars().take(34).collect();
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text>",
            y + 15,
            escape(&label)
        );
        let mut x = LABEL_WIDTH;
        for (j, part) in bar.parts.iter().enumerate() {
            let w = part * BAR_WIDTH / max;
            if w > 0 {
                let _ = write!(
                    svg,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"18\" fill=\"{}\"><title>{}: {part}</title></rect>",
                    COLOURS.get(j).unwrap_or(&"#757575"),
                    escape(legend.get(j).copied().unwrap_or(""))
                );
            }
            x += w;
        }
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
            x + 6,
            y + 15,
            escape(&bar.note)
        );
    }
    let legend_y = height - 10;
    let mut x = 0;
    for (j, name) in legend.iter().enumerate() {
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{legend_y}\" font-size=\"12\">{}</text>",
            legend_y - 10,
            COLOURS.get(j).unwrap_or(&"#757575"),
            x + 16,
            escape(name)
        );
        x += 16 + 8 * i64::try_from(name.chars().count()).unwrap_or(0) + 16;
    }
    svg.push_str("</svg>");
    svg
}

/// Vertical bars in pairs (e.g. received and resolved) per column label.
pub fn paired_columns(title: &str, legend: [&str; 2], columns: &[(String, i64, i64)]) -> String {
    const HEIGHT: i64 = 160;
    const COLUMN: i64 = 44;
    let max = columns
        .iter()
        .map(|(_, a, b)| (*a).max(*b))
        .max()
        .unwrap_or(0)
        .max(1);
    let width = (COLUMN * i64::try_from(columns.len()).unwrap_or(0)).max(240) + 20;
    let height = HEIGHT + 60;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = escape(title)
    );
    for (i, (label, a, b)) in columns.iter().enumerate() {
        let x = COLUMN * i64::try_from(i).unwrap_or(0) + 10;
        for (k, value) in [a, b].into_iter().enumerate() {
            let h = value * HEIGHT / max;
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"{h}\" fill=\"{}\"><title>{} {}: {value}</title></rect>",
                x + 18 * i64::try_from(k).unwrap_or(0),
                HEIGHT - h + 4,
                COLOURS.get(k + 1).unwrap_or(&"#757575"),
                escape(label),
                escape(legend.get(k).copied().unwrap_or(""))
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{x}\" y=\"{}\" font-size=\"10\">{}</text>",
            HEIGHT + 18,
            escape(label)
        );
    }
    let legend_y = height - 10;
    let mut x = 0;
    for (k, name) in legend.iter().enumerate() {
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{legend_y}\" font-size=\"12\">{}</text>",
            legend_y - 10,
            COLOURS.get(k + 1).unwrap_or(&"#757575"),
            x + 16,
            escape(name)
        );
        x += 16 + 8 * i64::try_from(name.chars().count()).unwrap_or(0) + 16;
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = stacked_bars(
            "Đúng hạn <theo đơn vị>",
            &["Trước hạn", "Đúng hạn", "Quá hạn"],
            &[
                StackedBar {
                    label: "Phường <Ninh Kiều>".into(),
                    parts: vec![2, 1, 1],
                    note: "75 %".into(),
                },
                StackedBar {
                    label: "Xã Trung Hưng".into(),
                    parts: vec![0, 0, 2],
                    note: "0 %".into(),
                },
            ],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Phường &lt;Ninh Kiều&gt;"));
        assert!(!svg.contains("<Ninh"));
        // The largest total (4) fills 360 units: 2 parts of 180 and 90 and 90.
        assert!(svg.contains("width=\"180\""));
        assert!(svg.contains("width=\"90\""));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn columns_show_both_series() {
        let svg = paired_columns(
            "Theo tháng",
            ["Tiếp nhận", "Giải quyết"],
            &[("11/2026".into(), 10, 5), ("12/2026".into(), 0, 0)],
        );
        assert!(svg.contains("height=\"160\""));
        assert!(svg.contains("height=\"80\""));
        assert!(svg.contains("11/2026"));
    }
}
