//! Snapshots, `estuary backup` and `estuary restore` through their real
//! interfaces: `estuary single` over HTTP, the CLI as a child process, and a
//! real S3-protocol server (moto) on loopback.

mod common;

use common::api::{self, SeriesMap};
use common::cli::{self, Finished};
use common::cluster::{Cluster, ClusterSpec};
use common::estuary::Estuary;
use common::s3::S3Server;
use std::collections::{BTreeMap, BTreeSet};

const BUCKET: &str = "backups";
const PREFIX: &str = "cluster1/node-1";

/// Ingests `series` series of `metric`, each with samples at `times`.
fn ingest(estuary: &Estuary, metric: &str, series: usize, times: &[i64]) {
    let mut text = String::new();
    for s in 0..series {
        for (i, t) in times.iter().enumerate() {
            text.push_str(&format!(
                "{metric}{{instance=\"i{s}\"}} {} {t}\n",
                s * 100 + i
            ));
        }
    }
    let reply = api::import_text(&estuary.url("/api/v1/import/prometheus"), &text);
    api::assert_ingested(&reply, metric);
    api::force_flush(&estuary.base());
}

fn export_all(estuary: &Estuary) -> SeriesMap {
    api::export(&estuary.base(), &["{__name__!=\"\"}"], None)
}

fn backup(estuary: &Estuary, s3: &S3Server) -> Finished {
    cli::run(&[
        "backup".into(),
        format!("-storageDataPath={}", estuary.data_path().display()),
        format!("-snapshot.createURL={}", estuary.url("/snapshot/create")),
        format!("-dst=s3://{BUCKET}/{PREFIX}"),
        format!("-customS3Endpoint={}", s3.endpoint()),
    ])
}

fn restore(estuary: &Estuary, s3: &S3Server, extra: &[&str]) -> Finished {
    let mut args = vec![
        "restore".to_string(),
        format!("-src=s3://{BUCKET}/{PREFIX}"),
        format!("-storageDataPath={}", estuary.data_path().display()),
        format!("-customS3Endpoint={}", s3.endpoint()),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    cli::run(&args)
}

/// Files in the backup (object key minus the part name) with their sizes.
fn backed_up_files(s3: &S3Server) -> BTreeMap<String, u64> {
    s3.list(BUCKET, PREFIX)
        .into_iter()
        .filter(|(key, _)| !key.ends_with(".ignore"))
        .map(|(key, size)| {
            let (file, _) = key.rsplit_once('/').expect("part under a file");
            (file.to_string(), size)
        })
        .collect()
}

fn wipe(dir: &std::path::Path) {
    for entry in std::fs::read_dir(dir).expect("list data dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path).expect("remove dir");
        } else {
            std::fs::remove_file(&path).expect("remove file");
        }
    }
}

