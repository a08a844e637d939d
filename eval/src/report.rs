//! The evaluation's results as Markdown (printed by `punchline eval`, written to
//! docs/accuracy.md by `--write-docs`) and the distance histograms as SVG.

use std::fmt::Write;

use crate::histogram::{self, Series};
use crate::{FlagResults, Relation, ReuseResults, Transform};

/// The histogram files, written beside docs/accuracy.md.
pub const CORPUS_SVG: &str = "accuracy-pdq-corpus.svg";
pub const COPIES_SVG: &str = "accuracy-pdq-copies.svg";
/// Thresholds tried in the sweep that justifies `reuse_max_distance`.
const SWEEP: [u32; 9] = [8, 16, 24, 31, 40, 48, 56, 64, 80];

/// Everything one evaluation measured, with the thresholds it ran at: rendered as Markdown
/// and SVG, and checked against floors by the eval crate's tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The labelled punches: counts per flag code and the flags decided against the label.
    pub flags: FlagResults,
    /// Reuse detection on the corpus's own pairs and on transformed copies.
    pub reuse: ReuseResults,
    /// Photos in the corpus (processed or refused).
    pub corpus_photos: usize,
    /// The `hashing.reuse_max_distance` matched with (bits of 256): marked in the sweep and
    /// drawn on the histograms.
    pub reuse_max_distance: u32,
    /// The `hashing.blank_below_quality` (PDQ quality 0–100) below which photos were left
    /// out of matching.
    pub blank_below_quality: u8,
    /// Wall-clock seconds the whole evaluation took.
    pub elapsed_s: f64,
}

fn pct(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".into(), |r| format!("{:.1} %", r * 100.0))
}

fn colour(relation: Relation) -> &'static str {
    match relation {
        Relation::SameImage => "#1f77b4",
        Relation::SameScene => "#ff7f0e",
        Relation::Different => "#d62728",
    }
}

