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
use crate::output::{BoundedOutput, LOGS_READ_LIMIT, LOGS_TAIL_LINES, OUTPUT_TAIL};

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
            until: Some(api_time(crate::ids::now_ns())),
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
            Err(_) => Err(EngineError::NoAnswer {
                what: "read past events".into(),
                secs: CALL_TIMEOUT.as_secs(),
            }),
        }
    }

    /// What a container prints from its start (with `logs`, what it printed before too), for as
    /// long as it runs.
    pub(super) fn attach_stream(
        &self,
        container: &str,
    ) -> BoxStream<'static, Result<Vec<u8>, EngineError>> {
        let docker = self.long_lived();
        let endpoint = self.endpoint.clone();
        let id = container.to_string();
        futures_util::stream::once(async move {
            match attach(&docker, &endpoint, &id, true).await {
                Ok(stream) => stream,
                Err(error) => futures_util::stream::once(async move { Err(error) }).boxed(),
            }
        })
        .flatten()
        .boxed()
    }

    /// Attached to a container once this returns (before its start, nothing it prints is
    /// missed); the stream ends when the container does.
    pub(super) async fn attach_now(
        &self,
        container: &str,
    ) -> Result<BoxStream<'static, Result<Vec<u8>, EngineError>>, EngineError> {
        let docker = self.long_lived();
        match timeout(
            CALL_TIMEOUT,
            attach(&docker, &self.endpoint, container, false),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(EngineError::NoAnswer {
                what: format!("attach to {container}"),
                secs: CALL_TIMEOUT.as_secs(),
            }),
        }
    }

    /// A container's logs (the last `tail` lines, or all), read to their end (with `follow`,
    /// on until the container ends) within `limit`, kept with the bound of a [`BoundedOutput`].
    pub(super) async fn logs_until(
        &self,
        container: &str,
        tail: Option<&str>,
        follow: bool,
        limit: Duration,
    ) -> Result<BoundedOutput, EngineError> {
        let mut stream = self.logs_stream(container, tail, follow);
        let mut out = BoundedOutput::new();
        let read = timeout(limit, async {
            while let Some(item) = stream.next().await {
                let chunk = item.map_err(|e| classify(&e, &self.endpoint))?;
                out.push(&chunk.into_bytes());
            }
            Ok::<(), EngineError>(())
        })
        .await;
        match read {
            Ok(r) => r.map(|()| out),
            Err(_) => Err(EngineError::Timeout {
                what: format!("read the logs of {container}"),
                secs: limit.as_secs(),
            }),
        }
    }

    /// A container's logs as a check reads them: from their start up to [`LOGS_READ_LIMIT`]
    /// bytes, and when there are more, their last [`LOGS_TAIL_LINES`] lines for the tail.
    pub(super) async fn sampled_logs(&self, container: &str) -> Result<BoundedOutput, EngineError> {
        let read = async {
            let mut start = BoundedOutput::new();
            let mut stream = self.logs_stream(container, None, false);
            while let Some(item) = stream.next().await {
                let chunk = item.map_err(|e| classify(&e, &self.endpoint))?;
                start.push(&chunk.into_bytes());
                if start.total() > LOGS_READ_LIMIT {
                    break;
                }
            }
            if start.total() <= LOGS_READ_LIMIT {
                return Ok(start);
            }
            drop(stream);
            let mut end = BoundedOutput::with_limits(0, OUTPUT_TAIL);
            let lines = LOGS_TAIL_LINES.to_string();
            let mut stream = self.logs_stream(container, Some(&lines), false);
            while let Some(item) = stream.next().await {
                let chunk = item.map_err(|e| classify(&e, &self.endpoint))?;
                end.push(&chunk.into_bytes());
            }
            Ok::<_, EngineError>(start.then_end(&end))
        };
        match timeout(CALL_TIMEOUT, read).await {
            Ok(r) => r,
            Err(_) => Err(EngineError::Timeout {
                what: format!("read the logs of {container}"),
                secs: CALL_TIMEOUT.as_secs(),
            }),
        }
    }

    fn logs_stream(
        &self,
        container: &str,
        tail: Option<&str>,
        follow: bool,
    ) -> impl futures_util::Stream<
        Item = Result<bollard::container::LogOutput, bollard::errors::Error>,
    > + use<> {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: tail.unwrap_or("all").to_string(),
            follow,
            ..Default::default()
        };
        self.long_lived().logs(container, Some(options))
    }

    /// A client without the per-call time limit, for streams that live long.
    fn long_lived(&self) -> Docker {
        self.docker
            .clone()
            .with_timeout(Duration::from_secs(u32::MAX as u64))
    }
}

/// Attach to a container's standard output and error (with `logs`, from its start).
async fn attach(
    docker: &Docker,
    endpoint: &str,
    id: &str,
    logs: bool,
) -> Result<BoxStream<'static, Result<Vec<u8>, EngineError>>, EngineError> {
    let options = AttachContainerOptions {
        logs,
        stream: true,
        stdout: true,
        stderr: true,
        ..Default::default()
    };
    let endpoint = endpoint.to_string();
    match docker.attach_container(id, Some(options)).await {
        Ok(attached) => Ok(attached
            .output
            .map(move |item| {
                item.map(|o| o.into_bytes().to_vec())
                    .map_err(|e| classify(&e, &endpoint))
            })
            .boxed()),
        Err(e) => Err(classify(&e, &endpoint)),
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
