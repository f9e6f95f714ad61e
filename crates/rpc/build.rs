//! Generates the tonic client and server of `proto/estuary/storage.proto`.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let storage = root.join("estuary/storage.proto");
    println!("cargo:rerun-if-changed={}", storage.display());
    tonic_prost_build::configure()
        .bytes(".")
        .compile_protos(&[storage], &[root])
}
