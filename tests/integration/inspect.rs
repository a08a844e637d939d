//! `punchline inspect` against what exiftool read from every photo (`manifest.csv`).

use std::collections::HashMap;

use std::process::Output;

use punchline_testkit::{photos, stack};
use serde_json::Value;

#[derive(Debug, serde::Deserialize)]
struct ManifestRow {
    path: String,
    format: String,
    width: Option<u32>,
    height: Option<u32>,
    make: Option<String>,
    model: Option<String>,
    datetime_original: Option<String>,
    offset: Option<String>,
    gps_lat: Option<f64>,
    gps_lon: Option<f64>,
    orientation: Option<u16>,
}

fn manifest() -> Vec<ManifestRow> {
    photos::table("manifest.csv")
}

/// Runs `punchline ARGS…` from the repository root (so it reads the repo's pipeline.toml).
fn punchline(args: &[&str]) -> Output {
    stack::command(crate::PUNCHLINE).args(args).output().expect("punchline runs")
}

/// `inspect --json` over the whole corpus, keyed by file name.
fn inspect_all(rows: &[ManifestRow]) -> HashMap<String, Value> {
    let paths: Vec<String> = rows.iter().map(|r| photos::path(&r.path).display().to_string()).collect();
    let mut args = vec!["inspect", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let out = punchline(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit 1: some photos are refused; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    stdout
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("one JSON object per line");
            let file = v["file"].as_str().expect("file").rsplit('/').next().unwrap_or_default().to_string();
            (file, v)
        })
        .collect()
}

const TRUNCATED: [&str; 2] = ["bad_truncated.heic", "bad_truncated_xperia.jpg"];

#[test]
fn inspect_agrees_with_exiftool_on_every_photo() {
    let rows = manifest();
    let seen = inspect_all(&rows);
    assert_eq!(seen.len(), rows.len(), "one line per file");
    let mut mismatches = Vec::new();
    for row in &rows {
        let got = &seen[&row.path];
        let mut check = |field: &str, ok: bool| {
            if !ok {
                mismatches.push(format!("{}: {field} = {}", row.path, got[field]));
            }
        };
        match row.format.as_str() {
            "EMPTY" | "MP4" => {
                check("error", got["error"]["code"] == "not_an_image");
                continue;
            }
            _ if TRUNCATED.contains(&row.path.as_str()) => {
                check("error", got["error"]["code"] == "truncated");
                continue;
            }
            "JPEG" => check("format", got["format"] == "jpeg"),
            _ => check("format", got["format"] == "heic"),
        }
        check("stored_width", got["stored_width"].as_u64() == row.width.map(u64::from));
        check("stored_height", got["stored_height"].as_u64() == row.height.map(u64::from));
        check("make", got["make"].as_str() == row.make.as_deref());
        check("model", got["model"].as_str() == row.model.as_deref());
        check("datetime_original", got["datetime_original"].as_str() == row.datetime_original.as_deref());
        check("offset", got["offset"].as_str() == row.offset.as_deref());
        check("orientation", got["orientation"].as_u64() == row.orientation.map(u64::from));
        for (field, expected) in [("gps_lat", row.gps_lat), ("gps_lon", row.gps_lon)] {
            let ok = match (got[field].as_f64(), expected) {
                (Some(a), Some(b)) => (a - b).abs() <= 1e-5,
                (None, None) => true,
                _ => false,
            };
            check(field, ok);
        }
        for field in ["sha256", "pdq"] {
            check(field, got[field].as_str().is_some_and(|h| h.len() == 64));
        }
        check("pdq_quality", got["pdq_quality"].as_u64().is_some_and(|q| q <= 100));
        check("ms", got["ms"]["total"].as_f64().is_some_and(|t| t > 0.0));
    }
    assert!(mismatches.is_empty(), "inspect disagrees with exiftool:\n{}", mismatches.join("\n"));
}

#[test]
fn inspect_writes_variants_and_reads_well_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let photo = photos::path("iphone5_rot3_gps.jpg");
    let out = punchline(&["inspect", "--variants", dir.path().to_str().unwrap(), photo.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in ["jpeg", "3264×2448", "Apple iPhone 5", "2012:09:29 16:11:25", "47.627167, -122.337333"]
    {
        assert!(text.contains(expected), "plain output lacks {expected:?}:\n{text}");
    }
    for size in [300, 800, 1200] {
        let variant =
            std::fs::read(dir.path().join(format!("iphone5_rot3_gps_{size}.jpg"))).expect("variant written");
        assert!(variant.starts_with(&[0xFF, 0xD8]));
    }
}

#[test]
fn inspect_reports_a_clear_error_and_exit_code_for_a_non_image() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("invoice.jpg");
    std::fs::write(&fake, b"%PDF-1.7 not a photo").unwrap();
    let out = punchline(&["inspect", "--json", fake.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "not_an_image");
    assert!(v["error"]["message"].as_str().unwrap().contains("PDF"));
    assert!(v.get("pdq").is_none(), "no facts beside an error");
}