#[test]
fn an_incremental_backup_restores_to_what_was_there() {
    let s3 = S3Server::start();
    s3.create_bucket(BUCKET);
    let mut estuary = Estuary::start();
    let now = common::now_ms();
    let first_times: Vec<i64> = (0..20).map(|i| now - 600_000 + i * 10_000).collect();
    ingest(&estuary, "before_first_backup", 50, &first_times);

    let first = backup(&estuary, &s3);
    assert!(
        first.success,
        "first backup failed:\n{}\n{}",
        first.output,
        s3.log_tail()
    );
    assert_eq!(first.logged_number("backup complete", "reused_files"), 0);
    let after_first = backed_up_files(&s3);
    assert!(
        after_first.keys().any(|f| f.ends_with(".sst")),
        "no table files backed up: {after_first:?}"
    );
    assert!(
        s3.list(BUCKET, &format!("{PREFIX}/backup_complete.ignore"))
            .len()
            == 1
    );
    // The snapshot the backup created is gone again.
    let listed = api::get(&estuary.url("/snapshot/list"), &[]);
    assert!(listed.body.contains("\"snapshots\":[]"), "{listed:?}");

    let second_times: Vec<i64> = (0..20).map(|i| now - 300_000 + i * 10_000).collect();
    ingest(&estuary, "after_first_backup", 30, &second_times);
    let second = backup(&estuary, &s3);
    assert!(second.success, "second backup failed:\n{}", second.output);
    let after_second = backed_up_files(&s3);
    let expected = export_all(&estuary);

    // Only new files were uploaded: table files never change, so those of
    // the first backup still in the snapshot were reused; the small
    // mutable files (CURRENT, MANIFEST, OPTIONS, logs) go again every time.
    let unchanged: BTreeSet<&String> = after_second
        .keys()
        .filter(|f| f.ends_with(".sst") && after_first.get(*f) == after_second.get(*f))
        .collect();
    let new_tables = after_second
        .keys()
        .filter(|f| f.ends_with(".sst") && !after_first.contains_key(*f))
        .count();
    let mutable = after_second.keys().filter(|f| !f.ends_with(".sst")).count();
    assert!(
        !unchanged.is_empty() && new_tables > 0,
        "{after_first:?} -> {after_second:?}"
    );
    assert_eq!(
        second.logged_number("backup complete", "reused_files"),
        unchanged.len() as u64,
        "{}",
        second.output
    );
    assert_eq!(
        second.logged_number("backup complete", "uploaded_files"),
        (new_tables + mutable) as u64,
        "{}",
        second.output
    );

    // -origin alone copies that backup server-side into another prefix.
    let copied = cli::run(&[
        "backup".into(),
        format!("-storageDataPath={}", estuary.data_path().display()),
        format!("-origin=s3://{BUCKET}/{PREFIX}"),
        format!("-dst=s3://{BUCKET}/daily/node-1"),
        format!("-customS3Endpoint={}", s3.endpoint()),
    ]);
    assert!(
        copied.success,
        "server-side copy failed:\n{}",
        copied.output
    );
    assert_eq!(
        copied.logged_number("backup complete", "copied_files"),
        after_second.len() as u64
    );
    assert_eq!(copied.logged_number("backup complete", "uploaded_files"), 0);
    let strip = |prefix: &str| -> Vec<(String, u64)> {
        s3.list(BUCKET, prefix)
            .into_iter()
            .filter(|(key, _)| !key.ends_with("backup_metadata.ignore"))
            .map(|(key, size)| (key[prefix.len()..].to_string(), size))
            .collect()
    };
    assert_eq!(strip(PREFIX), strip("daily/node-1"));

    // Data written after the backup is not restored.
    ingest(&estuary, "after_second_backup", 5, &second_times);
    assert!(estuary.stop().success());
    wipe(estuary.data_path());
    let restored = restore(&estuary, &s3, &[]);
    assert!(restored.success, "restore failed:\n{}", restored.output);
    assert!(
        !estuary.data_path().join(estuary_marker()).exists(),
        "the restore marker was left behind"
    );
    // A second run finds the table files in place and fetches only the rest.
    let again = restore(&estuary, &s3, &[]);
    assert!(again.success, "second restore failed:\n{}", again.output);
    assert_eq!(
        again.logged_number("restore complete", "kept_files"),
        after_second.keys().filter(|f| f.ends_with(".sst")).count() as u64
    );

    estuary.restart();
    api::assert_series_eq(&expected, &export_all(&estuary), "export after restore");
}

fn estuary_marker() -> &'static str {
    "restore-in-progress"
}

