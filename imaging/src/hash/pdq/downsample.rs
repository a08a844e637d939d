//! PDQ's steps 1–3: luma, the Jarosz tent filter and decimation to 64x64, streamed (see the
//! parent module for what the reference does and why the order of operations matters).

use super::{LANES, N};

/// Per channel value, its weighted contribution to luma, as f64 (what `pdqhash` computes).
static LUMA: [[f64; 256]; 3] = luma_tables();

const fn luma_tables() -> [[f64; 256]; 3] {
    let mut tables = [[0f64; 256]; 3];
    let mut v = 0;
    while v < 256 {
        tables[0][v] = v as f64 * 0.299;
        tables[1][v] = v as f64 * 0.587;
        tables[2][v] = v as f64 * 0.114;
        v += 1;
    }
    tables
}

/// Luma of one RGB pixel (a 3-byte chunk).
#[inline]
pub(super) fn luma(px: &[u8]) -> f32 {
    match px {
        [r, g, b, ..] => (LUMA[0][*r as usize] + LUMA[1][*g as usize] + LUMA[2][*b as usize]) as f32,
        // chunks_exact(3) never yields a shorter chunk.
        _ => 0.0,
    }
}

/// The reference's `computeJaroszFilterWindowSize(n, 64)`.
fn window_size(n: usize) -> usize {
    n.div_ceil(2 * N)
}

/// The input pixels the reference's `decimateFloat` samples along an axis of `n` pixels.
fn sample_positions(n: usize) -> [usize; N] {
    let mut positions = [0usize; N];
    for (i, p) in positions.iter_mut().enumerate() {
        // Same double arithmetic as the reference; always < n.
        *p = (((i as f64 + 0.5) * n as f64) / N as f64) as usize;
    }
    positions
}

/// Blur (Jarosz filter) and decimate the luma of `pixels` to 64x64, streaming: the image is read
/// once, row by row, and only `window` rows of intermediate data are kept, instead of the
/// reference's two full-size float buffers. Every output value is computed by the same
/// operations in the same order as the reference.
///
/// Pass 1 filters batches of `LANES` rows along rows (interleaved so the running sums of
/// the rows are independent SIMD lanes) and feeds them to a streaming box along columns.
/// Its output rows are batched again for pass 2's box along rows, of which only the 64 sampled
/// columns are kept and filtered along columns. Batches are gathered row-major and
/// (de)interleaved in one sequential sweep, which keeps the memory access cache-friendly.
pub(super) fn downsample(pixels: &[u8], width: usize, height: usize) -> [[f32; N]; N] {
    if width == 0 || height == 0 {
        return [[0.0; N]; N]; // callers pass >= 5 px; this keeps chunk sizes non-zero
    }
    let window_x = window_size(width);
    let window_y = window_size(height);

    let mut rows = vec![0f32; width * LANES];
    let mut lanes_in = vec![[0f32; LANES]; width];
    let mut lanes_out = vec![[0f32; LANES]; width];
    let mut columns1 = ColumnBox::new(width, height, window_y);
    let mut pass2 = SecondPass::new(width, height, window_x, window_y);

    for batch in pixels.chunks(width * 3 * LANES) {
        for (row, src) in rows.chunks_exact_mut(width).zip(batch.chunks_exact(width * 3)) {
            for (v, px) in row.iter_mut().zip(src.chunks_exact(3)) {
                *v = luma(px);
            }
        }
        // In a last, partial batch the lanes past its rows hold stale values: they are
        // filtered alongside and never read.
        interleave(&rows, &mut lanes_in);
        box_lanes(&lanes_in, &mut lanes_out, window_x);
        deinterleave(&lanes_out, &mut rows);
        for row in rows.chunks_exact(width).take(batch.len() / (width * 3)) {
            if columns1.push(row).is_some() {
                pass2.accept(&columns1.out);
            }
        }
    }
    while columns1.tail().is_some() {
        pass2.accept(&columns1.out);
    }
    pass2.finish()
}

/// `LANES` row-major rows of `lanes.len()` values each, to one `[f32; LANES]` per column.
fn interleave(rows: &[f32], lanes: &mut [[f32; LANES]]) {
    let width = lanes.len();
    if width == 0 || rows.len() < width * LANES {
        return;
    }
    let rows: [&[f32]; LANES] = std::array::from_fn(|k| &rows[k * width..(k + 1) * width]);
    for (j, cell) in lanes.iter_mut().enumerate() {
        for (c, row) in cell.iter_mut().zip(&rows) {
            *c = row[j];
        }
    }
}