impl Report {
    /// `(file name, SVG)` of the two histograms.
    pub fn svgs(&self) -> Vec<(&'static str, String)> {
        let series = |distances: &'_ std::collections::BTreeMap<Relation, Vec<u32>>, what: &str| -> String {
            let all: Vec<Series<'_>> = distances
                .iter()
                .map(|(relation, d)| Series {
                    label: format!("{} {what}", relation.as_str()),
                    color: colour(*relation),
                    distances: d,
                })
                .collect();
            let title = format!("PDQ distances: {what}");
            histogram::svg(&title, &all, self.reuse_max_distance)
        };
        vec![
            (CORPUS_SVG, series(&self.reuse.corpus_distances, "corpus pairs")),
            (COPIES_SVG, series(&self.reuse.copy_distances, "copy ↔ corpus")),
        ]
    }

    /// The whole report; `svg_dir` is how the Markdown refers to the histograms (`None`: not
    /// linked, as when printed).
    pub fn markdown(&self, svg_dir: Option<&str>) -> String {
        let mut out = String::new();
        self.write_flags(&mut out);
        self.write_corpus_pairs(&mut out);
        self.write_transforms(&mut out);
        self.write_threshold(&mut out, svg_dir);
        out
    }

    fn write_flags(&self, out: &mut String) {
        let f = &self.flags;
        let _ = writeln!(out, "## Flags on labelled punches\n");
        let _ = writeln!(
            out,
            "{} punches from `eval/scenarios.csv` (real corpus photos; a site, a device time and place, \
             earlier photos of the organisation), each labelled with the flags it must raise and must not \
             raise, run through the verification engine with the default configuration. A flag counts where \
             a scenario labels it; TN = correctly not raised.\n",
            f.scenarios
        );
        let _ = writeln!(
            out,
            "| flag | TP | FP | FN | TN | precision | recall |\n|---|---:|---:|---:|---:|---:|---:|"
        );
        for (code, c) in &f.per_code {
            let _ = writeln!(
                out,
                "| `{code}` | {} | {} | {} | {} | {} | {} |",
                c.tp,
                c.fp,
                c.fn_,
                c.tn,
                pct(c.precision()),
                pct(c.recall())
            );
        }
        if f.mistakes.is_empty() {
            let _ = writeln!(out, "\nEvery labelled flag was decided as labelled.\n");
        } else {
            let _ = writeln!(out, "\nDecided against the label:\n");
            for m in &f.mistakes {
                let what = if m.expected { "not raised (FN)" } else { "raised (FP)" };
                let _ = writeln!(out, "- `{}`: `{}` {what}: {}", m.scenario, m.code, m.note);
            }
            out.push('\n');
        }
    }

    fn write_corpus_pairs(&self, out: &mut String) {
        let _ = writeln!(out, "## Reuse on the corpus's own pairs\n");
        let _ = writeln!(
            out,
            "Every ordered pair of corpus photos whose PDQ is usable (quality ≥ {}): the later photo's 8 \
             dihedral hashes against the earlier one's PDQ, matched at distance ≤ {}, as a worker searches. \
             `same image` pairs must match; `same scene` and different pictures must not.\n",
            self.blank_below_quality, self.reuse_max_distance
        );
        let _ = writeln!(out, "| pairs | count | matched | decided right |\n|---|---:|---:|---:|");
        for (relation, c) in &self.reuse.corpus {
            let right = if *relation == Relation::SameImage { c.matched } else { c.pairs - c.matched };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                relation.as_str(),
                c.pairs,
                c.matched,
                pct((c.pairs > 0).then(|| right as f64 / c.pairs as f64))
            );
        }
        let wrong: Vec<_> = self.reuse.corpus.values().flat_map(|c| &c.wrong).collect();
        for (later, earlier, d) in &wrong {
            let _ = writeln!(out, "- wrong: {later} → {earlier} at distance {d}");
        }
        out.push('\n');
    }

    fn write_transforms(&self, out: &mut String) {
        let r = &self.reuse;
        let _ = writeln!(out, "## Reuse under transformations\n");
        let _ = writeln!(
            out,
            "Each of {} source photos (by default every corpus photo with a usable PDQ) is transformed from \
             its displayed pixels at ≤ {} px, saved as JPEG (quality 90 unless stated), processed by the image pipeline and \
             matched against the whole corpus. Found = the copy matched its source or a photo of the same \
             picture. False matches are counted over copy ↔ corpus pairs. Every copy also went through the \
             verification engine with the corpus as earlier photos: `engine ≠ rule` counts copies where \
             `reused_photo` disagreed with the match.\n",
            r.sources,
            crate::transform::WORKING_EDGE
        );
        let _ = writeln!(
            out,
            "| transformation | copies | found | recall | blank or refused | false: same scene | false: different | engine ≠ rule |\n|---|---:|---:|---:|---:|---:|---:|---:|"
        );
        for t in &r.transforms {
            let _ = writeln!(
                out,
                "| `{}` ({}) | {} | {} | {} | {} | {} of {} | {} of {} | {} |",
                t.transform.name(),
                t.transform.describe(),
                t.copies,
                t.found,
                pct(t.recall()),
                t.unhashable,
                t.false_same_scene.matched,
                t.false_same_scene.pairs,
                t.false_different.matched,
                t.false_different.pairs,
                t.engine_disagreements
            );
        }
        out.push('\n');
        for t in r.transforms.iter().filter(|t| !t.missed.is_empty()) {
            let missed: Vec<String> = t.missed.iter().map(|(p, d)| format!("{p} ({d})")).collect();
            let _ = writeln!(
                out,
                "- `{}` missed (distance to the source): {}",
                t.transform.name(),
                missed.join(", ")
            );
        }
        for t in &r.transforms {
            for (later, earlier, d) in t.false_same_scene.wrong.iter().chain(&t.false_different.wrong) {
                let _ = writeln!(
                    out,
                    "- `{}` false match: copy of {later} ~ {earlier} at {d}",
                    t.transform.name()
                );
            }
        }
        out.push('\n');
    }

    fn write_threshold(&self, out: &mut String, svg_dir: Option<&str>) {
        let r = &self.reuse;
        let _ = writeln!(out, "## PDQ distances and `reuse_max_distance`\n");
        if let Some(dir) = svg_dir {
            let _ = writeln!(
                out,
                "![corpus pairs]({dir}{CORPUS_SVG})\n\n![copies against the corpus]({dir}{COPIES_SVG})\n"
            );
        }
        let same: Vec<u32> =
            r.corpus_distances.get(&Relation::SameImage).into_iter().flatten().copied().collect();
        let copies_same: Vec<u32> =
            r.copy_distances.get(&Relation::SameImage).into_iter().flatten().copied().collect();
        let not_same: Vec<u32> = [Relation::SameScene, Relation::Different]
            .iter()
            .flat_map(|rel| {
                r.corpus_distances.get(rel).into_iter().chain(r.copy_distances.get(rel)).flatten().copied()
            })
            .collect();
        let max_same = same.iter().max().map_or("–".into(), u32::to_string);
        let min_other = not_same.iter().min().map_or("–".into(), u32::to_string);
        let _ = writeln!(
            out,
            "Same-image corpus pairs lie at distance ≤ {max_same}; the closest pair of different pictures or \
             same-scene shots (corpus pairs and copies alike) is at {min_other}. The sweep below counts, at \
             each threshold, the same-image pairs matched (corpus pairs and every copy ↔ photo of its picture, \
             all transformations) and the pairs that must not match but would.\n"
        );
        let _ = writeln!(out, "| threshold | same-image matched | of | must-not-match matched | of |\n|---:|---:|---:|---:|---:|");
        let all_same: Vec<u32> = same.iter().chain(&copies_same).copied().collect();
        let mut sweep: Vec<u32> = SWEEP.to_vec();
        if !sweep.contains(&self.reuse_max_distance) {
            sweep.push(self.reuse_max_distance);
            sweep.sort_unstable();
        }
        for t in sweep {
            let found = all_same.iter().filter(|&&d| d <= t).count();
            let wrong = not_same.iter().filter(|&&d| d <= t).count();
            let mark = if t == self.reuse_max_distance { " **(configured)**" } else { "" };
            let _ =
                writeln!(out, "| {t}{mark} | {found} | {} | {wrong} | {} |", all_same.len(), not_same.len());
        }
        out.push('\n');
    }

    /// The transformations whose recall is below 100 %, with it.
    pub fn weak_transforms(&self) -> Vec<(Transform, f64)> {
        self.reuse
            .transforms
            .iter()
            .filter_map(|t| t.recall().filter(|r| *r < 1.0).map(|r| (t.transform, r)))
            .collect()
    }
}
