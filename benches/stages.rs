//! Criterion benches of the image pipeline, whole and stage by stage (issue 3, "Speed").
//!
//! `cargo bench --bench stages` (a few minutes on 2 cores); `benches/stages_table.py` turns
//! `target/criterion/*/new/estimates.json` into the table of `docs/benchmarks.md`.
//!
//! Photos come from `$PUNCHLINE_PHOTOS`, else `../shared/photos` next to the repository.
//! Three photos: a big JPEG (iphone6_hdr_on.jpg, 3264x2448), a 12 MP HEIC (iphonexs_pug1.heic,
//! 4032x3024) and a small JPEG (coolpix_gps_0010.jpg, 640x480).
//!
//! - `process_1t/*`: `punchline_imaging::process` on a one-thread rayon pool, so its inner
//!   `join`s run one after the other: the CPU cost of one photo on one core, which is what
//!   throughput under load is made of.
//! - `process_2t/*`: the same on a two-thread pool: one photo's latency when its SHA-256 runs
//!   beside the decode and PDQ beside the variants.
//! - the stages on their own, on one thread, with the inputs `process` would give them:
//!   `detect`, `decode` (`decode::open` + `Opened::decode` at the 1200 px long edge `process`
//!   asks for with the default variants; `jpeg_big_full` without DCT reduction), `resize` (to 1200, then the 800 and
//!   300 chained from it), `encode_jpeg` (q85), `pdq`, `sha256`, `exif`.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use punchline_domain::config::{LimitsConfig, VariantsConfig};
use punchline_imaging::{decode, detect, exif, hash, process, variants, Rgb8, Settings};
use punchline_testkit::photos::read;

/// `process` asks the decoder for at least this long edge: the largest default variant
/// (above its PDQ floor, `MIN_HASH_LONG_EDGE`).
const DECODE_FLOOR: u32 = 1200;

const BIG_JPEG: &str = "iphone6_hdr_on.jpg";
const HEIC_12MP: &str = "iphonexs_pug1.heic";
const SMALL_JPEG: &str = "coolpix_gps_0010.jpg";

struct Photo {
    label: &'static str,
    bytes: Vec<u8>,
}

fn photos() -> [Photo; 3] {
    [
        Photo { label: "jpeg_big", bytes: read(BIG_JPEG) },
        Photo { label: "heic_12mp", bytes: read(HEIC_12MP) },
        Photo { label: "jpeg_small", bytes: read(SMALL_JPEG) },
    ]
}

/// The displayed image `process` hashes and cuts the variants from.
fn displayed(bytes: &[u8], limits: &LimitsConfig) -> Rgb8 {
    let format = detect::detect(bytes).expect("the bench photos are JPEG or HEIC");
    let opened = decode::open(bytes, format, limits).expect("the bench photos are within the default limits");
    let orientation = exif::read_facts(opened.exif.as_deref()).orientation;
    let decoded = opened.decode(DECODE_FLOOR, orientation).expect("the bench photos decode");
    let view = decoded.pixels.view();
    match decoded.orientation {
        punchline_imaging::orient::Orientation::Normal => {
            Rgb8 { width: view.width, height: view.height, data: view.data.to_vec() }
        }
        o => o.apply(view),
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("building a rayon pool (can only fail if the OS refuses a thread)")
}

/// Slow benches: a fixed number of iterations per sample (criterion's linear sampling would
/// ask for 55 runs of a 150 ms function).
fn slow<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.sampling_mode(SamplingMode::Flat);
    group
}

fn bench_process(c: &mut Criterion) {
    let limits = LimitsConfig::default();
    let variants = VariantsConfig::default();
    let settings = Settings { limits: &limits, variants: &variants };
    let photos = photos();
    for threads in [1, 2] {
        let pool = pool(threads);
        let mut group = slow(c, &format!("process_{threads}t"));
        for photo in &photos {
            group.bench_function(photo.label, |b| {
                b.iter(|| {
                    pool.install(|| {
                        process(black_box(&photo.bytes), settings).expect("the bench photos process")
                    })
                })
            });
        }
        group.finish();
    }
}

