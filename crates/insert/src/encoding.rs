//! Content encodings of request bodies, and their decoders.
//!
//! Every decoder caps its output at the request size limit, so a small
//! compressed body cannot expand into unbounded memory.

use crate::error::InsertError;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_ENCODING;
use std::borrow::Cow;
use std::io::Read;

/// The most a snappy block may declare as its uncompressed length, whatever
/// the request limit: the snappy format itself allows up to 4 GiB, and a
/// declared length is allocated before any byte is checked.
pub const SNAPPY_BLOCK_BYTES_MAX: usize = 56 << 20;

/// A `Content-Encoding` the ingest endpoints understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentEncoding {
    /// No compression (`identity`, `none` or no header).
    Identity,
    /// gzip (RFC 1952), also `x-gzip`.
    Gzip,
    /// zlib-wrapped deflate (RFC 1950), as HTTP's `deflate` means.
    Deflate,
    /// zstd frames.
    Zstd,
    /// snappy: block format for remote write, framed stream for other formats.
    Snappy,
}

impl ContentEncoding {
    /// Parses a header value; names are case-insensitive, blanks are trimmed.
    pub fn parse(value: &str) -> Result<Self, InsertError> {
        let value = value.trim();
        let encoding = match value.to_ascii_lowercase().as_str() {
            "" | "identity" | "none" => ContentEncoding::Identity,
            "gzip" | "x-gzip" => ContentEncoding::Gzip,
            "deflate" => ContentEncoding::Deflate,
            "zstd" => ContentEncoding::Zstd,
            "snappy" => ContentEncoding::Snappy,
            _ => return Err(InsertError::UnsupportedEncoding(value.to_string())),
        };
        Ok(encoding)
    }

    /// The encoding named by a request's `Content-Encoding` header.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, InsertError> {
        match headers.get(CONTENT_ENCODING) {
            None => Ok(ContentEncoding::Identity),
            Some(value) => match value.to_str() {
                Ok(value) => ContentEncoding::parse(value),
                Err(_) => Err(InsertError::UnsupportedEncoding(
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )),
            },
        }
    }

    /// The codec's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ContentEncoding::Identity => "identity",
            ContentEncoding::Gzip => "gzip",
            ContentEncoding::Deflate => "deflate",
            ContentEncoding::Zstd => "zstd",
            ContentEncoding::Snappy => "snappy",
        }
    }
}

/// Decodes a streamed body (JSON lines, text): snappy means the framed format
/// here. Identity bodies are returned as they are, without a copy.
pub fn decode_stream(
    encoding: ContentEncoding,
    body: &[u8],
    bytes_max: usize,
) -> Result<Cow<'_, [u8]>, InsertError> {
    let decoded = match encoding {
        ContentEncoding::Identity => return Ok(Cow::Borrowed(body)),
        ContentEncoding::Gzip => {
            read_capped(flate2::read::MultiGzDecoder::new(body), "gzip", bytes_max)
        }
        ContentEncoding::Deflate => {
            read_capped(flate2::read::ZlibDecoder::new(body), "deflate", bytes_max)
        }
        ContentEncoding::Zstd => zstd(body, bytes_max),
        ContentEncoding::Snappy => {
            read_capped(snap::read::FrameDecoder::new(body), "snappy", bytes_max)
        }
    };
    decoded.map(Cow::Owned)
}

/// Decodes zstd frames, capped at `bytes_max` bytes of output.
pub fn zstd(body: &[u8], bytes_max: usize) -> Result<Vec<u8>, InsertError> {
    let decoder = zstd::stream::read::Decoder::with_buffer(body).map_err(|source| {
        InsertError::Decompress {
            encoding: "zstd",
            source,
        }
    })?;
    read_capped(decoder, "zstd", bytes_max)
}

/// Decodes one snappy block (the remote-write framing). The declared length is
/// checked against the caps before anything is allocated.
pub fn snappy_block(body: &[u8], bytes_max: usize) -> Result<Vec<u8>, InsertError> {
    let decompress_error = |error: snap::Error| InsertError::Decompress {
        encoding: "snappy",
        source: std::io::Error::other(error),
    };
    let declared = snap::raw::decompress_len(body).map_err(decompress_error)?;
    let cap = bytes_max.min(SNAPPY_BLOCK_BYTES_MAX);
    if declared > cap {
        return Err(InsertError::DecompressedTooLarge {
            encoding: "snappy",
            limit: cap,
        });
    }
    snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(decompress_error)
}