/// The inverse of [`interleave`].
fn deinterleave(lanes: &[[f32; LANES]], rows: &mut [f32]) {
    let width = lanes.len();
    if width == 0 || rows.len() < width * LANES {
        return;
    }
    let mut rows = rows.chunks_exact_mut(width);
    // Never the default: `rows` holds LANES rows of `width`.
    let mut rows: [&mut [f32]; LANES] = std::array::from_fn(|_| rows.next().unwrap_or_default());
    for (j, cell) in lanes.iter().enumerate() {
        for (c, row) in cell.iter().zip(rows.iter_mut()) {
            row[j] = *c;
        }
    }
}

/// The reference's `box1DFloat` on `LANES` interleaved vectors at once: a running-sum box
/// filter of `window` taps, whose window shrinks at both ends. Each lane gets exactly the
/// reference's sequence of float operations.
fn box_lanes(input: &[[f32; LANES]], output: &mut [[f32; LANES]], window: usize) {
    let n = input.len().min(output.len());
    if n == 0 {
        return;
    }
    let window = window.clamp(1, n);
    // Inputs read before the first write: the reference's `(window + 2) / 2 - 1`.
    let lead = window / 2;
    let mut sum = [0f32; LANES];

    // Phases 1 and 2: grow the window; write from the `lead`-th input on.
    for (ri, x) in input[..window].iter().enumerate() {
        for (s, x) in sum.iter_mut().zip(x) {
            *s += x;
        }
        if let Some(out) = ri.checked_sub(lead).and_then(|oi| output.get_mut(oi)) {
            let count = (ri + 1) as f32;
            for (o, s) in out.iter_mut().zip(&sum) {
                *o = s / count;
            }
        }
    }
    // Phase 3: full window, add the new input then subtract the oldest.
    let count = window as f32;
    let entering = &input[window..n];
    let leaving = &input[..n - window];
    for ((add, sub), out) in entering.iter().zip(leaving).zip(&mut output[window - lead..n - lead]) {
        for (((s, a), b), o) in sum.iter_mut().zip(add).zip(sub).zip(out) {
            *s += a;
            *s -= b;
            *o = *s / count;
        }
    }
    // Phase 4: shrink the window at the end.
    let leaving = &input[n - window..n - window + lead];
    for (k, (sub, out)) in leaving.iter().zip(&mut output[n - lead..n]).enumerate() {
        let count = (window - 1 - k) as f32;
        for ((s, b), o) in sum.iter_mut().zip(sub).zip(out) {
            *s -= b;
            *o = *s / count;
        }
    }
}

/// The reference's box filter along columns, fed one row at a time: the per-column running
/// sums advance together, and the last `window` input rows are kept for the subtractions.
struct ColumnBox {
    width: usize,
    rows: usize,
    window: usize,
    lead: usize,
    /// Input row `r` is in slot `r % window`.
    ring: Vec<f32>,
    sums: Vec<f32>,
    /// The output row most recently returned by `push` or `tail`.
    out: Vec<f32>,
    pushed: usize,
    drained: usize,
}

impl ColumnBox {
    fn new(width: usize, rows: usize, window: usize) -> ColumnBox {
        let window = window.clamp(1, rows.max(1));
        ColumnBox {
            width,
            rows,
            window,
            lead: window / 2,
            ring: vec![0.0; width * window],
            sums: vec![0.0; width],
            out: vec![0.0; width],
            pushed: 0,
            drained: 0,
        }
    }

    /// Feeds input row number `self.pushed`; returns the index of the output row this
    /// completes, which is then in `self.out`.
    fn push(&mut self, row: &[f32]) -> Option<usize> {
        let ri = self.pushed;
        if ri >= self.rows {
            return None;
        }
        self.pushed += 1;
        let slot = ri % self.window;
        let kept = &mut self.ring[slot * self.width..(slot + 1) * self.width];
        if ri < self.window {
            for ((s, k), x) in self.sums.iter_mut().zip(kept.iter_mut()).zip(row) {
                *s += x;
                *k = *x;
            }
            let oi = ri.checked_sub(self.lead)?;
            let count = (ri + 1) as f32;
            for (o, s) in self.out.iter_mut().zip(&self.sums) {
                *o = s / count;
            }
            Some(oi)
        } else {
            // `kept` holds input row ri - window, the one leaving the window.
            let count = self.window as f32;
            for (((s, k), x), o) in
                self.sums.iter_mut().zip(kept.iter_mut()).zip(row).zip(self.out.iter_mut())
            {
                *s += x;
                *s -= *k;
                *k = *x;
                *o = *s / count;
            }
            Some(ri - self.lead)
        }
    }

