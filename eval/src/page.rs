//! docs/accuracy.md: the report with how to reproduce it, and the limits it found, each with
//! its numbers (written from the results, so a rerun keeps them true).

use std::fmt::Write;

use punchline_domain::FlagCode;

use crate::{Relation, Report, Transform};

impl Report {
    /// The whole page; `threads` is the CPU pool it ran on.
    pub fn page(&self, threads: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Accuracy\n");
        let _ = writeln!(
            out,
            "What punchline's checks get right and wrong, measured on labelled data by `punchline eval` \
             (the `punchline-eval` crate). Rerun it from a clone with the photos beside it:\n\n\
             ```sh\ncargo run --release -- eval               # prints these tables\n\
             cargo run --release -- eval --write-docs  # rewrites this page and its plots\n```\n\n\
             This run: {:.0} s on {threads} threads, default configuration (`reuse_max_distance` = {}, \
             `blank_below_quality` = {}). `cargo test -p punchline-eval` asserts the floors recorded from \
             these numbers on a subset, so a regression fails CI.\n",
            self.elapsed_s, self.reuse_max_distance, self.blank_below_quality
        );
        out.push_str(&self.markdown(Some("")));
        self.write_threshold_choice(&mut out);
        self.write_limits(&mut out);
        out
    }

    /// Why the configured threshold, from the distances measured.
    fn write_threshold_choice(&self, out: &mut String) {
        let r = &self.reuse;
        let distances = |rel: Relation| {
            r.corpus_distances.get(&rel).into_iter().chain(r.copy_distances.get(&rel)).flatten().copied()
        };
        let max_same = r.corpus_distances.get(&Relation::SameImage).into_iter().flatten().max().copied();
        let min_other = distances(Relation::SameScene).chain(distances(Relation::Different)).min();
        let (Some(max_same), Some(min_other)) = (max_same, min_other) else { return };
        let t = self.reuse_max_distance;
        let same: Vec<u32> = distances(Relation::SameImage).collect();
        let at = |limit: u32| same.iter().filter(|&&d| d <= limit).count();
        let below_other = min_other.saturating_sub(1);
        let _ = writeln!(
            out,
            "### Why `reuse_max_distance` = {t}
"
        );
        let _ = writeln!(
            out,
            "On this corpus the same picture, re-encoded, re-oriented or re-processed, stays within {max_same} \
             bits, and nothing that must not match (another picture, another shot of the same scene, as \
             photos or as transformed copies) comes closer than {min_other}: any threshold from {max_same} \
             to {below_other} separates them here. {t} is PDQ's authors' recommendation for its 256-bit hash; \
             it leaves {} bits of margin above the farthest same-image pair (a copy of a copy drifts further) \
             and stays {} bits below the closest pair that must not match. This data does not justify \
             raising it: {} hashable photos say little about the tail of unrelated pairs among millions. \
             {below_other}, the most this corpus allows, would match {} of the {} same-image pairs instead \
             of {}: some of the crops and framed copies below, at a false-match rate this corpus cannot \
             measure.\n",
            t.saturating_sub(max_same),
            min_other.saturating_sub(t),
            r.hashable_photos,
            at(below_other),
            same.len(),
            at(t)
        );
    }

    fn write_limits(&self, out: &mut String) {
        let _ = writeln!(out, "## Known limits\n");
        let weak = self.weak_transforms();
        for (transform, recall) in &weak {
            let Some(t) = self.reuse.transforms.iter().find(|t| t.transform == *transform) else { continue };
            let mut d = t.source_distances.clone();
            d.sort_unstable();
            let spread = match (d.first(), d.get(d.len() / 2), d.last()) {
                (Some(lo), Some(mid), Some(hi)) => {
                    format!("; distance to the source median {mid}, {lo}–{hi}")
                }
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "- **`{}`** ({}): reuse recall {:.1} % ({} of {}){spread}. {}",
                transform.name(),
                transform.describe(),
                recall * 100.0,
                t.found,
                t.copies,
                why(*transform)
            );
        }
        let mut codes: Vec<FlagCode> = self.flags.mistakes.iter().map(|m| m.code).collect();
        codes.dedup();
        for code in codes {
            let c = self.flags.counts(code);
            let cases: Vec<&str> =
                self.flags.mistakes.iter().filter(|m| m.code == code).map(|m| m.scenario.as_str()).collect();
            let _ = writeln!(
                out,
                "- **`{code}`**: {} FP, {} FN on the labelled punches ({}).",
                c.fp,
                c.fn_,
                cases.join(", ")
            );
        }
        if weak.is_empty() && self.flags.mistakes.is_empty() {
            let _ = writeln!(out, "None found on this data.");
        } else if weak.iter().any(|(t, _)| matches!(t, Transform::Crop { .. } | Transform::Border { .. })) {
            let _ = writeln!(
                out,
                "\nNot fixed yet, because both remedies change what the workers store and search (the \
                 records and the reuse index), and both must be rerun through this evaluation's false-match \
                 columns: for centred crops, a second PDQ over the central 80–90 % of every photo, searched \
                 beside the full-frame one (a crop's full frame is close to the original's centre; one-sided \
                 crops need more than that); for screenshots, near-uniform bars trimmed before hashing."
            );
        }
        out.push('\n');
    }
}

/// Why a transformation defeats PDQ, when it does.
fn why(transform: Transform) -> &'static str {
    match transform {
        Transform::Crop { .. } => {
            "PDQ hashes the whole frame on a fixed grid: cutting the edges shifts and rescales every \
             cell, so the distance grows quickly with the crop."
        }
        Transform::Border { .. } => {
            "The bars become part of the hashed frame and squeeze the picture into fewer of PDQ's cells."
        }
        Transform::Resize { .. } => "A small copy of a small photo leaves PDQ little detail to hash.",
        _ => "",
    }
}
