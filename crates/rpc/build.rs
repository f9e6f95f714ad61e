//! Generates the tonic client and server of `proto/estuary/storage.proto`.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let root = manifest_dir().join("../../proto");
    let storage = root.join("estuary/storage.proto");
    println!("cargo:rerun-if-changed={}", storage.display());
    tonic_prost_build::configure()
        .bytes(".")
        .compile_protos(&[storage], &[root])
}

/// The crate's directory as cargo passes it to this run. The compile-time
/// value would be that of whichever checkout compiled the build script, which a
/// build cache shared between checkouts may reuse.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}
