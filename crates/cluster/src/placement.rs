//! Which storage nodes hold a series: rendezvous (highest random weight)
//! hashing of the series hash against each node's name.
//!
//! Every node gets a score per series; a series' nodes are the highest scores
//! first. Adding a node moves to it exactly the series it outscores everyone
//! on, about `replication / nodes` of them, and moves nothing between the old
//! nodes; removing one moves only its series. Insert and select nodes compute
//! the same ranking from the same `-storageNode` list.

/// The nodes of a cluster, as placement sees them.
#[derive(Debug, Clone)]
pub struct Placement {
    node_seeds: Vec<u64>,
}

/// Mixes two 64-bit values into a well-spread score (SplitMix64's finaliser).
fn mix(series_hash: u64, node_seed: u64) -> u64 {
    let mut z = series_hash ^ node_seed.rotate_left(17);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Placement {
    /// Placement over nodes named `names` (their `host:port` addresses).
    pub fn new<S: AsRef<str>>(names: &[S]) -> Self {
        Placement {
            node_seeds: names
                .iter()
                .map(|name| xxhash_rust::xxh3::xxh3_64(name.as_ref().as_bytes()))
                .collect(),
        }
    }

    /// How many nodes there are.
    pub fn len(&self) -> usize {
        self.node_seeds.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.node_seeds.is_empty()
    }

    /// Node indexes for a series, most preferred first. The first
    /// `replication` hold its copies; the rest are its stand-ins in order.
    pub fn ranking(&self, series_hash: u64) -> Vec<usize> {
        let mut scored: Vec<(u64, usize)> = self
            .node_seeds
            .iter()
            .enumerate()
            .map(|(index, &seed)| (mix(series_hash, seed), index))
            .collect();
        scored.sort_unstable_by(|a, b| b.cmp(a));
        scored.into_iter().map(|(_, index)| index).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn names(count: usize) -> Vec<String> {
        (0..count).map(|i| format!("10.0.0.{i}:8400")).collect()
    }

    fn owners(
        placement: &Placement,
        names: &[String],
        hash: u64,
        replication: usize,
    ) -> BTreeSet<String> {
        placement.ranking(hash)[..replication]
            .iter()
            .map(|&i| names[i].clone())
            .collect()
    }

    #[test]
    fn rankings_are_permutations_and_stable() {
        let placement = Placement::new(&names(5));
        for hash in 0..1000u64 {
            let ranking = placement.ranking(hash.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let distinct: BTreeSet<usize> = ranking.iter().copied().collect();
            assert_eq!(distinct.len(), 5);
            assert_eq!(
                ranking,
                placement.ranking(hash.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            );
        }
    }

    #[test]
    fn series_spread_evenly() {
        let placement = Placement::new(&names(3));
        let mut firsts = [0usize; 3];
        for i in 0..30_000u64 {
            firsts[placement.ranking(xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))[0]] += 1;
        }
        for count in firsts {
            assert!(
                (9_000..11_000).contains(&count),
                "uneven spread: {firsts:?}"
            );
        }
    }

    /// Adding a fourth node to three (replication 2) moves only the copies the
    /// new node takes: about 2/4 of series gain it, and no copy moves between
    /// the old nodes.
    #[test]
    fn adding_a_node_moves_only_its_share() {
        let replication = 2;
        let before_names = names(3);
        let after_names = names(4);
        let before = Placement::new(&before_names);
        let after = Placement::new(&after_names);
        let new_node = &after_names[3];
        let series = 20_000u64;
        let mut moved = 0u64;
        for i in 0..series {
            let hash = xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes());
            let old = owners(&before, &before_names, hash, replication);
            let new = owners(&after, &after_names, hash, replication);
            let gained: Vec<&String> = new.difference(&old).collect();
            let lost: Vec<&String> = old.difference(&new).collect();
            assert!(gained.len() <= 1 && gained.len() == lost.len());
            if let Some(gained) = gained.first() {
                assert_eq!(*gained, new_node, "a copy moved between old nodes");
                moved += 1;
            }
        }
        let share = moved as f64 / series as f64;
        assert!(
            (0.45..0.55).contains(&share),
            "expected about half the series to place one copy on the new node, got {share}"
        );
    }
}
