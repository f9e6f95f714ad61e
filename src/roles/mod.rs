//! One module per process role.

pub mod backup;
mod cluster_client;
pub mod insert;
pub mod select;
mod shared;
pub mod single;
pub mod storage;