    /// After all rows are pushed: computes the next of the last `lead` output rows into
    /// `self.out` and returns its index, or `None` when done.
    fn tail(&mut self) -> Option<usize> {
        if self.pushed < self.rows || self.drained >= self.lead {
            return None;
        }
        let k = self.drained;
        self.drained += 1;
        let slot = (self.rows - self.window + k) % self.window;
        let leaving = &self.ring[slot * self.width..(slot + 1) * self.width];
        let count = (self.window - 1 - k) as f32;
        for ((s, b), o) in self.sums.iter_mut().zip(leaving).zip(self.out.iter_mut()) {
            *s -= b;
            *o = *s / count;
        }
        Some(self.rows - self.lead + k)
    }
}

/// Pass 2: box along rows of pass 1's output (in batches of `LANES` rows), keep the 64
/// sampled columns, box them along columns, and keep the 64 sampled rows.
struct SecondPass {
    window_x: usize,
    rows: Vec<f32>,
    lanes_in: Vec<[f32; LANES]>,
    lanes_out: Vec<[f32; LANES]>,
    filled: usize,
    sample_cols: [usize; N],
    sample_rows: [usize; N],
    columns: ColumnBox,
    picked: [f32; N],
    next_row: usize,
    small: [[f32; N]; N],
}

impl SecondPass {
    fn new(width: usize, height: usize, window_x: usize, window_y: usize) -> SecondPass {
        SecondPass {
            window_x,
            rows: vec![0.0; width * LANES],
            lanes_in: vec![[0.0; LANES]; width],
            lanes_out: vec![[0.0; LANES]; width],
            filled: 0,
            sample_cols: sample_positions(width),
            sample_rows: sample_positions(height),
            columns: ColumnBox::new(N, height, window_y),
            picked: [0.0; N],
            next_row: 0,
            small: [[0.0; N]; N],
        }
    }

    fn accept(&mut self, row: &[f32]) {
        let width = self.lanes_in.len();
        // `filled` < LANES: flush resets it when it reaches LANES.
        if let Some(slot) = self.rows.chunks_exact_mut(width).nth(self.filled) {
            slot.copy_from_slice(row);
        }
        self.filled += 1;
        if self.filled == LANES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.filled == 0 {
            return;
        }
        interleave(&self.rows, &mut self.lanes_in);
        box_lanes(&self.lanes_in, &mut self.lanes_out, self.window_x);
        for lane in 0..self.filled.min(LANES) {
            for (p, &col) in self.picked.iter_mut().zip(&self.sample_cols) {
                // Sampled columns are < width, the length of lanes_out.
                *p = self.lanes_out.get(col).map_or(0.0, |cell| cell[lane]);
            }
            if let Some(oi) = self.columns.push(&self.picked) {
                self.keep(oi);
            }
        }
        self.filled = 0;
    }

    /// Copies output row `oi` of the column box to every 64x64 row that samples it.
    fn keep(&mut self, oi: usize) {
        while self.next_row < N && self.sample_rows[self.next_row] == oi {
            self.small[self.next_row].copy_from_slice(&self.columns.out[..N]);
            self.next_row += 1;
        }
    }

    fn finish(mut self) -> [[f32; N]; N] {
        self.flush();
        while let Some(oi) = self.columns.tail() {
            self.keep(oi);
        }
        self.small
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_filter_matches_the_reference_example() {
        // The worked example in the reference's downscaling.cpp: inputs 0..15, window 7.
        let input: Vec<[f32; LANES]> = (0..16).map(|v| [v as f32; LANES]).collect();
        let mut output = vec![[0f32; LANES]; 16];
        box_lanes(&input, &mut output, 7);
        let sums = [6, 10, 15, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 75, 65, 54];
        let counts = [4, 5, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 5, 4];
        for ((out, sum), count) in output.iter().zip(sums).zip(counts) {
            assert_eq!(out[0], sum as f32 / count as f32);
        }
    }

    #[test]
    fn column_box_matches_box_lanes() {
        // The streaming column filter must equal the row filter applied to the columns.
        for (rows, window) in [(1, 1), (2, 1), (9, 2), (9, 3), (40, 8), (40, 40)] {
            let column: Vec<f32> = (0..rows).map(|r| ((r * 37) % 101) as f32 * 0.37).collect();
            let lanes: Vec<[f32; LANES]> = column.iter().map(|v| [*v; LANES]).collect();
            let mut expected = vec![[0f32; LANES]; rows];
            box_lanes(&lanes, &mut expected, window);
            let mut boxed = ColumnBox::new(3, rows, window);
            let mut got = vec![f32::NAN; rows];
            for v in &column {
                if let Some(oi) = boxed.push(&[*v, *v, *v]) {
                    got[oi] = boxed.out[1];
                }
            }
            while let Some(oi) = boxed.tail() {
                got[oi] = boxed.out[1];
            }
            let expected: Vec<f32> = expected.iter().map(|l| l[0]).collect();
            assert_eq!(got, expected, "rows {rows} window {window}");
        }
    }
}
