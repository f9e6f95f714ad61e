//! Prometheus remote write v1, and VictoriaMetrics's zstd variant of it.
//!
//! [`decompress`] applies the codec rules of the contract (zstd or snappy, each
//! falling back to the other), [`WriteRequestRef::decode`] walks the protobuf
//! without copying strings, and [`to_batch`] validates and canonicalises the
//! series into storage rows.

mod decoder;
mod wire;

pub use decoder::WriteRequestRef;
pub use wire::WireDefect;

use crate::batch::{BatchBuilder, BatchContext, SeriesBatch};
use crate::encoding::{self, ContentEncoding};
use crate::error::InsertError;

/// The prost types generated from `proto/prometheus/*.proto`. The ingest path
/// does not use them; they build reference bodies in tests and benchmarks.
#[allow(missing_docs)]
pub mod prompb {
    include!(concat!(env!("OUT_DIR"), "/prometheus.rs"));
}

/// Decompresses a remote-write body. `Content-Encoding: zstd` is tried as zstd
/// and then as snappy; anything else (snappy, identity, none, absent) as snappy
/// and then as zstd, because old vmagent queues hold blocks whose header does
/// not match their codec. gzip and deflate are honoured as for every endpoint,
/// and their output is taken as an uncompressed `WriteRequest`. When both codecs
/// fail, the first one's error is returned.
pub fn decompress(
    encoding: ContentEncoding,
    body: &[u8],
    bytes_max: usize,
) -> Result<Vec<u8>, InsertError> {
    if body.is_empty() {
        // An empty body is an empty request under every codec.
        return Ok(Vec::new());
    }
    match encoding {
        ContentEncoding::Zstd => encoding::zstd(body, bytes_max)
            .or_else(|error| encoding::snappy_block(body, bytes_max).map_err(|_| error)),
        ContentEncoding::Snappy | ContentEncoding::Identity => {
            encoding::snappy_block(body, bytes_max)
                .or_else(|error| encoding::zstd(body, bytes_max).map_err(|_| error))
        }
        ContentEncoding::Gzip | ContentEncoding::Deflate => {
            encoding::decode_stream(encoding, body, bytes_max).map(|raw| raw.into_owned())
        }
    }
}

/// Decodes an uncompressed `WriteRequest` and turns its series into storage
/// rows: validated, canonical, with the request's extra labels applied.
pub fn to_batch(body: &[u8], context: &BatchContext) -> Result<SeriesBatch, InsertError> {
    let request = WriteRequestRef::decode(body)?;
    let mut builder = BatchBuilder::new(context);
    for (labels, samples) in request.series() {
        builder.push(labels.iter().copied(), samples);
    }
    Ok(builder.finish())
}
