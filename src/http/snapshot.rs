//! `/snapshot/*` on nodes that store data (`estuary single`, `estuary
//! storage`): create, list and delete snapshots of the engine. Answers are
//! VictoriaMetrics's JSON shapes; every failure is 500
//! `{"status":"error","msg":...}`, a wrong `authKey` 401.

use axum::extract::Query;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use estuary_storage::{Engine, EngineError};
use estuary_types::SnapshotName;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// What the snapshot endpoints act on.
pub struct SnapshotAdmin {
    /// The node's engine.
    pub engine: Arc<Engine>,
    /// `-snapshotAuthKey`: when set, every call must pass `authKey=<it>`.
    pub auth_key: Option<String>,
}

/// Whether `path` is one of the snapshot endpoints.
pub fn is_snapshot_path(path: &str) -> bool {
    path.starts_with("/snapshot/")
}

/// Serves `/snapshot/{create,list,delete,delete_all}`.
pub async fn serve(admin: &SnapshotAdmin, path: &str, uri: Uri) -> Response {
    let query = match Query::<HashMap<String, String>>::try_from_uri(&uri) {
        Ok(Query(query)) => query,
        Err(error) => return failure(StatusCode::BAD_REQUEST, format!("bad query: {error}")),
    };
    if let Some(key) = &admin.auth_key
        && query.get("authKey") != Some(key)
    {
        return failure(
            StatusCode::UNAUTHORIZED,
            "the given authKey does not match -snapshotAuthKey".into(),
        );
    }
    let engine = admin.engine.clone();
    let outcome = match path {
        "/snapshot/create" => create(engine)
            .await
            .map(|name| json!({"status": "ok", "snapshot": name.as_str()})),
        "/snapshot/list" => blocking(move || engine.list_snapshots())
            .await
            .map(|names| {
                let names: Vec<&str> = names.iter().map(SnapshotName::as_str).collect();
                json!({"status": "ok", "snapshots": names})
            }),
        "/snapshot/delete" => {
            let name = query
                .get("snapshot")
                .map(String::as_str)
                .unwrap_or_default();
            match SnapshotName::parse(name) {
                Ok(name) => blocking(move || engine.delete_snapshot(&name))
                    .await
                    .map(|()| json!({"status": "ok"})),
                Err(error) => Err(error.to_string()),
            }
        }
        "/snapshot/delete_all" => blocking(move || engine.delete_all_snapshots())
            .await
            .map(|()| json!({"status": "ok"})),
        _ => return super::common::unsupported_path(path),
    };
    match outcome {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(msg) => failure(StatusCode::INTERNAL_SERVER_ERROR, msg),
    }
}

/// Creates a snapshot in a task of its own: when the client goes away
/// before the answer (the handler is dropped), the task finds nobody to hand
/// the name to and deletes the snapshot again, so no orphan is left.
async fn create(engine: Arc<Engine>) -> Result<SnapshotName, String> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let creator = engine.clone();
        let created = blocking(move || creator.create_snapshot()).await;
        if let Err(Ok(name)) = reply.send(created) {
            tracing::warn!(snapshot = %name, "the client left before the answer; deleting the snapshot");
            if let Err(error) = blocking(move || engine.delete_snapshot(&name)).await {
                tracing::error!(%error, "cannot delete the unclaimed snapshot");
            }
        }
    });
    answer
        .await
        .unwrap_or_else(|_| Err("the snapshot task ended without an answer".into()))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, String> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(join) => Err(format!("snapshot task failed: {join}")),
    }
}

fn failure(status: StatusCode, msg: String) -> Response {
    json_response(status, &json!({"status": "error", "msg": msg}))
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
