//! Generates the prost types of the Prometheus remote-write v1 messages from
//! `proto/prometheus/` at the repository root. The hot path decodes with a
//! hand-written parser; these types build reference bodies in tests and benches.

use std::io::Result;
use std::path::PathBuf;

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let remote = root.join("prometheus/remote.proto");
    let types = root.join("prometheus/types.proto");
    println!("cargo:rerun-if-changed={}", remote.display());
    println!("cargo:rerun-if-changed={}", types.display());
    prost_build::Config::new().compile_protos(&[remote, types], &[root])
}
