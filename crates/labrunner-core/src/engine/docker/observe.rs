//! Following what happens on the daemon: events from a moment on, the events it still
//! remembers, a container's output from its start, and its logs with a bound.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::{AttachContainerOptions, EventsOptions, LogsOptions};
use futures_util::stream::{BoxStream, StreamExt};
use tokio::time::timeout;

use super::{DockerEngine, classify, daemon_event};
use crate::engine::{CALL_TIMEOUT, DaemonEvent, EngineError};

impl DockerEngine {
    pub(super) fn stream_events_since(
        &self,
        since_ns: i64,
        labels: &[(String, String)],
    ) -> BoxStream<'static, Result<DaemonEvent, EngineError>> {
        let kinds = if labels.is_empty() {
            vec!["container", "network", "volume"]
        } else {
            vec!["container"]
        };
        let options = EventsOptions {
            since: Some(api_time(since_ns)),
            filters: Some(event_filters(&kinds, labels)),
            ..Default::default()
        };
        let docker = self.long_lived();
        let endpoint = self.endpoint.clone();
        docker
            .events(Some(options))
            .map(move |item| item.map(daemon_event).map_err(|e| classify(&e, &endpoint)))
            .boxed()
    }

    pub(super) async fn read_past_events(
        &self,
        since_ns: i64,
        labels: &[(String, String)],
    ) -> Result<Vec<DaemonEvent>, EngineError> {
        // `until` to the nanosecond: a whole second would make the daemon hold the request
        // open until that second has passed.
        let options = EventsOptions {
            since: Some(api_time(since_ns)),
            until: Some(api_time(crate::recorder::now_ns())),
            filters: Some(event_filters(&["container"], labels)),
        };
        let mut stream = self.docker.events(Some(options));
        let mut events = Vec::new();
        let read = timeout(CALL_TIMEOUT, async {
            while let Some(item) = stream.next().await {
                events.push(daemon_event(
                    item.map_err(|e| classify(&e, &self.endpoint))?,
                ));
                if events.len() >= PAST_EVENTS_LIMIT {
                    break;
                }
            }
            Ok::<(), EngineError>(())
        })
        .await;
        match read {
            Ok(r) => r.map(|()| events),
            Err(_) => Err(EngineError::Timeout {
                what: "read past events".into(),
                secs: CALL_TIMEOUT.as_secs(),
            }),
        }
    }

    pub(super) fn attach_stream(
        &self,
        container: &str,
    ) -> BoxStream<'static, Result<Vec<u8>, EngineError>> {
        let options = AttachContainerOptions {
            logs: true,
            stream: true,
            stdout: true,
            stderr: true,
            ..Default::default()
        };
        // Attached for the container's whole life: no per-call time limit.
        let docker = self.long_lived();
        let endpoint = self.endpoint.clone();
        let id = container.to_string();
        futures_util::stream::once(async move {
            match docker.attach_container(&id, Some(options)).await {
                Ok(attached) => attached
                    .output
                    .map(move |item| {
                        item.map(|o| o.into_bytes().to_vec())
                            .map_err(|e| classify(&e, &endpoint))
                    })
                    .boxed(),
                Err(e) => {
                    let error = classify(&e, &endpoint);
                    futures_util::stream::once(async move { Err(error) }).boxed()
                }
            }
        })
        .flatten()
        .boxed()
    }

    pub(super) async fn bounded_logs(
        &self,
        container: &str,
        limit: usize,
    ) -> Result<String, EngineError> {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: "all".to_string(),
            ..Default::default()
        };
        let mut stream = self.docker.logs(container, Some(options));
        let mut out: Vec<u8> = Vec::new();
        let read = timeout(CALL_TIMEOUT, async {
            while let Some(item) = stream.next().await {
                let chunk = item.map_err(|e| classify(&e, &self.endpoint))?.into_bytes();
                let room = limit.saturating_sub(out.len());
                out.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if out.len() >= limit {
                    break;
                }
            }
            Ok::<(), EngineError>(())
        })
        .await;
        match read {
            Ok(r) => r.map(|()| String::from_utf8_lossy(&out).to_string()),
            Err(_) => Err(EngineError::Timeout {
                what: format!("read the logs of {container}"),
                secs: CALL_TIMEOUT.as_secs(),
            }),
        }
    }

    /// A client without the per-call time limit, for streams that live long.
    fn long_lived(&self) -> Docker {
        self.docker
            .clone()
            .with_timeout(Duration::from_secs(u32::MAX as u64))
    }
}

/// Most past events read at once.
const PAST_EVENTS_LIMIT: usize = 10_000;

/// Nanoseconds since the epoch as the API's `seconds.nanoseconds`.
fn api_time(ns: i64) -> String {
    format!(
        "{}.{:09}",
        ns.div_euclid(1_000_000_000),
        ns.rem_euclid(1_000_000_000)
    )
}

/// The daemon's event filter for `kinds`, narrowed to what carries every one of `labels`
/// (the daemon matches them against a container's labels).
fn event_filters(kinds: &[&str], labels: &[(String, String)]) -> HashMap<String, Vec<String>> {
    let mut filters = HashMap::from([(
        "type".to_string(),
        kinds.iter().map(ToString::to_string).collect(),
    )]);
    if !labels.is_empty() {
        filters.insert(
            "label".to_string(),
            labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        );
    }
    filters
}
