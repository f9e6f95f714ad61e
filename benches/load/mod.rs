//! What the load, cluster load and query benchmarks share: the data set and
//! its remote-write encoding, the servers under test, the client, what is
//! read from `/proc`, and the measurement and its report. Each benchmark
//! includes this directory as `mod load` and uses what it needs, so some of
//! it is unused in each.
#![allow(dead_code)]

pub mod bench_env;
pub mod client;
pub mod cluster;
pub mod dataset;
pub mod families;
pub mod histogram;
pub mod measure;
pub mod proc_stats;
pub mod remote_write;
pub mod report;
pub mod rng;
pub mod server;
pub mod values;
pub mod verdict;
pub mod workload;
