//! Reading a request body under the size limit (`-maxInsertRequestSize`).
//!
//! The body is read in two steps so the concurrency limit can be taken in
//! between: [`BodyReader::wait_first_byte`] waits for the client to start
//! sending (an idle connection holds no insert slot), and
//! [`BodyReader::read_to_end`] reads the rest.

use crate::error::InsertError;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_LENGTH;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;

/// A body being read, with the bytes received so far.
pub(crate) struct BodyReader {
    body: Body,
    bytes_max: usize,
    chunks: Vec<Bytes>,
    len: usize,
    finished: bool,
}

impl BodyReader {
    /// Starts reading `body`; refuses at once when `Content-Length` already
    /// says it is too large.
    pub(crate) fn new(
        body: Body,
        headers: &HeaderMap,
        bytes_max: usize,
    ) -> Result<Self, InsertError> {
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if let Some(declared) = declared
            && declared > bytes_max as u64
        {
            return Err(InsertError::BodyTooLarge { limit: bytes_max });
        }
        Ok(BodyReader {
            body,
            bytes_max,
            chunks: Vec::new(),
            len: 0,
            finished: false,
        })
    }

    /// Waits until the first byte arrives or the body ends.
    pub(crate) async fn wait_first_byte(&mut self) -> Result<(), InsertError> {
        while self.len == 0 && !self.finished {
            self.read_chunk().await?;
        }
        Ok(())
    }

    /// Reads the rest of the body and returns all of it.
    pub(crate) async fn read_to_end(mut self) -> Result<Bytes, InsertError> {
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
            return Err(InsertError::BodyTooLarge {
                limit: self.bytes_max,
            });
        }
        if !data.is_empty() {
            self.chunks.push(data);
        }
        Ok(())
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
        let mut reader = BodyReader::new(body, &HeaderMap::new(), 6).expect("new");
        reader.wait_first_byte().await.expect("first byte");
        assert_eq!(reader.read_to_end().await.expect("body"), "abcdef");
        let body = streamed(&["abcd", "efg"]);
        let reader = BodyReader::new(body, &HeaderMap::new(), 6).expect("new");
        let error = reader.read_to_end().await.expect_err("too large");
        assert!(matches!(error, InsertError::BodyTooLarge { limit: 6 }));
    }

    #[tokio::test]
    async fn joins_chunks_within_the_limit() {
        let mut reader = BodyReader::new(Body::from("abcdef"), &HeaderMap::new(), 6).expect("new");
        reader.wait_first_byte().await.expect("first byte");
        assert_eq!(reader.read_to_end().await.expect("body"), "abcdef");
    }

    #[tokio::test]
    async fn refuses_bodies_over_the_limit() {
        let reader = BodyReader::new(Body::from("abcdefg"), &HeaderMap::new(), 6).expect("new");
        let error = reader.read_to_end().await.expect_err("too large");
        assert!(matches!(error, InsertError::BodyTooLarge { limit: 6 }));
    }

    #[test]
    fn refuses_a_declared_length_over_the_limit() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("7"));
        let error = BodyReader::new(Body::empty(), &headers, 6).err();
        assert!(matches!(error, Some(InsertError::BodyTooLarge { .. })));
    }

    #[tokio::test]
    async fn an_empty_body_is_empty() {
        let mut reader = BodyReader::new(Body::empty(), &HeaderMap::new(), 6).expect("new");
        reader.wait_first_byte().await.expect("end");
        assert!(reader.read_to_end().await.expect("body").is_empty());
    }
}
