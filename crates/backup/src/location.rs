//! Where a backup lives: `s3://bucket/prefix`, `fs:///abs/path` or a plain
//! local path, opened as an object store and a key prefix.

use crate::error::BackupError;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to reach S3 (flags of vmbackup and vmrestore).
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    /// `-customS3Endpoint`: e.g. `http://127.0.0.1:9000` for MinIO or a local
    /// server; the URL then names only the bucket and prefix.
    pub custom_endpoint: Option<String>,
    /// `-s3ForcePathStyle`: `http://endpoint/bucket/key` instead of
    /// `http://bucket.endpoint/key`.
    pub force_path_style: bool,
    /// `-credsFilePath`: an AWS shared credentials file.
    pub creds_file_path: Option<PathBuf>,
    /// `-configProfile`: the profile in that file (default `default`).
    pub config_profile: Option<String>,
}

/// Whether a location is written to (a backup's `-dst`) or only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only: a local directory must exist.
    Read,
    /// Written: a missing local directory is created.
    Write,
}

/// An opened backup location.
#[derive(Debug, Clone)]
pub struct Location {
    /// The store the bucket or directory is.
    pub store: Arc<dyn ObjectStore>,
    /// Keys of the backup start with this (may be empty).
    pub prefix: StorePath,
    /// The URL as given, for messages.
    pub url: String,
    /// The bucket (`s3://`) or root directory (`fs://`): two locations with
    /// the same one can copy server-side.
    pub container: String,
    /// The local directory, for `fs://`.
    pub local_dir: Option<PathBuf>,
}

impl Location {
    /// Parses and opens `url`; a local directory is created only for
    /// [`Access::Write`].
    pub fn open(url: &str, s3: &S3Options, access: Access) -> Result<Location, BackupError> {
        if let Some(rest) = url.strip_prefix("s3://") {
            return open_s3(url, rest, s3);
        }
        if url.contains("://") && !url.starts_with("fs://") {
            return Err(BackupError::Config(format!(
                "unsupported backup URL {url:?}: use s3://bucket/prefix, fs:///absolute/path or a local path"
            )));
        }
        let path = url.strip_prefix("fs://").unwrap_or(url);
        if path.is_empty() {
            return Err(BackupError::Config(format!(
                "backup URL {url:?} names no directory"
            )));
        }
        if url.starts_with("fs://") && !path.starts_with('/') {
            return Err(BackupError::Config(format!(
                "fs:// URL {url:?} must hold an absolute path (fs:///dir)"
            )));
        }
        match access {
            Access::Write => std::fs::create_dir_all(path).map_err(|source| BackupError::Io {
                context: format!("create backup directory {path}"),
                source,
            })?,
            Access::Read if !Path::new(path).is_dir() => {
                return Err(BackupError::Backup(format!(
                    "backup directory {path} does not exist"
                )));
            }
            Access::Read => {}
        }
        let dir = std::fs::canonicalize(path).map_err(|source| BackupError::Io {
            context: format!("resolve backup directory {path}"),
            source,
        })?;
        let store =
            LocalFileSystem::new_with_prefix(&dir).map_err(|source| BackupError::Store {
                context: format!("open backup directory {}", dir.display()),
                source,
            })?;
        Ok(Location {
            store: Arc::new(store),
            prefix: StorePath::default(),
            url: url.to_string(),
            container: format!("fs:{}", dir.display()),
            local_dir: Some(dir),
        })
    }

    /// The key of `relative` (a `/`-separated key under the prefix).
    pub fn key(&self, relative: &str) -> StorePath {
        let prefix = self.prefix.as_ref();
        if prefix.is_empty() {
            StorePath::from(relative)
        } else {
            StorePath::from(format!("{prefix}/{relative}"))
        }
    }

