//! The daemon's freezer, and the [`StartGuard`] calls around creating and starting a container
//! with bind mounts.

use std::collections::HashMap;

use async_trait::async_trait;
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptions};

use super::DockerEngine;
use crate::command::{ContainerSpec, MountKind};
use crate::engine::{ApplyContext, EngineError, Freezer};

#[async_trait]
impl Freezer for DockerEngine {
    async fn running(&self, labels: &[(String, String)]) -> Result<Vec<String>, EngineError> {
        let filters = HashMap::from([(
            "label".to_string(),
            labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        )]);
        let list = self
            .call(
                "list running containers",
                self.docker.list_containers(Some(ListContainersOptions {
                    all: false,
                    filters: Some(filters),
                    ..Default::default()
                })),
            )
            .await?;
        Ok(list.into_iter().filter_map(|c| c.id).collect())
    }

    async fn pause(&self, id: &str) -> Result<(), EngineError> {
        self.call("pause a container", self.docker.pause_container(id))
            .await
    }

    async fn unpause(&self, id: &str) -> Result<(), EngineError> {
        self.call("unpause a container", self.docker.unpause_container(id))
            .await
    }

    async fn is_running(&self, id: &str) -> Result<bool, EngineError> {
        let inspected = self
            .optional(
                "inspect a container",
                self.docker
                    .inspect_container(id, None::<InspectContainerOptions>),
            )
            .await?;
        Ok(inspected
            .and_then(|c| c.state)
            .and_then(|s| s.running)
            .unwrap_or(false))
    }
}

impl DockerEngine {
    /// Before a container with bind mounts is created: the guard's verdict on its sources, and
    /// the spec with the sources it verified. `None` when there is no guard or no bind mount.
    pub(super) async fn guard_create(
        &self,
        spec: &ContainerSpec,
        ctx: &ApplyContext,
    ) -> Result<Option<ContainerSpec>, EngineError> {
        let Some(guard) = &ctx.start_guard else {
            return Ok(None);
        };
        let binds: Vec<usize> = (0..spec.mounts.len())
            .filter(|&i| spec.mounts[i].kind == MountKind::Bind)
            .collect();
        if binds.is_empty() {
            return Ok(None);
        }
        let sources: Vec<String> = binds
            .iter()
            .map(|&i| spec.mounts[i].source.clone().unwrap_or_default())
            .collect();
        let verified = guard.enter(self, &sources).await?;
        let mut spec = spec.clone();
        for (&i, source) in binds.iter().zip(verified) {
            spec.mounts[i].source = Some(source);
        }
        Ok(Some(spec))
    }

    /// Before an existing container is started: the guard checks the bind sources the daemon
    /// will resolve again. `true` when the guard was entered (and must be left).
    pub(super) async fn guard_start(
        &self,
        name: &str,
        ctx: &ApplyContext,
    ) -> Result<bool, EngineError> {
        let Some(guard) = &ctx.start_guard else {
            return Ok(false);
        };
        let sources = self.bind_sources(name).await?;
        if sources.is_empty() {
            return Ok(false);
        }
        let verified = guard.enter(self, &sources).await?;
        if verified != sources {
            guard.leave(self).await;
            return Err(EngineError::Refused(format!(
                "container {name} has bind mounts from {} that are not plain paths inside the sandbox",
                sources.join(", ")
            )));
        }
        Ok(true)
    }

    /// The bind sources of an existing container, which the daemon resolves again each time
    /// it starts it.
    pub(super) async fn bind_sources(&self, name: &str) -> Result<Vec<String>, EngineError> {
        let inspected = self
            .optional(
                "inspect a container",
                self.docker
                    .inspect_container(name, None::<InspectContainerOptions>),
            )
            .await?;
        Ok(inspected
            .and_then(|c| c.mounts)
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.typ.as_deref() == Some("bind"))
            .filter_map(|m| m.source)
            .collect())
    }

    pub(super) async fn guard_leave(&self, ctx: &ApplyContext) {
        if let Some(guard) = &ctx.start_guard {
            guard.leave(self).await;
        }
    }
}
