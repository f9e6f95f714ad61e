//! The streamed body of `/api/v1/export`: the searched series are encoded into
//! JSON lines chunk by chunk as the client reads, optionally gzip-compressed,
//! so the encoded answer is never held whole.

use super::export_line::push_series_lines;
use bytes::Bytes;
use estuary_storage_api::SeriesData;
use flate2::Compression;
use flate2::write::GzEncoder;
use http_body::{Body, Frame};
use std::io::{self, Write as _};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Encoded bytes gathered before a chunk is handed to the connection.
const CHUNK_BYTES_TARGET: usize = 64 * 1024;

/// JSON lines of the series, produced on demand.
pub struct ExportBody {
    series: std::vec::IntoIter<SeriesData>,
    rows_per_line_max: Option<usize>,
    gzip: Option<GzEncoder<Vec<u8>>>,
    finished: bool,
}

impl ExportBody {
    /// A body over `series`; `gzip` compresses it.
    pub fn new(series: Vec<SeriesData>, rows_per_line_max: Option<usize>, gzip: bool) -> Self {
        ExportBody {
            series: series.into_iter(),
            rows_per_line_max,
            gzip: gzip.then(|| GzEncoder::new(Vec::new(), Compression::fast())),
            finished: false,
        }
    }

    /// The next non-empty chunk, or `None` at the end.
    fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        while !self.finished {
            let lines = self.encode_lines();
            let mut chunk = match self.gzip.as_mut() {
                None => lines,
                Some(encoder) => {
                    encoder.write_all(&lines)?;
                    std::mem::take(encoder.get_mut())
                }
            };
            if self.finished
                && let Some(encoder) = self.gzip.take()
            {
                chunk.extend_from_slice(&encoder.finish()?);
            }
            if !chunk.is_empty() {
                return Ok(Some(Bytes::from(chunk)));
            }
        }
        Ok(None)
    }

    /// Encodes series until a chunk's worth of lines is ready; marks the body
    /// finished when the series run out.
    fn encode_lines(&mut self) -> Vec<u8> {
        let mut lines = Vec::with_capacity(CHUNK_BYTES_TARGET + CHUNK_BYTES_TARGET / 4);
        while lines.len() < CHUNK_BYTES_TARGET {
            let Some(series) = self.series.next() else {
                self.finished = true;
                break;
            };
            push_series_lines(&mut lines, &series, self.rows_per_line_max);
        }
        lines
    }
}

impl Body for ExportBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Poll::Ready(
            self.get_mut()
                .next_chunk()
                .transpose()
                .map(|chunk| chunk.map(Frame::data)),
        )
    }

    fn is_end_stream(&self) -> bool {
        self.finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use estuary_types::{Labels, Sample};
    use flate2::read::GzDecoder;
    use std::io::Read as _;

    fn many_series(count: usize) -> Vec<SeriesData> {
        (0..count)
            .map(|i| SeriesData {
                labels: Labels::from_pairs(&[("__name__", "m"), ("i", &i.to_string())]),
                samples: vec![Sample::new(1000, i as f64)],
            })
            .collect()
    }

    fn drain(mut body: ExportBody) -> (Vec<u8>, usize) {
        let mut out = Vec::new();
        let mut chunks = 0;
        while let Some(chunk) = body.next_chunk().expect("no I/O error") {
            out.extend_from_slice(&chunk);
            chunks += 1;
        }
        assert!(body.is_end_stream());
        (out, chunks)
    }

    #[test]
    fn large_exports_come_in_several_chunks() {
        let (plain, chunks) = drain(ExportBody::new(many_series(5000), None, false));
        assert!(chunks > 1);
        assert_eq!(plain.iter().filter(|&&b| b == b'\n').count(), 5000);
    }

    #[test]
    fn gzip_output_decompresses_to_the_plain_output() {
        let (plain, _) = drain(ExportBody::new(many_series(5000), None, false));
        let (compressed, _) = drain(ExportBody::new(many_series(5000), None, true));
        let mut decompressed = Vec::new();
        GzDecoder::new(compressed.as_slice())
            .read_to_end(&mut decompressed)
            .expect("valid gzip");
        assert_eq!(decompressed, plain);
    }

    #[test]
    fn empty_export_is_an_empty_body() {
        let (plain, chunks) = drain(ExportBody::new(Vec::new(), None, false));
        assert!(plain.is_empty());
        assert_eq!(chunks, 0);
        let (compressed, _) = drain(ExportBody::new(Vec::new(), None, true));
        let mut decompressed = Vec::new();
        GzDecoder::new(compressed.as_slice())
            .read_to_end(&mut decompressed)
            .expect("valid gzip");
        assert!(decompressed.is_empty());
    }
}
