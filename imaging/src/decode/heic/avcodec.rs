//! A minimal binding to FFmpeg's HEVC decoder (Debian 12's libavcodec 59 / libavutil 57,
//! linked dynamically): one decoder per band of tiles, single-threaded, fed one coded picture at a
//! time. ffmpeg's HEVC decoder is about twice as fast as libde265, which libheif uses.
//!
//! Hand-written rather than bindgen-generated: a dozen functions, plus the leading fields of
//! `AVPacket` and `AVFrame`, whose layout has not changed since FFmpeg 4 and is checked
//! against the library's major versions before any decoder is opened.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr};
use std::ptr::{null_mut, NonNull};

/// FFmpeg's `AV_CODEC_ID_HEVC`.
const AV_CODEC_ID_HEVC: c_int = 173;
const AV_PIX_FMT_YUV420P: c_int = 0;
/// Same planes as YUV420P, flagged full range (what older decoders report for full range).
const AV_PIX_FMT_YUVJ420P: c_int = 12;
/// `AVERROR(EAGAIN)`: the decoder wants more input before it can give a frame.
const AVERROR_EAGAIN: c_int = -11;
/// `AV_INPUT_BUFFER_PADDING_SIZE`: zero bytes the bitstream reader may over-read.
pub const INPUT_PADDING: usize = 64;
/// The majors whose `AVPacket`/`AVFrame` heads `Packet`/`Frame` below mirror.
const AVCODEC_MAJOR: c_uint = 59;
const AVUTIL_MAJOR: c_uint = 57;

#[repr(C)]
struct AvCodecContext {
    _opaque: [u8; 0],
}

#[repr(C)]
struct AvCodec {
    _opaque: [u8; 0],
}

/// The head of `AVPacket` (libavcodec 59): only `data` and `size` are written.
#[repr(C)]
struct Packet {
    buf: *mut c_void,
    pts: i64,
    dts: i64,
    data: *mut u8,
    size: c_int,
}

/// The head of `AVFrame` (libavutil 57): planes, strides, size and pixel format.
#[repr(C)]
struct Frame {
    data: [*mut u8; 8],
    linesize: [c_int; 8],
    extended_data: *mut *mut u8,
    width: c_int,
    height: c_int,
    nb_samples: c_int,
    format: c_int,
}

#[link(name = "avcodec")]
extern "C" {
    fn avcodec_version() -> c_uint;
    fn avcodec_find_decoder(id: c_int) -> *const AvCodec;
    fn avcodec_alloc_context3(codec: *const AvCodec) -> *mut AvCodecContext;
    fn avcodec_open2(ctx: *mut AvCodecContext, codec: *const AvCodec, options: *mut *mut c_void) -> c_int;
    fn avcodec_free_context(ctx: *mut *mut AvCodecContext);
    fn avcodec_send_packet(ctx: *mut AvCodecContext, packet: *const Packet) -> c_int;
    fn avcodec_receive_frame(ctx: *mut AvCodecContext, frame: *mut Frame) -> c_int;
    fn av_packet_alloc() -> *mut Packet;
    fn av_packet_free(packet: *mut *mut Packet);
}

#[link(name = "avutil")]
extern "C" {
    fn avutil_version() -> c_uint;
    fn av_frame_alloc() -> *mut Frame;
    fn av_frame_free(frame: *mut *mut Frame);
    fn av_frame_unref(frame: *mut Frame);
    fn av_opt_set(obj: *mut c_void, name: *const c_char, value: *const c_char, flags: c_int) -> c_int;
    fn av_opt_get_int(obj: *mut c_void, name: *const c_char, flags: c_int, out: *mut i64) -> c_int;
}

