//! [`ListLimit`]: how many entries a list endpoint (series, labels, label values)
//! returns, from the client's `limit` and the server's cap.

/// The client's `limit` (0 or absent: none of its own), lowered to the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLimit {
    requested: Option<usize>,
    cap: usize,
}

impl ListLimit {
    /// Combines the `limit` argument with the server's cap.
    pub fn new(requested: Option<usize>, cap: usize) -> Self {
        ListLimit {
            requested: requested.filter(|&limit| limit > 0),
            cap,
        }
    }

    /// The most entries the answer holds.
    pub fn returned(&self) -> usize {
        self.requested.map_or(self.cap, |limit| limit.min(self.cap))
    }

    /// Entries to ask the storage for: one more than may be returned, so that a
    /// cut is visible.
    pub fn fetch_count(&self) -> usize {
        self.returned().saturating_add(1)
    }

    /// Whether the client passed a `limit` of its own (a cut is then expected,
    /// not an error).
    pub fn is_requested(&self) -> bool {
        self.requested.is_some()
    }

    /// Cuts `entries` to [`ListLimit::returned`]; tells whether anything was cut.
    pub fn truncate<T>(&self, entries: &mut Vec<T>) -> bool {
        let returned = self.returned();
        let cut = entries.len() > returned;
        entries.truncate(returned);
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_lowered_to_the_cap() {
        assert_eq!(ListLimit::new(Some(10), 5).returned(), 5);
        assert_eq!(ListLimit::new(Some(3), 5).returned(), 3);
        assert_eq!(ListLimit::new(None, 5).returned(), 5);
        assert_eq!(ListLimit::new(Some(0), 5).returned(), 5);
        assert!(!ListLimit::new(Some(0), 5).is_requested());
        assert_eq!(ListLimit::new(None, 5).fetch_count(), 6);
        assert_eq!(ListLimit::new(None, usize::MAX).fetch_count(), usize::MAX);
    }

    #[test]
    fn truncate_reports_a_cut() {
        let limit = ListLimit::new(Some(2), 5);
        let mut entries = vec![1, 2, 3];
        assert!(limit.truncate(&mut entries));
        assert_eq!(entries, [1, 2]);
        assert!(!limit.truncate(&mut entries));
    }
}
