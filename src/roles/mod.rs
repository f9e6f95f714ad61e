//! One module per process role.

pub mod single;