#[test]
fn an_incomplete_backup_is_refused_and_a_marked_data_dir_does_not_start() {
    let s3 = S3Server::start();
    s3.create_bucket(BUCKET);
    let mut estuary = Estuary::start();
    ingest(&estuary, "m", 3, &[common::now_ms() - 60_000]);
    let done = backup(&estuary, &s3);
    assert!(done.success, "backup failed:\n{}", done.output);
    let expected = export_all(&estuary);
    s3.delete(BUCKET, &format!("{PREFIX}/backup_complete.ignore"));
    assert!(estuary.stop().success());

    let refused = restore(&estuary, &s3, &[]);
    assert!(
        !refused.success,
        "restore of an incomplete backup succeeded"
    );
    assert!(
        refused.output.contains("-skipBackupCompleteCheck"),
        "{}",
        refused.output
    );

    // A restore that stopped half-way leaves the marker: the node refuses to
    // start on the data directory.
    std::fs::write(estuary.data_path().join(estuary_marker()), b"").expect("write marker");
    let port = common::free_port();
    let started = cli::run(&[
        "single".into(),
        format!("-httpListenAddr=127.0.0.1:{port}"),
        format!("-storageDataPath={}", estuary.data_path().display()),
    ]);
    assert!(
        !started.success,
        "started with a restore marker:\n{}",
        started.output
    );
    assert!(started.output.contains("restore"), "{}", started.output);

    let forced = restore(&estuary, &s3, &["-skipBackupCompleteCheck"]);
    assert!(forced.success, "forced restore failed:\n{}", forced.output);
    estuary.restart();
    api::assert_series_eq(&expected, &export_all(&estuary), "export after restore");
}

#[test]
fn bad_backup_arguments_get_clear_errors() {
    let estuary = Estuary::start();
    let cases: [(Vec<String>, &str); 4] = [
        (
            vec![
                "backup".into(),
                format!("-storageDataPath={}", estuary.data_path().display()),
                "-dst=gs://bucket/x".into(),
                format!("-snapshot.createURL={}", estuary.url("/snapshot/create")),
            ],
            "unsupported backup URL",
        ),
        (
            vec![
                "backup".into(),
                format!("-storageDataPath={}", estuary.data_path().display()),
                format!("-dst=fs://{}/inside", estuary.data_path().display()),
                format!("-snapshot.createURL={}", estuary.url("/snapshot/create")),
            ],
            "overlap",
        ),
        (
            vec![
                "backup".into(),
                format!("-storageDataPath={}", estuary.data_path().display()),
                "-dst=/tmp/estuary-never-written".into(),
                "-snapshotName=../../etc".into(),
            ],
            "invalid snapshot name",
        ),
        (
            vec![
                "restore".into(),
                "-src=s3://".into(),
                format!("-storageDataPath={}", estuary.data_path().display()),
            ],
            "names no bucket",
        ),
    ];
    for (args, message) in cases {
        let finished = cli::run(&args);
        assert!(!finished.success, "{args:?} succeeded");
        assert!(
            finished.output.contains(message),
            "{args:?}: {}",
            finished.output
        );
    }
}

#[test]
fn snapshot_endpoints_answer_in_victoriametrics_shapes() {
    let estuary = Estuary::start();
    ingest(&estuary, "m", 2, &[common::now_ms() - 60_000]);
    let created = api::get(&estuary.url("/snapshot/create"), &[]);
    assert_eq!(created.status, 200, "{created:?}");
    let body: serde_json::Value = serde_json::from_str(&created.body).expect("JSON");
    assert_eq!(body["status"], "ok");
    let name = body["snapshot"]
        .as_str()
        .expect("snapshot name")
        .to_string();
    let (time, hex) = name.split_once('-').expect("dash in name");
    assert!(
        time.len() == 14 && time.bytes().all(|b| b.is_ascii_digit()),
        "{name}"
    );
    assert!(
        hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{name}"
    );
    assert!(
        estuary
            .data_path()
            .join("snapshots")
            .join(&name)
            .join("db")
            .is_dir()
    );

    let listed: serde_json::Value =
        serde_json::from_str(&api::get(&estuary.url("/snapshot/list"), &[]).body).expect("JSON");
    assert_eq!(listed["status"], "ok");
    assert_eq!(listed["snapshots"], serde_json::json!([name]));
    assert_eq!(
        api::self_metric_sum(&estuary.base(), "vm_snapshots", &[]),
        1.0
    );

    for bad in [
        "",
        "../../etc",
        "20260821165119-18A2B3C4D5E6F701",
        "20260821165119-18A2B3C4D5E6F7/.",
    ] {
        let reply = api::get(&estuary.url("/snapshot/delete"), &[("snapshot", bad)]);
        assert_eq!(reply.status, 500, "{bad:?}: {reply:?}");
        let body: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON error");
        assert_eq!(body["status"], "error", "{bad:?}");
        assert!(
            body["msg"].as_str().is_some_and(|m| !m.is_empty()),
            "{bad:?}"
        );
    }
    let deleted = api::get(&estuary.url("/snapshot/delete"), &[("snapshot", &name)]);
    assert_eq!(
        (deleted.status, deleted.body.as_str()),
        (200, "{\"status\":\"ok\"}")
    );
    assert!(!estuary.data_path().join("snapshots").join(&name).exists());

    for _ in 0..2 {
        assert_eq!(api::get(&estuary.url("/snapshot/create"), &[]).status, 200);
    }
    let all = api::get(&estuary.url("/snapshot/delete_all"), &[]);
    assert_eq!(
        (all.status, all.body.as_str()),
        (200, "{\"status\":\"ok\"}")
    );
    let listed = api::get(&estuary.url("/snapshot/list"), &[]);
    assert_eq!(listed.body, "{\"snapshots\":[],\"status\":\"ok\"}");
    assert_eq!(
        api::self_metric_sum(&estuary.base(), "vm_snapshots", &[]),
        0.0
    );
}