fn bench_stages(c: &mut Criterion) {
    let limits = LimitsConfig::default();
    let photos = photos();

    let mut group = c.benchmark_group("detect");
    for photo in &photos[..2] {
        group.bench_function(photo.label, |b| {
            b.iter(|| detect::detect(black_box(&photo.bytes)).expect("the bench photos are JPEG or HEIC"))
        });
    }
    group.finish();

    let mut group = slow(c, "decode");
    for photo in &photos {
        let format = detect::detect(&photo.bytes).expect("the bench photos are JPEG or HEIC");
        group.bench_function(photo.label, |b| {
            b.iter(|| {
                let opened = decode::open(black_box(&photo.bytes), format, &limits)
                    .expect("the bench photos are within the default limits");
                opened.decode(DECODE_FLOOR, None).expect("the bench photos decode")
            })
        });
    }
    // The big JPEG without any DCT reduction (`process` decodes its 3264 px at 1/2).
    let big = &photos[0].bytes;
    group.bench_function("jpeg_big_full", |b| {
        b.iter(|| {
            let format = detect::detect(big).expect("the big bench photo is a JPEG");
            let opened = decode::open(black_box(big), format, &limits)
                .expect("the big JPEG is within the default limits");
            opened.decode(u32::MAX, None).expect("the big JPEG decodes at full size")
        })
    });
    group.finish();

    let images: Vec<(&str, Rgb8)> =
        photos[..2].iter().map(|p| (p.label, displayed(&p.bytes, &limits))).collect();

    let mut group = slow(c, "resize");
    for (label, image) in &images {
        let size_1200 = variants::fitted((image.width, image.height), 1200);
        group.bench_function(format!("{label}_to_1200"), |b| {
            b.iter(|| {
                variants::resize(black_box(image.view()), size_1200)
                    .expect("resizing a decoded photo to its fitted 1200 px size")
            })
        });
    }
    // The smaller variants, each from the next larger one, as `process` chains them.
    let (_, image) = &images[1];
    let size_1200 = variants::fitted((image.width, image.height), 1200);
    let v1200 = variants::resize(image.view(), size_1200)
        .expect("resizing a decoded photo to its fitted 1200 px size");
    let size_800 = variants::fitted((image.width, image.height), 800);
    let v800 = variants::resize(v1200.view(), size_800)
        .expect("resizing the 1200 px variant to its fitted 800 px size");
    let size_300 = variants::fitted((image.width, image.height), 300);
    group.bench_function("1200_to_800", |b| {
        b.iter(|| {
            variants::resize(black_box(v1200.view()), size_800)
                .expect("resizing the 1200 px variant to its fitted 800 px size")
        })
    });
    group.bench_function("800_to_300", |b| {
        b.iter(|| {
            variants::resize(black_box(v800.view()), size_300)
                .expect("resizing the 800 px variant to its fitted 300 px size")
        })
    });
    group.finish();

    let v300 = variants::resize(v800.view(), size_300)
        .expect("resizing the 800 px variant to its fitted 300 px size");
    let mut group = c.benchmark_group("encode_jpeg_q85");
    for (label, image) in [("1200", &v1200), ("800", &v800), ("300", &v300)] {
        group.bench_function(label, |b| {
            b.iter(|| {
                variants::encode_jpeg(black_box(image), 85)
                    .expect("libjpeg-turbo encoding an RGB variant at q85")
            })
        });
    }
    group.finish();

    let mut group = slow(c, "pdq");
    for (label, image) in &images {
        group.bench_function(format!("{label}_{}x{}", image.width, image.height), |b| {
            b.iter(|| hash::pdq::pdq(black_box(image.view())))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("sha256");
    for photo in &photos[..2] {
        group.throughput(Throughput::Bytes(photo.bytes.len() as u64));
        group.bench_function(photo.label, |b| b.iter(|| hash::sha256(black_box(&photo.bytes))));
    }
    group.finish();

    let mut group = c.benchmark_group("exif");
    for photo in &photos[..2] {
        let format = detect::detect(&photo.bytes).expect("the bench photos are JPEG or HEIC");
        let block = decode::open(&photo.bytes, format, &limits)
            .expect("the bench photos are within the default limits")
            .exif;
        group.bench_function(photo.label, |b| b.iter(|| exif::read_facts(black_box(block.as_deref()))));
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .without_plots()
}

/// Every bench of this file, with [`config`] overridden by criterion's command-line
/// arguments (`cargo bench --bench stages -- decode` runs only the decode group). This is
/// what `criterion_group!` would generate, written out so it can carry this comment.
fn benches() {
    let mut criterion = config().configure_from_args();
    bench_process(&mut criterion);
    bench_stages(&mut criterion);
}
criterion_main!(benches);
