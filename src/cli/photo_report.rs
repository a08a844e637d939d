//! One photo's outcome as `inspect` reports it: a flat JSON object, or readable text.

use std::path::Path;

use punchline_imaging::{ImageError, Processed};
use serde_json::{json, Value};

/// The JSON object for one file: the facts, or `error: {code, message}`.
pub fn to_json(file: &Path, outcome: &Result<Processed, ImageError>) -> Value {
    let file = file.display().to_string();
    let p = match outcome {
        Ok(p) => p,
        Err(e) => return json!({ "file": file, "error": { "code": e.code(), "message": e.to_string() } }),
    };
    let x = &p.exif;
    json!({
        "file": file,
        "format": p.format.as_str(),
        "decoder": p.decoder,
        "width": p.width,
        "height": p.height,
        "stored_width": p.stored_width,
        "stored_height": p.stored_height,
        "orientation": x.orientation,
        "exif_present": x.present,
        "make": x.make,
        "model": x.model,
        "datetime_original": x.datetime_original,
        "offset": x.offset,
        "datetime": x.datetime,
        "gps_lat": x.gps.map(|g| g.lat),
        "gps_lon": x.gps.map(|g| g.lon),
        "gps_utc": x.gps_utc,
        "software": x.software,
        "sha256": p.hashes.sha256_hex(),
        "pdq": p.hashes.pdq.to_hex(),
        "pdq_quality": p.hashes.pdq.quality,
        "variants": p.variants.iter().map(|v| json!({
            "size": v.size, "width": v.width, "height": v.height, "bytes": v.bytes.len()
        })).collect::<Vec<_>>(),
        "ms": p.timings,
    })
}

/// Readable text for one file.
pub fn to_text(file: &Path, outcome: &Result<Processed, ImageError>) -> String {
    let mut out = format!("{}\n", file.display());
    let line =
        |out: &mut String, label: &str, value: String| out.push_str(&format!("  {label:<10} {value}\n"));
    let p = match outcome {
        Ok(p) => p,
        Err(e) => {
            line(&mut out, "error", format!("{} — {e}", e.code()));
            return out;
        }
    };
    let x = &p.exif;
    let orientation =
        x.orientation.map_or("no EXIF orientation".to_string(), |o| format!("EXIF orientation {o}"));
    line(
        &mut out,
        "format",
        format!(
            "{} via {}; {}×{} displayed (stored {}×{}, {orientation})",
            p.format, p.decoder, p.width, p.height, p.stored_width, p.stored_height
        ),
    );
    let camera = [x.make.as_deref(), x.model.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    line(&mut out, "camera", or_dash(if x.present { Some(camera) } else { Some("no EXIF at all".into()) }));
    let taken = x.datetime_original.as_ref().map(|t| match &x.offset {
        Some(o) => format!("{t} {o}"),
        None => format!("{t} (no offset recorded)"),
    });
    line(&mut out, "taken", or_dash(taken));
    let gps = x.gps.map(|g| {
        let utc = x.gps_utc.as_ref().map_or(String::new(), |u| format!(" (GPS clock {u} UTC)"));
        format!("{:.6}, {:.6}{utc}", g.lat, g.lon)
    });
    line(&mut out, "gps", or_dash(gps));
    line(&mut out, "modified", or_dash(x.datetime.clone()));
    line(&mut out, "software", or_dash(x.software.clone()));
    line(&mut out, "sha256", p.hashes.sha256_hex());
    line(&mut out, "pdq", format!("{} (quality {})", p.hashes.pdq.to_hex(), p.hashes.pdq.quality));
    let variants: Vec<String> = p
        .variants
        .iter()
        .map(|v| format!("{}×{} ({:.0} KB)", v.width, v.height, v.bytes.len() as f64 / 1024.0))
        .collect();
    line(&mut out, "variants", variants.join(", "));
    let t = &p.timings;
    line(
        &mut out,
        "time",
        format!(
            "open {:.1} · exif {:.1} · decode {:.1} · resize {:.1} · orient {:.1} · encode {:.1} · hash {:.1} = {:.1} ms",
            t.open, t.exif, t.decode, t.resize, t.orient, t.encode, t.hash, t.total
        ),
    );
    out
}

fn or_dash(value: Option<String>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".into())
}
