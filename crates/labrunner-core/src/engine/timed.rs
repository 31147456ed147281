//! An [`Engine`] that wraps another and measures the time spent inside its calls.
//!
//! `labrunner test --timings` uses it to show how much of a lab run is the daemon's time and how
//! much is labrunner's own (parsing, check logic, bookkeeping, printing). Calls may overlap (a
//! step's checks can run side by side), so besides the plain sum of call durations it keeps the
//! wall time during which at least one call was in flight: `busy`. The runner's own share of a
//! run is then `total - busy`.
//!
//! The daemon's event stream is long-lived and passed through untimed.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_util::stream::BoxStream;

use super::ports::PortTranslation;
use super::{
    Change, ContainerInfo, CreateOptions, Created, DaemonEvent, Engine, EngineError, ExecOutput,
    NetworkInfo, Prunable, PullProgress, Resources, VolumeFile, VolumeInfo,
};
use crate::command::{Action, ContainerSpec, ExecSpec, NetworkCreate};

/// Totals so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    /// Number of calls made.
    pub calls: u64,
    /// Sum of every call's duration (overlapping calls counted each).
    pub sum: Duration,
    /// Wall time with at least one call in flight.
    pub busy: Duration,
}

#[derive(Debug, Default)]
struct State {
    totals: Timings,
    /// Per method: number of calls and summed duration.
    by_method: BTreeMap<&'static str, (u64, Duration)>,
    in_flight: u32,
    busy_since: Option<Instant>,
}

/// Wraps any engine; every call is forwarded unchanged and timed.
pub struct TimedEngine<E> {
    inner: E,
    state: Mutex<State>,
}

impl<E: Engine> TimedEngine<E> {
    pub fn new(inner: E) -> Self {
        TimedEngine {
            inner,
            state: Mutex::new(State::default()),
        }
    }

    pub fn inner(&self) -> &E {
        &self.inner
    }

    /// Totals so far (a call still in flight counts up to now).
    pub fn timings(&self) -> Timings {
        let state = self.lock();
        let mut t = state.totals;
        if let Some(since) = state.busy_since {
            t.busy += since.elapsed();
        }
        t
    }

    /// Per method (`create_container`, `change`, `container`, ...): calls and summed time.
    pub fn by_method(&self) -> BTreeMap<&'static str, (u64, Duration)> {
        self.lock().by_method.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere; the numbers are still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn begin(&self) -> Instant {
        let now = Instant::now();
        let mut state = self.lock();
        if state.in_flight == 0 {
            state.busy_since = Some(now);
        }
        state.in_flight += 1;
        now
    }

    fn end(&self, method: &'static str, started: Instant) {
        let now = Instant::now();
        let mut state = self.lock();
        state.totals.calls += 1;
        state.totals.sum += now.duration_since(started);
        let entry = state.by_method.entry(method).or_default();
        entry.0 += 1;
        entry.1 += now.duration_since(started);
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0
            && let Some(since) = state.busy_since.take()
        {
            state.totals.busy += now.duration_since(since);
        }
    }

    async fn timed<T>(&self, method: &'static str, call: impl Future<Output = T>) -> T {
        let guard = CallGuard {
            engine: self,
            method,
            started: self.begin(),
        };
        let out = call.await;
        drop(guard);
        out
    }
}

/// Ends the call's interval even when the future is dropped half-way (a timeout, a select).
struct CallGuard<'a, E: Engine> {
    engine: &'a TimedEngine<E>,
    method: &'static str,
    started: Instant,
}

impl<E: Engine> Drop for CallGuard<'_, E> {
    fn drop(&mut self) {
        self.engine.end(self.method, self.started);
    }
}

#[async_trait]
impl<E: Engine> Engine for TimedEngine<E> {
    async fn version(&self) -> Result<String, EngineError> {
        self.timed("version", self.inner.version()).await
    }

    async fn ping(&self) -> Result<(), EngineError> {
        self.timed("ping", self.inner.ping()).await
    }

    fn rename(&self, action: &mut Action) {
        self.inner.rename(action)
    }

    async fn create_container(
        &self,
        spec: &ContainerSpec,
        options: &CreateOptions,
    ) -> Result<Created, EngineError> {
        self.timed(
            "create_container",
            self.inner.create_container(spec, options),
        )
        .await
    }

    async fn change(&self, name: &str, change: &Change) -> Result<(), EngineError> {
        self.timed("change", self.inner.change(name, change)).await
    }

    async fn wait_container(&self, id: &str) -> Result<i64, EngineError> {
        self.timed("wait_container", self.inner.wait_container(id))
            .await
    }

