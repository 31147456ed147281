//! `clean`: remove what runs left behind, found by their run labels, and nothing of a live run.
//!
//! By default only runs this machine's labrunner recorded ([`crate::runs::RunRegistry`]) and
//! whose process has ended are cleaned: each is adopted first (so that no grading claims its
//! namespace meanwhile), then everything carrying its run label is removed, then it is
//! forgotten. Objects that merely carry labrunner's labels (put there by hand, or by a
//! labrunner with another data folder) are removed only when asked for ([`Scope::all_labelled`]),
//! and even then never those of a run that is alive.

use crate::engine::{Engine, EngineError};
use crate::lab::Resource;
use crate::labels::{LABEL_LAB, LABEL_MANAGED, LABEL_RUN};
use crate::runs::{RunEntry, RunError, RunRegistry};
use crate::sweep::sweep;
use std::collections::BTreeSet;

/// What to clean.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Only what this lab's runs created.
    pub lab: Option<String>,
    /// Only what this run created.
    pub run: Option<String>,
    /// Also objects no recorded run owns, as long as they carry labrunner's labels.
    pub all_labelled: bool,
    /// List, remove nothing.
    pub dry_run: bool,
}

/// What `clean` did, or would do.
#[derive(Debug, Default)]
pub struct Cleaned {
    /// Removed (or, in a dry run, to be removed).
    pub removed: Vec<Resource>,
    /// Could not be removed, with the daemon's reason.
    pub failed: Vec<(Resource, EngineError)>,
    /// Recorded runs left alone because they are alive.
    pub live: Vec<RunEntry>,
    /// Labelled objects no recorded run owns, left alone (without `all_labelled`).
    pub unrecorded: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CleanError {
    #[error(transparent)]
    Registry(#[from] RunError),
    #[error("{0}")]
    Daemon(#[from] EngineError),
}

fn label(key: &str, value: &str) -> (String, String) {
    (key.to_string(), value.to_string())
}

/// Clean per `scope`.
pub async fn clean(
    engine: &dyn Engine,
    registry: &RunRegistry,
    scope: &Scope,
) -> Result<Cleaned, CleanError> {
    let mut base = vec![label(LABEL_MANAGED, "true")];
    if let Some(lab) = &scope.lab {
        base.push(label(LABEL_LAB, lab));
    }
    let mut out = Cleaned::default();
    let wanted = |e: &RunEntry| {
        scope.run.as_ref().is_none_or(|r| *r == e.run)
            && scope.lab.as_ref().is_none_or(|l| *l == e.lab)
    };
    // Objects listed before the live runs are read: a run that starts after this list has
    // nothing in it, and one that started before is in the registry read next.
    let everything = engine
        .labelled(&with_run(&base, scope.run.as_deref()))
        .await?;
    let mut handled: BTreeSet<Resource> = BTreeSet::new();
    for (entry, liveness) in registry.entries()? {
        if liveness.is_alive() {
            // Whatever carries a live run's label is never a target, whatever the scope.
            handled.extend(
                engine
                    .labelled(&[label(LABEL_RUN, &entry.run)])
                    .await?
                    .listed(),
            );
            if wanted(&entry) {
                out.live.push(entry);
            }
            continue;
        }
        if !wanted(&entry) {
            continue;
        }
        let claim = if scope.dry_run {
            None
        } else {
            match registry.adopt(&entry.run)? {
                Some(claim) => Some(claim),
                // Alive again (a grading claimed the namespace) or forgotten meanwhile.
                None => continue,
            }
        };
        let found = engine
            .labelled(&with_run(&base, Some(&entry.run)))
            .await?
            .listed();
        handled.extend(found.iter().cloned());
        let failed_before = out.failed.len();
        remove(engine, found, scope.dry_run, &mut out).await;
        match claim {
            Some(claim) if out.failed.len() == failed_before => claim.release()?,
            Some(claim) => claim.keep(),
            None => {}
        }
    }
    let rest: Vec<Resource> = everything
        .listed()
        .into_iter()
        .filter(|r| !handled.contains(r))
        .collect();
    if scope.all_labelled {
        remove(engine, rest, scope.dry_run, &mut out).await;
    } else {
        out.unrecorded = rest.len();
    }
    Ok(out)
}

fn with_run(base: &[(String, String)], run: Option<&str>) -> Vec<(String, String)> {
    let mut labels = base.to_vec();
    labels.extend(run.map(|r| label(LABEL_RUN, r)));
    labels
}

/// Remove `targets` ([`sweep`]), or in a dry run list them in the order they would go.
async fn remove(engine: &dyn Engine, mut targets: Vec<Resource>, dry_run: bool, out: &mut Cleaned) {
    if dry_run {
        targets.sort_by_key(|r| r.kind);
        out.removed.extend(targets);
        return;
    }
    let swept = sweep(engine, targets).await;
    out.removed.extend(swept.removed);
    out.failed.extend(swept.failed);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::command::{Action, NetworkCreate};
    use crate::engine::fake::FakeEngine;
    use crate::execute::{ApplyContext, execute};

    /// A network labelled with `labels` only (no run label when `run` is `None`).
    async fn network(fake: &FakeEngine, name: &str, run: Option<&str>) {
        let mut labels = BTreeMap::from([label(LABEL_MANAGED, "true"), label(LABEL_LAB, "lab")]);
        labels.extend(run.map(|r| label(LABEL_RUN, r)));
        let action = Action::NetworkCreate(NetworkCreate {
            name: name.into(),
            ..Default::default()
        });
        let ctx = ApplyContext::for_run(labels, Default::default());
        execute(fake, &action, &ctx).await.expect("created");
    }

    fn names(rs: &[Resource]) -> Vec<&str> {
        rs.iter().map(|r| r.name.as_str()).collect()
    }

    #[tokio::test]
    async fn only_ended_recorded_runs_by_default_never_a_live_one() {
        let fake = FakeEngine::new();
        let dir = tempfile::tempdir().expect("temp");
        let registry = RunRegistry::at(dir.path());
        registry.record_ended("ended", Some("ns1"), "lab");
        let live = registry.claim("live", None, "lab").expect("claim");
        network(&fake, "ns1--net", Some("ended")).await;
        network(&fake, "live-net", Some("live")).await;
        network(&fake, "decoy", None).await;
        network(&fake, "someone-elses", Some("unrecorded")).await;

        let dry = Scope {
            dry_run: true,
            ..Scope::default()
        };
        let out = clean(&fake, &registry, &dry).await.expect("dry run");
        assert_eq!(names(&out.removed), ["ns1--net"]);
        assert_eq!(out.unrecorded, 2);
        assert_eq!(fake.existing().len(), 4, "a dry run removes nothing");

        let out = clean(&fake, &registry, &Scope::default())
            .await
            .expect("clean");
        assert_eq!(names(&out.removed), ["ns1--net"]);
        assert_eq!(
            out.live.iter().map(|e| e.run.as_str()).collect::<Vec<_>>(),
            ["live"]
        );
        let runs: Vec<String> = registry
            .entries()
            .unwrap()
            .into_iter()
            .map(|(e, _)| e.run)
            .collect();
        assert_eq!(
            runs,
            ["live"],
            "the ended run is forgotten once its objects are gone"
        );

        // Everything labelled, on request; still never the live run's.
        let all = Scope {
            all_labelled: true,
            ..Scope::default()
        };
        let out = clean(&fake, &registry, &all).await.expect("clean");
        assert_eq!(names(&out.removed), ["decoy", "someone-elses"]);
        assert_eq!(fake.existing(), ["network live-net"]);
        live.release().unwrap();
    }

    #[tokio::test]
    async fn scope_by_lab_and_run() {
        let fake = FakeEngine::new();
        let dir = tempfile::tempdir().expect("temp");
        let registry = RunRegistry::at(dir.path());
        registry.record_ended("a", None, "lab");
        registry.record_ended("b", None, "lab");
        registry.record_ended("c", None, "other-lab");
        network(&fake, "a-net", Some("a")).await;
        network(&fake, "b-net", Some("b")).await;
        let by_run = Scope {
            run: Some("a".into()),
            ..Scope::default()
        };
        let out = clean(&fake, &registry, &by_run).await.expect("clean");
        assert_eq!(names(&out.removed), ["a-net"]);
        let by_lab = Scope {
            lab: Some("other-lab".into()),
            ..Scope::default()
        };
        let out = clean(&fake, &registry, &by_lab).await.expect("clean");
        assert!(out.removed.is_empty());
        assert_eq!(fake.existing(), ["network b-net"]);
        assert_eq!(registry.entries().unwrap().len(), 1, "b is still recorded");
    }
}
