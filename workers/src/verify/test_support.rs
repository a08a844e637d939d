//! A clean punch to start every rule's test from: each test changes one thing and looks
//! at the flags that come out.

use chrono::{DateTime, Utc};
use punchline_domain::{
    ClientPunchId, Config, DeviceLocation, ExifFacts, Flag, FlagCode, GeoPoint, Geofence, OrgId,
    PerceptualHash, PhotoHashes, PhotoId, Punch, PunchId, PunchKind, Site, UserId, Verdict,
};

use super::{verify, ProcessedPhoto, ReuseCandidate, VerificationInput};

/// The site centre of the clean scenario (west of Melbourne: southern and eastern).
pub const SITE: GeoPoint = GeoPoint { lat: -37.6698, lon: 144.5465 };

pub fn time(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("valid test time").with_timezone(&Utc)
}

/// 32 pseudo-random bytes per seed (xorshift): different seeds are ~128 bits apart.
pub fn bits(seed: u64) -> [u8; 32] {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    std::array::from_fn(|_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 24) as u8
    })
}

/// `bits` with its first `n` bits flipped.
pub fn flipped(mut bits: [u8; 32], n: usize) -> [u8; 32] {
    for i in 0..n {
        bits[i / 8] ^= 1 << (i % 8);
    }
    bits
}

/// A photo's hashes from a seed: PDQ and 7 unrelated dihedral variants.
pub fn hashes(seed: u64, quality: u8) -> PhotoHashes {
    let mut sha256 = bits(seed ^ 0x5A5A);
    sha256[0] = seed as u8;
    PhotoHashes {
        sha256,
        pdq: PerceptualHash { bits: bits(seed), quality },
        pdq_dihedral: std::array::from_fn(|i| bits(seed + 1000 * i as u64)),
    }
}

/// A circle of 100 m around `SITE`.
pub fn circle(radius_m: f64) -> Geofence {
    Geofence::Circle { center: SITE, radius_m }
}

/// The EXIF facts the image pipeline reads from a real photo of the corpus (headers only,
/// no decoding).
pub fn real_facts(name: &str) -> ExifFacts {
    let bytes = punchline_testkit::photos::read(name);
    let format = punchline_imaging::detect::detect(&bytes).expect("an image");
    let opened = punchline_imaging::decode::open(&bytes, format, &Config::default().limits).expect("opens");
    punchline_imaging::exif::read_facts(opened.exif.as_deref())
}

/// iPhone-like EXIF: taken at 09:00:00 +11:00 (22:00:00 UTC the day before), at `SITE`.
pub fn iphone_exif() -> ExifFacts {
    ExifFacts {
        present: true,
        make: Some("Apple".into()),
        model: Some("iPhone XS".into()),
        datetime_original: Some("2024:03:01 09:00:00".into()),
        offset: Some("+11:00".into()),
        subsec_original: None,
        datetime: Some("2024:03:01 09:00:00".into()),
        datetime_offset: Some("+11:00".into()),
        gps: Some(SITE),
        gps_utc: Some("2024:02:29 22:00:00".into()),
        orientation: Some(1),
        software: Some("17.3.1".into()),
    }
}

pub struct Scenario {
    pub punch: Punch,
    pub site: Site,
    pub photo: ProcessedPhoto,
    pub upload_completed_at: DateTime<Utc>,
    pub candidates: Vec<ReuseCandidate>,
    pub config: Config,
}

impl Scenario {
    /// A punch at `SITE` whose photo was taken there 30 s before the punch: verified.
    pub fn clean() -> Scenario {
        let org = OrgId::new();
        let site = Site::new(org, "Depot", "Australia/Melbourne", circle(100.0)).expect("valid site");
        let punch = Punch {
            id: PunchId::new(),
            org,
            client_id: ClientPunchId::new("client-1").expect("valid id"),
            kind: PunchKind::In,
            worker: UserId::new(),
            site: site.id,
            device_time: DateTime::parse_from_rfc3339("2024-03-01T09:00:30+11:00").expect("valid"),
            device_location: Some(DeviceLocation {
                lat: SITE.lat,
                lon: SITE.lon,
                accuracy_m: 0.0,
                mock: Some(false),
            }),
            received_at: time("2024-02-29T22:01:00Z"),
        };
        let photo = ProcessedPhoto {
            id: PhotoId::new(),
            exif: iphone_exif(),
            hashes: hashes(1, 90),
            width: 4032,
            height: 3024,
            bytes: 2_000_000,
        };
        let upload_completed_at = time("2024-02-29T22:01:30Z");
        Scenario {
            punch,
            site,
            photo,
            upload_completed_at,
            candidates: Vec::new(),
            config: Config::default(),
        }
    }

    /// An earlier photo of the same organisation by another worker.
    pub fn candidate(&self, hashes: &PhotoHashes, exif: ExifFacts) -> ReuseCandidate {
        // Numbered in the order they are made: the first made was seen first.
        static REGISTERED: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);
        ReuseCandidate {
            org: self.punch.org,
            photo: PhotoId::new(),
            registered: REGISTERED.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            punch: PunchId::new(),
            worker: UserId::new(),
            sha256: hashes.sha256,
            pdq: hashes.pdq,
            exif,
        }
    }

    pub fn verdict(&self) -> Verdict {
        let input = VerificationInput {
            punch: &self.punch,
            site: &self.site,
            photo: &self.photo,
            upload_completed_at: self.upload_completed_at,
            candidates: &self.candidates,
        };
        verify(&input, &self.config, time("2024-02-29T22:02:00Z"))
    }

    pub fn codes(&self) -> Vec<FlagCode> {
        let mut codes: Vec<_> = self.verdict().flags.iter().map(|f| f.code).collect();
        codes.sort();
        codes
    }

    pub fn flag(&self, code: FlagCode) -> Option<Flag> {
        self.verdict().flags.into_iter().find(|f| f.code == code)
    }

    pub fn has(&self, code: FlagCode) -> bool {
        self.flag(code).is_some()
    }
}
