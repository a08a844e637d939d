//! PDQ's step 5 and the dihedral variants: the 16x16 low-frequency block of the 64x64
//! DCT-II, and the DCTs of the 8 rotations/mirrorings derived from it.

use std::sync::OnceLock;

use super::{K, N};

/// The reference's 16x64 DCT matrix, `D[i][j]` at `i * 64 + j`: a float scale times a double
/// cosine, rounded to float.
fn dct_matrix() -> &'static [f32; K * N] {
    static MATRIX: OnceLock<[f32; K * N]> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let scale = (2.0f64 / N as f64).sqrt() as f32;
        let mut d = [0f32; K * N];
        for (index, v) in d.iter_mut().enumerate() {
            let (i, j) = (index / N, index % N);
            let angle = (std::f64::consts::PI / 2.0 / N as f64) * (i + 1) as f64 * (2 * j + 1) as f64;
            *v = (f64::from(scale) * angle.cos()) as f32;
        }
        d
    })
}

/// The reference's `dct64To16`: `B = D A Dᵀ`, every dot product summed in f32 from k = 0 up
/// (the loops are reordered for SIMD, the additions are not).
pub(super) fn dct64_to_16(a: &[[f32; N]; N]) -> [[f32; K]; K] {
    let d = dct_matrix();
    let mut t = [[0f32; N]; K];
    for (t_row, d_row) in t.iter_mut().zip(d.chunks_exact(N)) {
        for (dk, a_row) in d_row.iter().zip(a) {
            for (t, a) in t_row.iter_mut().zip(a_row) {
                *t += dk * a;
            }
        }
    }
    let mut b = [[0f32; K]; K];
    for (b_row, t_row) in b.iter_mut().zip(&t) {
        for (b, d_row) in b_row.iter_mut().zip(d.chunks_exact(N)) {
            *b = t_row.iter().zip(d_row).fold(0.0, |sum, (t, d)| sum + t * d);
        }
    }
    b
}

/// Writes into `out` the DCT of dihedral transform `index` (see [`DIHEDRAL`]), as the
/// reference's `dct16OriginalTo*` derive it: a transpose swaps the two frequency indices, and
/// reversing an axis negates the coefficients of odd frequency along it (even `i`, since
/// row `i` holds frequency `i + 1`).
pub(super) fn dihedral_dct(index: usize, a: &[[f32; K]; K], out: &mut [[f32; K]; K]) {
    for (i, row) in a.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let (i_odd, j_odd) = (i % 2 == 1, j % 2 == 1);
            // (transposed, negated)
            let (transpose, negate) = match index {
                1 => (true, !j_odd),
                2 => (false, i_odd != j_odd),
                3 => (true, !i_odd),
                4 => (false, !i_odd),
                5 => (false, !j_odd),
                6 => (true, false),
                7 => (true, i_odd != j_odd),
                _ => (false, false),
            };
            let v = if negate { -v } else { v };
            if transpose {
                out[j][i] = v;
            } else {
                out[i][j] = v;
            }
        }
    }
}