#[test]
fn a_storage_node_is_backed_up_through_its_protected_snapshot_url() {
    let s3 = S3Server::start();
    s3.create_bucket(BUCKET);
    let mut cluster = Cluster::start_with(&ClusterSpec {
        storage: 1,
        insert: 1,
        select: 1,
        replication_factor: 1,
        storage_args: vec!["-snapshotAuthKey=sesame".into()],
        ..ClusterSpec::default()
    });
    let now = common::now_ms();
    let text: String = (0..10)
        .map(|i| format!("stored{{instance=\"i{i}\"}} {i} {}\n", now - 60_000))
        .collect();
    let url = format!(
        "{}/api/v1/import/prometheus",
        cluster.insert[0].insert_base("0")
    );
    api::assert_ingested(&api::import_text(&url, &text), "cluster import");
    cluster.force_flush();
    let select_base = cluster.select[0].select_base("0");
    let expected = api::export(&select_base, &["{__name__!=\"\"}"], None);
    assert_eq!(expected.len(), 10);

    let storage = &mut cluster.storage[0];
    let refused = api::get(&storage.url("/snapshot/list"), &[]);
    assert_eq!(refused.status, 401, "{refused:?}");
    let data = storage.data_path().to_path_buf();
    let done = cli::run(&[
        "backup".into(),
        format!("-storageDataPath={}", data.display()),
        format!(
            "-snapshot.createURL={}?authKey=sesame",
            storage.url("/snapshot/create")
        ),
        format!("-dst=s3://{BUCKET}/{PREFIX}"),
        format!("-customS3Endpoint={}", s3.endpoint()),
    ]);
    assert!(done.success, "backup failed:\n{}", done.output);
    let listed = api::get(&storage.url("/snapshot/list"), &[("authKey", "sesame")]);
    assert!(listed.body.contains("\"snapshots\":[]"), "{listed:?}");

    assert!(storage.stop().success());
    wipe(&data);
    let restored = cli::run(&[
        "restore".into(),
        format!("-src=s3://{BUCKET}/{PREFIX}"),
        format!("-storageDataPath={}", data.display()),
        format!("-customS3Endpoint={}", s3.endpoint()),
    ]);
    assert!(restored.success, "restore failed:\n{}", restored.output);
    storage.restart();
    wait_until_select_sees_a_node(&select_base);
    api::assert_series_eq(
        &expected,
        &api::export(&select_base, &["{__name__!=\"\"}"], None),
        "export through select after restoring the storage node",
    );
}

/// Select marked the stopped storage node down; its next health probe (each
/// second) sees it again. Waits for that, at most 15 s.
fn wait_until_select_sees_a_node(select_base: &str) {
    let url = format!("{select_base}/api/v1/labels");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while api::get(&url, &[]).status != 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "select did not see the restarted storage node within 15 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
