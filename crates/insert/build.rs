//! Generates the prost types of the Prometheus remote-write v1 messages from
//! `proto/prometheus/` at the repository root. The hot path decodes with a
//! hand-written parser; these types build reference bodies in tests and benches.

use std::io::Result;
use std::path::PathBuf;

fn main() -> Result<()> {
    let root = manifest_dir().join("../../proto");
    let remote = root.join("prometheus/remote.proto");
    let types = root.join("prometheus/types.proto");
    println!("cargo:rerun-if-changed={}", remote.display());
    println!("cargo:rerun-if-changed={}", types.display());
    prost_build::Config::new().compile_protos(&[remote, types], &[root])
}

/// The crate's directory as cargo passes it to this run. The compile-time
/// value would be that of whichever checkout compiled the build script, which a
/// build cache shared between checkouts may reuse.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}
