//! The shared photo corpus: real photos from phones and cameras, with `manifest.csv` (what
//! exiftool reads from each) and `provenance.csv` (which are one picture) beside them. It
//! is too large for the repository, so it lies beside it; every suite finds it here.

use std::path::PathBuf;

/// The corpus directory: `$PUNCHLINE_PHOTOS`, else `shared/photos` beside the workspace
/// root (`../shared/photos` from it).
///
/// # Panics
/// When there is no corpus there (no `manifest.csv`): a test of real photos cannot pass
/// without them, and says where it looked and what to set.
pub fn dir() -> PathBuf {
    let dir = std::env::var_os("PUNCHLINE_PHOTOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("../shared/photos"));
    assert!(
        dir.join("manifest.csv").is_file(),
        "photo corpus not found at {} (set PUNCHLINE_PHOTOS to the photos directory)",
        dir.display()
    );
    dir
}

/// The path of the corpus's file `name` (`iphonexs_pug1.heic`, `manifest.csv`, ...).
pub fn path(name: &str) -> PathBuf {
    dir().join(name)
}

/// The bytes of the corpus's file `name`.
///
/// # Panics
/// When it cannot be read, naming the file.
pub fn read(name: &str) -> Vec<u8> {
    let path = path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading the sample photo {}: {e}", path.display()))
}

/// The rows of one of the corpus's CSV tables (`manifest.csv`, `provenance.csv`), each
/// into the suite's own row type (a struct of the columns it reads, or a map of them all).
///
/// # Panics
/// When the table cannot be read or a row does not fit `T`, naming the table.
pub fn table<T: serde::de::DeserializeOwned>(name: &str) -> Vec<T> {
    let path = path(name);
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    reader.deserialize().map(|row| row.unwrap_or_else(|e| panic!("{}: {e}", path.display()))).collect()
}

/// The first box of an ISO-BMFF file (HEIC, AVIF, MP4): `ftyp` with its major brand and
/// compatible brands, for the tests of type detection in every crate that sniffs files.
pub fn ftyp_box(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let size = u32::try_from(16 + 4 * compatible.len()).expect("a handful of brands");
    let mut bytes = size.to_be_bytes().to_vec();
    bytes.extend_from_slice(b"ftyp");
    bytes.extend_from_slice(major);
    // The minor version: no brand.
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    for brand in compatible {
        bytes.extend_from_slice(*brand);
    }
    bytes
}