/// Reads a decoder to its end, failing once the output passes `bytes_max`.
fn read_capped(
    reader: impl Read,
    encoding: &'static str,
    bytes_max: usize,
) -> Result<Vec<u8>, InsertError> {
    let mut out = Vec::new();
    let cap = u64::try_from(bytes_max)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|source| InsertError::Decompress { encoding, source })?;
    if out.len() > bytes_max {
        return Err(InsertError::DecompressedTooLarge {
            encoding,
            limit: bytes_max,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = b"up{job=\"a\"} 1\nup{job=\"b\"} 2\n";

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).expect("write");
        encoder.finish().expect("finish")
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).expect("write");
        encoder.finish().expect("finish")
    }

    fn snappy_frames(data: &[u8]) -> Vec<u8> {
        let mut encoder = snap::write::FrameEncoder::new(Vec::new());
        encoder.write_all(data).expect("write");
        encoder.into_inner().expect("finish")
    }

    #[test]
    fn header_names_are_parsed() {
        for (value, expected) in [
            ("", ContentEncoding::Identity),
            ("identity", ContentEncoding::Identity),
            ("None", ContentEncoding::Identity),
            (" GZIP ", ContentEncoding::Gzip),
            ("x-gzip", ContentEncoding::Gzip),
            ("deflate", ContentEncoding::Deflate),
            ("zstd", ContentEncoding::Zstd),
            ("snappy", ContentEncoding::Snappy),
        ] {
            assert_eq!(ContentEncoding::parse(value).expect(value), expected);
        }
        let error = ContentEncoding::parse("br").expect_err("br");
        assert_eq!(error.to_string(), "unsupported Content-Encoding: br");
    }

    #[test]
    fn every_stream_codec_round_trips() {
        let cases = [
            (ContentEncoding::Identity, TEXT.to_vec()),
            (ContentEncoding::Gzip, gzip(TEXT)),
            (ContentEncoding::Deflate, zlib(TEXT)),
            (
                ContentEncoding::Zstd,
                zstd::encode_all(TEXT, 1).expect("zstd"),
            ),
            (ContentEncoding::Snappy, snappy_frames(TEXT)),
        ];
        for (encoding, body) in cases {
            let decoded = decode_stream(encoding, &body, 1 << 20)
                .unwrap_or_else(|error| panic!("{encoding:?}: {error}"));
            assert_eq!(decoded, TEXT, "{encoding:?}");
        }
    }

    #[test]
    fn output_over_the_cap_is_refused() {
        let big = vec![b'a'; 10_000];
        for (encoding, body) in [
            (ContentEncoding::Gzip, gzip(&big)),
            (
                ContentEncoding::Zstd,
                zstd::encode_all(&big[..], 1).expect("zstd"),
            ),
        ] {
            let error = decode_stream(encoding, &body, 9_999).expect_err("too large");
            assert!(matches!(
                error,
                InsertError::DecompressedTooLarge { limit: 9_999, .. }
            ));
            assert!(decode_stream(encoding, &body, 10_000).is_ok());
        }
        let block = snap::raw::Encoder::new()
            .compress_vec(&big)
            .expect("snappy");
        let error = snappy_block(&block, 9_999).expect_err("too large");
        assert!(matches!(error, InsertError::DecompressedTooLarge { .. }));
    }

    #[test]
    fn corrupt_bodies_are_decompress_errors() {
        for encoding in [
            ContentEncoding::Gzip,
            ContentEncoding::Deflate,
            ContentEncoding::Zstd,
            ContentEncoding::Snappy,
        ] {
            let error = decode_stream(encoding, b"\x01garbage!", 1 << 20).expect_err("garbage");
            assert!(
                matches!(error, InsertError::Decompress { .. }),
                "{encoding:?}: {error}"
            );
        }
        let error = snappy_block(b"\xff\xff\xff", 1 << 20).expect_err("garbage");
        assert!(matches!(error, InsertError::Decompress { .. }));
    }
}