/// Why avcodec could not decode a picture; the caller falls back to libheif.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvError {
    #[error("libavcodec {0}.x / libavutil {1}.x: not the ABI this binding was written for")]
    Version(c_uint, c_uint),
    #[error("avcodec: {0} failed")]
    Setup(&'static str),
    #[error("avcodec: {doing} returned {code}")]
    Code { doing: &'static str, code: c_int },
    #[error("avcodec: unexpected frame ({0})")]
    Frame(&'static str),
}

/// One HEVC decoder, owned by one thread (the pointers are not `Send`).
pub struct Decoder {
    ctx: NonNull<AvCodecContext>,
    packet: NonNull<Packet>,
    frame: NonNull<Frame>,
}

/// A decoded 8-bit 4:2:0 picture, borrowed from the decoder until the next call.
pub struct Picture<'a> {
    pub width: usize,
    pub height: usize,
    /// Y, Cb, Cr with their strides; chroma planes are `ceil(width/2) × ceil(height/2)`.
    pub planes: [(&'a [u8], usize); 3],
    /// The stream's VUI: matrix coefficients (ISO/IEC 23091-2 code, 2 when absent) and
    /// whether the samples are full range.
    pub matrix: u16,
    pub full_range: bool,
}

impl Decoder {
    pub fn new() -> Result<Decoder, AvError> {
        // SAFETY: version queries take no arguments and touch no state.
        let (codec_v, util_v) = unsafe { (avcodec_version() >> 16, avutil_version() >> 16) };
        if codec_v != AVCODEC_MAJOR || util_v != AVUTIL_MAJOR {
            return Err(AvError::Version(codec_v, util_v));
        }
        // SAFETY: plain constructor calls. Every pointer is checked for null before it is
        // wrapped; the free functions accept null, so a partial failure frees what exists.
        // Once wrapped, `Decoder`'s `Drop` frees them, also on the early returns below.
        unsafe {
            let codec = avcodec_find_decoder(AV_CODEC_ID_HEVC);
            if codec.is_null() {
                return Err(AvError::Setup("finding the HEVC decoder"));
            }
            let (mut ctx, mut packet, mut frame) =
                (avcodec_alloc_context3(codec), av_packet_alloc(), av_frame_alloc());
            let mut decoder = match (NonNull::new(ctx), NonNull::new(packet), NonNull::new(frame)) {
                (Some(ctx), Some(packet), Some(frame)) => Decoder { ctx, packet, frame },
                _ => {
                    av_packet_free(&mut packet);
                    av_frame_free(&mut frame);
                    avcodec_free_context(&mut ctx);
                    return Err(AvError::Setup("allocating a context, packet or frame"));
                }
            };
            // One thread: the worker pool already runs one photo per core. "explode":
            // report damaged data as an error instead of concealing it, so libheif (the
            // reference) decides what a damaged file gives.
            decoder.set(c"threads", c"1")?;
            decoder.set(c"err_detect", c"explode")?;
            let code = avcodec_open2(decoder.ctx.as_ptr(), codec, null_mut());
            if code < 0 {
                return Err(AvError::Code { doing: "opening the decoder", code });
            }
            Ok(decoder)
        }
    }

    fn set(&mut self, name: &CStr, value: &CStr) -> Result<(), AvError> {
        // SAFETY: `ctx` is a live AVCodecContext (its first field is its AVClass, as
        // av_opt_* requires); both strings are NUL-terminated and outlive the call.
        let code = unsafe { av_opt_set(self.ctx.as_ptr().cast(), name.as_ptr(), value.as_ptr(), 0) };
        if code < 0 {
            return Err(AvError::Code { doing: "setting an option", code });
        }
        Ok(())
    }

    /// An integer option of the context, e.g. `color_range` or `colorspace`, which the
    /// decoder sets from the stream's VUI.
    fn option(&self, name: &CStr) -> Result<i64, AvError> {
        let mut value = 0i64;
        // SAFETY: as in `set`; `value` is a valid out-pointer for the call's duration.
        let code = unsafe { av_opt_get_int(self.ctx.as_ptr().cast(), name.as_ptr(), 0, &mut value) };
        if code < 0 {
            return Err(AvError::Code { doing: "reading an option", code });
        }
        Ok(value)
    }

    /// Decodes one complete coded picture (Annex B, followed by `INPUT_PADDING` zero bytes
    /// that are not part of it) and returns the picture it yields.
    pub fn decode(&mut self, padded: &[u8]) -> Result<Picture<'_>, AvError> {
        let size = padded.len().checked_sub(INPUT_PADDING).ok_or(AvError::Frame("packet without padding"))?;
        let size = c_int::try_from(size).map_err(|_| AvError::Frame("packet too large"))?;
        // SAFETY: `packet` and `frame` are live and owned by us. The packet is not
        // reference-counted (`buf` null), so avcodec copies `size` bytes from `data` during
        // the call; `padded` outlives it and holds the padding avcodec may over-read. The
        // packet's fields are cleared again before returning.
        unsafe {
            let packet = self.packet.as_ptr();
            (*packet).buf = null_mut();
            (*packet).data = padded.as_ptr().cast_mut();
            (*packet).size = size;
            let sent = avcodec_send_packet(self.ctx.as_ptr(), packet);
            (*packet).data = null_mut();
            (*packet).size = 0;
            if sent < 0 {
                return Err(AvError::Code { doing: "sending a picture", code: sent });
            }
            av_frame_unref(self.frame.as_ptr());
            let code = avcodec_receive_frame(self.ctx.as_ptr(), self.frame.as_ptr());
            if code == AVERROR_EAGAIN {
                // A still picture has nothing to be reordered with, so it comes out at once;
                // a stream that holds it back is not the simple case.
                return Err(AvError::Frame("picture held back"));
            }
            if code < 0 {
                return Err(AvError::Code { doing: "receiving a picture", code });
            }
            self.picture()
        }
    }

    /// The current frame's planes, once its format and strides are checked.
    fn picture(&self) -> Result<Picture<'_>, AvError> {
        // SAFETY: `frame` is live and was filled by `avcodec_receive_frame`; only its head is
        // read (see `Frame`).
        let f = unsafe { &*self.frame.as_ptr() };
        if f.format != AV_PIX_FMT_YUV420P && f.format != AV_PIX_FMT_YUVJ420P {
            return Err(AvError::Frame("not 8-bit 4:2:0"));
        }
        let (width, height) = match (usize::try_from(f.width), usize::try_from(f.height)) {
            (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
            _ => return Err(AvError::Frame("empty")),
        };
        let dims = [
            (width, height),
            (width.div_ceil(2), height.div_ceil(2)),
            (width.div_ceil(2), height.div_ceil(2)),
        ];
        let mut planes: [(&[u8], usize); 3] = [(&[], 0); 3];
        for (i, (w, h)) in dims.into_iter().enumerate() {
            let stride = usize::try_from(f.linesize[i]).map_err(|_| AvError::Frame("negative stride"))?;
            if stride < w || f.data[i].is_null() {
                return Err(AvError::Frame("plane"));
            }
            let len = stride * (h - 1) + w;
            // SAFETY: avcodec allocates each plane as at least `linesize × rows` bytes for
            // the frame's size (its pools even pad them), and keeps the buffer alive until
            // the frame is unreferenced, which happens only through `&mut self` — after this
            // borrow of `self` ends.
            planes[i] = (unsafe { std::slice::from_raw_parts(f.data[i], len) }, stride);
        }
        // AVColorSpace values are the ISO/IEC 23091-2 codes; AVColorRange 2 is JPEG (full).
        let matrix = u16::try_from(self.option(c"colorspace")?).unwrap_or(u16::MAX);
        let full_range = self.option(c"color_range")? == 2;
        Ok(Picture { width, height, planes, matrix, full_range })
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: all three were allocated by the matching av*_alloc in `new` and are freed
        // exactly once here; the free functions null the pointers they are given.
        unsafe {
            let (mut p, mut f, mut c) = (self.packet.as_ptr(), self.frame.as_ptr(), self.ctx.as_ptr());
            av_packet_free(&mut p);
            av_frame_free(&mut f);
            avcodec_free_context(&mut c);
        }
    }
}