    async fn attach(
        &self,
        id: &str,
    ) -> Result<BoxStream<'static, Result<Vec<u8>, EngineError>>, EngineError> {
        self.timed("attach", self.inner.attach(id)).await
    }

    async fn create_network(
        &self,
        spec: &NetworkCreate,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError> {
        self.timed("create_network", self.inner.create_network(spec, labels))
            .await
    }

    async fn create_volume(
        &self,
        name: Option<&str>,
        driver: Option<&str>,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError> {
        self.timed(
            "create_volume",
            self.inner.create_volume(name, driver, labels),
        )
        .await
    }

    async fn networks(&self) -> Result<Vec<NetworkInfo>, EngineError> {
        self.timed("networks", self.inner.networks()).await
    }

    async fn volumes(&self) -> Result<Vec<VolumeInfo>, EngineError> {
        self.timed("volumes", self.inner.volumes()).await
    }

    async fn prune(&self, what: Prunable, labels: &[String]) -> Result<Vec<String>, EngineError> {
        self.timed("prune", self.inner.prune(what, labels)).await
    }

    async fn inspect_raw(
        &self,
        name: &str,
        shown: Option<&PortTranslation>,
    ) -> Result<Option<serde_json::Value>, EngineError> {
        self.timed("inspect_raw", self.inner.inspect_raw(name, shown))
            .await
    }

    async fn pull_image(
        &self,
        image: &str,
        progress: Option<&tokio::sync::mpsc::UnboundedSender<PullProgress>>,
    ) -> Result<(), EngineError> {
        self.timed("pull_image", self.inner.pull_image(image, progress))
            .await
    }

    async fn running(&self, labels: &[(String, String)]) -> Result<Vec<String>, EngineError> {
        self.timed("running", self.inner.running(labels)).await
    }

    async fn read_logs(
        &self,
        container: &str,
        tail: Option<&str>,
        follow: bool,
        limit: Duration,
    ) -> Result<crate::output::BoundedOutput, EngineError> {
        self.timed(
            "read_logs",
            self.inner.read_logs(container, tail, follow, limit),
        )
        .await
    }

    async fn exec_spec(&self, spec: &ExecSpec, limit: Duration) -> Result<ExecOutput, EngineError> {
        self.timed("exec", self.inner.exec_spec(spec, limit)).await
    }

    async fn network(&self, name: &str) -> Result<Option<NetworkInfo>, EngineError> {
        self.timed("network", self.inner.network(name)).await
    }

    async fn volume(&self, name: &str) -> Result<Option<VolumeInfo>, EngineError> {
        self.timed("volume", self.inner.volume(name)).await
    }

    async fn container(&self, name: &str) -> Result<Option<ContainerInfo>, EngineError> {
        self.timed("container", self.inner.container(name)).await
    }

    async fn image_present(&self, name: &str) -> Result<bool, EngineError> {
        self.timed("image_present", self.inner.image_present(name))
            .await
    }

    async fn volume_file(
        &self,
        image: &str,
        volume: &str,
        path: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<VolumeFile, EngineError> {
        self.timed(
            "volume_file",
            self.inner.volume_file(image, volume, path, labels),
        )
        .await
    }

    async fn labelled(&self, labels: &[(String, String)]) -> Result<Resources, EngineError> {
        self.timed("labelled", self.inner.labelled(labels)).await
    }

    async fn remove_container(&self, name: &str) -> Result<(), EngineError> {
        self.timed("remove_container", self.inner.remove_container(name))
            .await
    }

    async fn remove_network(&self, name: &str) -> Result<(), EngineError> {
        self.timed("remove_network", self.inner.remove_network(name))
            .await
    }

    async fn remove_volume(&self, name: &str) -> Result<(), EngineError> {
        self.timed("remove_volume", self.inner.remove_volume(name))
            .await
    }

    fn events(&self) -> BoxStream<'static, Result<DaemonEvent, EngineError>> {
        self.inner.events()
    }

    fn events_since(
        &self,
        since_ns: i64,
        labels: &[(String, String)],
    ) -> BoxStream<'static, Result<DaemonEvent, EngineError>> {
        self.inner.events_since(since_ns, labels)
    }

    async fn past_events(
        &self,
        since_ns: i64,
        labels: &[(String, String)],
    ) -> Result<Vec<DaemonEvent>, EngineError> {
        self.timed("past_events", self.inner.past_events(since_ns, labels))
            .await
    }

    fn attach_output(&self, container: &str) -> BoxStream<'static, Result<Vec<u8>, EngineError>> {
        self.inner.attach_output(container)
    }

    async fn logs(&self, container: &str) -> Result<crate::output::BoundedOutput, EngineError> {
        self.timed("logs", self.inner.logs(container)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fake::FakeEngine;

    /// An engine whose every call takes `delay`.
    fn slow(delay: Duration) -> FakeEngine {
        let fake = FakeEngine::new();
        fake.set_latency(delay);
        fake
    }

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[tokio::test]
    async fn sequential_calls_add_up() {
        let engine = TimedEngine::new(slow(MS(40)));
        assert_eq!(engine.network("a").await, Ok(None));
        assert_eq!(engine.volume("b").await, Ok(None));
        let t = engine.timings();
        assert_eq!(t.calls, 2);
        assert!(t.sum >= MS(80), "{t:?}");
        // One call after the other: busy time is (about) their sum.
        assert!(t.busy >= MS(80) && t.busy <= t.sum, "{t:?}");
        let by = engine.by_method();
        assert_eq!(by.get("network").map(|m| m.0), Some(1));
        assert_eq!(by.get("volume").map(|m| m.0), Some(1));
        assert!(by.get("volume").is_some_and(|m| m.1 >= MS(40)));
    }

    #[tokio::test]
    async fn overlapping_calls_count_once_in_busy_time() {
        let engine = TimedEngine::new(slow(MS(200)));
        let (a, b) = tokio::join!(engine.network("a"), engine.container("b"));
        assert_eq!((a, b), (Ok(None), Ok(None)));
        let t = engine.timings();
        assert_eq!(t.calls, 2);
        assert!(t.sum >= MS(400), "{t:?}");
        // The two ran side by side: busy is one delay, not two.
        assert!(t.busy >= MS(200) && t.busy < MS(390), "{t:?}");
    }

    #[tokio::test]
    async fn a_call_dropped_half_way_still_ends() {
        let engine = TimedEngine::new(slow(Duration::from_secs(10)));
        let cut = tokio::time::timeout(MS(50), engine.version()).await;
        assert!(cut.is_err());
        let t = engine.timings();
        assert_eq!(t.calls, 1);
        assert!(
            t.busy >= MS(50) && t.busy < Duration::from_secs(10),
            "{t:?}"
        );
    }
}
