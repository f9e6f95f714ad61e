//! Reading a request body under the size limit (`-maxInsertRequestSize`).
//!
//! The body is read in two steps so the concurrency limit can be taken in
//! between: [`BodyReader::wait_first_byte`] waits for the client to start
//! sending (an idle connection holds no insert slot), and
//! [`BodyReader::read_to_end`] reads the rest.
//!
//! A body over the limit is refused with 413, but only after the rest of it
//! has been read and dropped (up to [`DRAIN_BYTES_MAX`] or
//! [`DRAIN_DURATION_MAX`]): a client still sending when the server answers and
//! closes would otherwise see a reset connection instead of the 413 and its
//! message.

use crate::error::InsertError;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_LENGTH;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use std::time::Duration;

/// Bytes of an oversized body read and dropped before answering 413: enough
/// for any honest client's block (vmagent sends at most tens of MiB), bounded
/// so a hostile client cannot make the server read forever.
pub(crate) const DRAIN_BYTES_MAX: usize = 256 << 20;
/// Longest time spent dropping an oversized body before answering 413.
pub(crate) const DRAIN_DURATION_MAX: Duration = Duration::from_secs(10);

/// A body being read, with the bytes received so far.
pub(crate) struct BodyReader {
    body: Body,
    bytes_max: usize,
    chunks: Vec<Bytes>,
    len: usize,
    finished: bool,
    /// `Content-Length` already exceeds the limit.
    declared_too_large: bool,
}

impl BodyReader {
    /// Starts reading `body`. A `Content-Length` over the limit is refused by
    /// the first read, without keeping any of the body.
    pub(crate) fn new(body: Body, headers: &HeaderMap, bytes_max: usize) -> Self {
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        BodyReader {
            body,
            bytes_max,
            chunks: Vec::new(),
            len: 0,
            finished: false,
            declared_too_large: declared.is_some_and(|declared| declared > bytes_max as u64),
        }
    }

    /// Waits until the first byte arrives or the body ends.
    pub(crate) async fn wait_first_byte(&mut self) -> Result<(), InsertError> {
        if self.declared_too_large {
            return Err(self.refuse_too_large().await);
        }
        while self.len == 0 && !self.finished {
            self.read_chunk().await?;
        }
        Ok(())
    }

    /// Reads the rest of the body and returns all of it.
    pub(crate) async fn read_to_end(mut self) -> Result<Bytes, InsertError> {
        if self.declared_too_large {
            return Err(self.refuse_too_large().await);
        }
        while !self.finished {
            self.read_chunk().await?;
        }
        match self.chunks.len() {
            0 => Ok(Bytes::new()),
            1 => Ok(self.chunks.swap_remove(0)),
            _ => {
                let mut all = BytesMut::with_capacity(self.len);
                for chunk in &self.chunks {
                    all.extend_from_slice(chunk);
                }
                Ok(all.freeze())
            }
        }
    }

    async fn read_chunk(&mut self) -> Result<(), InsertError> {
        let Some(frame) = self.body.frame().await else {
            self.finished = true;
            return Ok(());
        };
        let frame = frame.map_err(InsertError::ReadBody)?;
        // Trailers carry no body bytes.
        let Ok(data) = frame.into_data() else {
            return Ok(());
        };
        self.len += data.len();
        if self.len > self.bytes_max {
            return Err(self.refuse_too_large().await);
        }
        if !data.is_empty() {
            self.chunks.push(data);
        }
        Ok(())
    }
}

impl BodyReader {
    /// Drops what was kept, reads and drops the rest of the body within the
    /// drain bounds, and gives the 413 error.
    async fn refuse_too_large(&mut self) -> InsertError {
        self.chunks = Vec::new();
        let drain = async {
            let mut drained = 0usize;
            while drained <= DRAIN_BYTES_MAX {
                match self.body.frame().await {
                    Some(Ok(frame)) => drained += frame.into_data().map_or(0, |d| d.len()),
                    Some(Err(_)) | None => break,
                }
            }
        };
        let _ = tokio::time::timeout(DRAIN_DURATION_MAX, drain).await;
        self.finished = true;
        InsertError::BodyTooLarge {
            limit: self.bytes_max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn streamed(chunks: &[&'static str]) -> Body {
        let frames: Vec<Result<Bytes, std::io::Error>> = chunks
            .iter()
            .map(|c| Ok(Bytes::from_static(c.as_bytes())))
            .collect();
        Body::from_stream(futures_util::stream::iter(frames))
    }

    #[tokio::test]
    async fn joins_many_chunks() {
        let body = streamed(&["ab", "", "cd", "ef"]);
        let mut reader = BodyReader::new(body, &HeaderMap::new(), 6);
        reader.wait_first_byte().await.expect("first byte");
        assert_eq!(reader.read_to_end().await.expect("body"), "abcdef");
        let body = streamed(&["abcd", "efg"]);
        let reader = BodyReader::new(body, &HeaderMap::new(), 6);
        let error = reader.read_to_end().await.expect_err("too large");
        assert!(matches!(error, InsertError::BodyTooLarge { limit: 6 }));
    }

    #[tokio::test]
    async fn joins_chunks_within_the_limit() {
        let mut reader = BodyReader::new(Body::from("abcdef"), &HeaderMap::new(), 6);
        reader.wait_first_byte().await.expect("first byte");
        assert_eq!(reader.read_to_end().await.expect("body"), "abcdef");
    }

    #[tokio::test]
    async fn refuses_bodies_over_the_limit() {
        let reader = BodyReader::new(Body::from("abcdefg"), &HeaderMap::new(), 6);
        let error = reader.read_to_end().await.expect_err("too large");
        assert!(matches!(error, InsertError::BodyTooLarge { limit: 6 }));
    }

    #[tokio::test]
    async fn refuses_a_declared_length_over_the_limit() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("7"));
        let mut reader = BodyReader::new(Body::from("abcdefg"), &headers, 6);
        let error = reader.wait_first_byte().await.expect_err("too large");
        assert!(matches!(error, InsertError::BodyTooLarge { limit: 6 }));
    }

    #[tokio::test]
    async fn an_oversized_body_is_read_to_its_end_before_refusing() {
        let body = streamed(&["abcd", "efg", "hij", "klm"]);
        let mut reader = BodyReader::new(body, &HeaderMap::new(), 6);
        reader.wait_first_byte().await.expect("first byte");
        let mut reader_after = reader;
        let error = reader_after.read_chunk_until_error().await;
        assert!(matches!(error, InsertError::BodyTooLarge { limit: 6 }));
        assert!(
            reader_after.body.frame().await.is_none(),
            "the rest of the body was drained"
        );
    }

    impl BodyReader {
        async fn read_chunk_until_error(&mut self) -> InsertError {
            loop {
                if let Err(error) = self.read_chunk().await {
                    return error;
                }
            }
        }
    }

    #[tokio::test]
    async fn an_empty_body_is_empty() {
        let mut reader = BodyReader::new(Body::empty(), &HeaderMap::new(), 6);
        reader.wait_first_byte().await.expect("end");
        assert!(reader.read_to_end().await.expect("body").is_empty());
    }
}
