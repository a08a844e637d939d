//! PDQ distance histograms as hand-written SVG: one coloured series per kind of pair, the
//! count of pairs per distance bin on a log scale (so a single outlier shows), and the reuse
//! threshold drawn across.

use std::fmt::Write;

/// One kind of pair and its distances.
pub struct Series<'a> {
    /// The legend's text and the bars' tooltip, e.g. `same image corpus pairs`.
    pub label: String,
    /// An SVG colour.
    pub color: &'static str,
    /// The PDQ distance (0–256 bits) of every pair of this kind, in any order.
    pub distances: &'a [u32],
}

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
/// Bits per bin: 64 bins over 0–256.
const BIN: u32 = 4;

/// The histogram of `series` with the matching threshold `threshold` (distance ≤ it matches).
pub fn svg(title: &str, series: &[Series<'_>], threshold: u32) -> String {
    let bins = (256 / BIN + 1) as usize;
    let counts: Vec<Vec<usize>> = series
        .iter()
        .map(|s| {
            let mut c = vec![0usize; bins];
            for &d in s.distances {
                c[(d / BIN) as usize] += 1;
            }
            c
        })
        .collect();
    let max = counts.iter().flatten().copied().max().unwrap_or(1).max(1);
    let decades = (max as f64).log10().ceil().max(1.0);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |distance: f64| LEFT + distance / 256.0 * plot_w;
    // Log scale from half a pair, so that a single pair is a visible bar.
    let floor = 0.5f64.log10();
    let y = |count: usize| TOP + plot_h - ((count as f64).log10() - floor) / (decades - floor) * plot_h;

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(out, r#"<text x="{LEFT}" y="22" font-size="15">{}</text>"#, escape(title));
    // Axes, ticks every 32 bits and every decade.
    let (x0, y0) = (LEFT, TOP + plot_h);
    let _ = writeln!(out, r#"<line x1="{x0}" y1="{y0}" x2="{}" y2="{y0}" stroke="black"/>"#, LEFT + plot_w);
    let _ = writeln!(out, r#"<line x1="{x0}" y1="{TOP}" x2="{x0}" y2="{y0}" stroke="black"/>"#);
    for d in (0..=256).step_by(32) {
        let xd = x(f64::from(d));
        let _ =
            writeln!(out, r#"<line x1="{xd:.1}" y1="{y0}" x2="{xd:.1}" y2="{}" stroke="black"/>"#, y0 + 4.0);
        let _ = writeln!(out, r#"<text x="{xd:.1}" y="{}" text-anchor="middle">{d}</text>"#, y0 + 18.0);
    }
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle">PDQ distance (bits of 256, best of the 8 rotations/mirrorings), bins of {BIN}</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 10.0
    );
    for decade in 0..=decades as u32 {
        let count = 10usize.pow(decade);
        let yc = y(count);
        let _ = writeln!(
            out,
            r##"<line x1="{}" y1="{yc:.1}" x2="{x0}" y2="{yc:.1}" stroke="black"/>"##,
            x0 - 4.0
        );
        let _ =
            writeln!(out, r#"<text x="{}" y="{:.1}" text-anchor="end">{count}</text>"#, x0 - 6.0, yc + 4.0);
    }
    let _ = writeln!(
        out,
        r#"<text transform="translate(16 {}) rotate(-90)" text-anchor="middle">pairs (log scale)</text>"#,
        TOP + plot_h / 2.0
    );
    // Bars: each series a slice of the bin's width, so overlapping bins stay readable.
    let slot = (x(f64::from(BIN)) - x(0.0)) / series.len().max(1) as f64;
    for (i, (s, c)) in series.iter().zip(&counts).enumerate() {
        for (bin, &count) in c.iter().enumerate().filter(|(_, &n)| n > 0) {
            let left = x(f64::from(bin as u32 * BIN)) + slot * i as f64;
            let top = y(count);
            let _ = writeln!(
                out,
                r#"<rect x="{left:.1}" y="{top:.1}" width="{slot:.2}" height="{:.1}" fill="{}"><title>{}: {count} pairs at {}–{}</title></rect>"#,
                y0 - top,
                s.color,
                escape(&s.label),
                bin as u32 * BIN,
                bin as u32 * BIN + BIN - 1
            );
        }
    }
    // The threshold: everything left of the line matches.
    let xt = x(f64::from(threshold) + 0.5);
    let _ = writeln!(
        out,
        r#"<line x1="{xt:.1}" y1="{TOP}" x2="{xt:.1}" y2="{y0}" stroke="black" stroke-dasharray="5,4"/>"#
    );
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{}">reuse_max_distance = {threshold}</text>"#,
        xt + 4.0,
        TOP + 12.0
    );
    // Legend, top right.
    for (i, s) in series.iter().enumerate() {
        let ly = TOP + 30.0 + 18.0 * i as f64;
        let lx = LEFT + plot_w - 250.0;
        let _ =
            writeln!(out, r#"<rect x="{lx}" y="{}" width="12" height="12" fill="{}"/>"#, ly - 10.0, s.color);
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{ly}">{} ({} pairs)</text>"#,
            lx + 18.0,
            escape(&s.label),
            s.distances.len()
        );
    }
    out.push_str("</svg>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_per_non_empty_bin_and_the_threshold() {
        let near = [0, 1, 2, 9];
        let far = [120, 121, 200];
        let svg = svg(
            "t",
            &[
                Series { label: "same".into(), color: "blue", distances: &near },
                Series { label: "different".into(), color: "red", distances: &far },
            ],
            31,
        );
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        // Bins 0–3 (3 pairs), 8–11, 120–123 (2), 200–203: four bars.
        assert_eq!(svg.matches("<rect x=").count(), 4 + 2, "four bars and two legend swatches");
        assert!(svg.contains("same: 3 pairs at 0–3"));
        assert!(svg.contains("reuse_max_distance = 31"));
    }
}