    /// `relative` of a listed key, or `None` if it is outside the prefix.
    pub fn relative<'a>(&self, key: &'a StorePath) -> Option<&'a str> {
        let key = key.as_ref();
        let prefix = self.prefix.as_ref();
        if prefix.is_empty() {
            Some(key)
        } else {
            key.strip_prefix(prefix)?.strip_prefix('/')
        }
    }

    /// Refuses a local backup directory inside (or equal to) `data_path`.
    pub fn refuse_inside(&self, data_path: &Path) -> Result<(), BackupError> {
        let (Some(dir), Ok(data)) = (&self.local_dir, std::fs::canonicalize(data_path)) else {
            return Ok(());
        };
        if dir.starts_with(&data) || data.starts_with(dir) {
            return Err(BackupError::Config(format!(
                "backup directory {} and -storageDataPath {} overlap; put the backup elsewhere",
                dir.display(),
                data.display()
            )));
        }
        Ok(())
    }
}

fn open_s3(url: &str, rest: &str, options: &S3Options) -> Result<Location, BackupError> {
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(BackupError::Config(format!(
            "S3 URL {url:?} names no bucket"
        )));
    }
    let prefix = prefix.trim_matches('/');
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none()
    {
        builder = builder.with_region("us-east-1");
    }
    if let Some(path) = &options.creds_file_path {
        let profile = options.config_profile.as_deref().unwrap_or("default");
        let creds = crate::credentials::read(path, profile)?;
        builder = builder
            .with_access_key_id(creds.access_key_id)
            .with_secret_access_key(creds.secret_access_key);
        if let Some(token) = creds.session_token {
            builder = builder.with_token(token);
        }
    }
    if let Some(endpoint) = &options.custom_endpoint {
        builder = builder
            .with_endpoint(endpoint.trim_end_matches('/'))
            .with_allow_http(endpoint.starts_with("http://"));
    }
    builder = builder.with_virtual_hosted_style_request(!options.force_path_style);
    let store = builder.build().map_err(|source| BackupError::Store {
        context: format!("configure S3 for {url}"),
        source,
    })?;
    let prefix = StorePath::parse(prefix)
        .map_err(|e| BackupError::Config(format!("invalid key prefix in {url:?}: {e}")))?;
    Ok(Location {
        store: Arc::new(store),
        prefix,
        url: url.to_string(),
        container: format!("s3:{bucket}"),
        local_dir: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        let s3 = S3Options::default();
        for bad in [
            "",
            "gs://bucket/x",
            "s3://",
            "s3:///prefix",
            "fs://relative",
        ] {
            assert!(
                Location::open(bad, &s3, Access::Write).is_err(),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn s3_keys_hang_off_the_prefix() {
        let s3 = S3Options {
            custom_endpoint: Some("http://127.0.0.1:9".into()),
            force_path_style: true,
            ..S3Options::default()
        };
        let location =
            Location::open("s3://bucket/cluster1/node-3/", &s3, Access::Read).expect("open");
        let key = location.key("db/1.sst/x");
        assert_eq!(key.as_ref(), "cluster1/node-3/db/1.sst/x");
        assert_eq!(location.relative(&key), Some("db/1.sst/x"));
        assert_eq!(
            location.relative(&StorePath::from("cluster1/node-30/x")),
            None
        );
    }

    #[test]
    fn a_local_backup_inside_the_data_path_is_refused() {
        let data = tempfile::tempdir().expect("temp dir");
        let inside = data.path().join("backup");
        let location = Location::open(
            &format!("fs://{}", inside.display()),
            &S3Options::default(),
            Access::Write,
        )
        .expect("open");
        assert!(location.refuse_inside(data.path()).is_err());
        let other = tempfile::tempdir().expect("temp dir");
        let location = Location::open(
            &other.path().display().to_string(),
            &S3Options::default(),
            Access::Read,
        )
        .expect("open");
        let missing = other.path().join("missing").display().to_string();
        assert!(Location::open(&missing, &S3Options::default(), Access::Read).is_err());
        assert!(!other.path().join("missing").exists());
        assert!(location.refuse_inside(data.path()).is_ok());
    }
}
