//! The in-memory multi-index alone, without the database: N random PDQ hashes, then
//! lookups of 8 random query hashes (as a photo's 8 dihedral hashes) at radius 31 and 15,
//! timed one by one. It isolates the search from the delta read and evidence query that
//! `reuse_index` (the benchmark, through PostgreSQL) also times.
//!
//! Three states of the index: just built; the worst steady state, just before the big
//! tables are rebuilt (N/16 newer hashes in the small tables and `MAX_UNINDEXED` more
//! scanned); and the same hashes with none of the newer ones indexed (one linear tail, as
//! the index worked before it had small tables).
//!
//! `cargo bench -p punchline-backends --bench mih_search -- 10000000`
//! (`taskset -c 0` in front: the search on one core, its queries not split).

use std::time::Instant;

use punchline_backends::reuse::mih::{MultiIndex, MAX_UNINDEXED};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const LOOKUPS: usize = 500;
const RADII: [u32; 2] = [31, 15];

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let mut rng = StdRng::seed_from_u64(7);
    let started = Instant::now();
    let entries: Vec<(u64, [u64; 4])> = (0..n as u64).map(|id| (id, rng.random())).collect();
    let mut index = match MultiIndex::build(entries) {
        Ok(index) => index,
        Err(e) => return eprintln!("mih_search: {e}"),
    };
    println!(
        "{n} hashes: built in {:.1} s, {} MiB; {}\n",
        started.elapsed().as_secs_f64(),
        index.memory_bytes() >> 20,
        huge_pages()
    );
    println!("| index | radius | lookups | p50 | p90 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|");
    measure(&index, "just built", &mut rng);

    let newer = n / 16;
    let mut unindexed = index.clone();
    for id in n..n + newer + MAX_UNINDEXED {
        let hash = rng.random();
        let pushed = index.push(id as u64, hash).and_then(|()| unindexed.push(id as u64, hash));
        if let Err(e) = pushed {
            return eprintln!("mih_search: {e}");
        }
        if id + 1 == n + newer {
            let started = Instant::now();
            index.upkeep();
            let seconds = started.elapsed().as_secs_f64();
            assert_eq!(index.recent(), newer, "the newer hashes went to the small tables");
            eprintln!("small tables over {newer} hashes built in {seconds:.2} s");
        }
    }
    let label = format!("+{newer} in small tables, +{MAX_UNINDEXED} scanned");
    measure(&index, &label, &mut rng);
    measure(&unindexed, &format!("+{} all scanned (no small tables)", newer + MAX_UNINDEXED), &mut rng);
}

/// Times `LOOKUPS` searches per radius and prints a table row each.
fn measure(index: &MultiIndex<u64>, label: &str, rng: &mut StdRng) {
    for radius in RADII {
        let mut ms: Vec<f64> = (0..LOOKUPS)
            .map(|_| {
                let queries: [[u64; 4]; 8] = rng.random();
                let started = Instant::now();
                let found = index.search(&queries, radius, |_| true, 20);
                let elapsed = started.elapsed().as_secs_f64() * 1000.0;
                std::hint::black_box(found).map_or(f64::NAN, |_| elapsed)
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        println!(
            "| {label} | {radius} | {LOOKUPS} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |",
            at(0.5),
            at(0.9),
            at(0.99),
            at(1.0)
        );
    }
}

/// How much of the process is backed by transparent huge pages (Linux), for the report.
fn huge_pages() -> String {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let huge = rollup.lines().find(|l| l.starts_with("AnonHugePages:"));
    huge.map_or_else(|| "huge pages: unknown".into(), |l| l.split_whitespace().collect::<Vec<_>>().join(" "))
}
