//! The floor of a lab run: what the daemon itself needs to do volume-persistence's reference
//! solution and cleanup, asked straight through the Engine API with nothing between (no parser,
//! no checks, no labrunner code). Every figure `bench/ratios.sh` reports is a ratio to this,
//! measured in the same sitting.
//!
//! ```text
//! floor [--at-once N] [--rounds R] [--prefix P]
//! ```
//!
//! Each round runs N copies at once (names `P-rR-I-isolated-net`, ...) and prints the wall time
//! from the first call to the last copy's end; then the median over the rounds:
//! `floor at_once=N median_s=S`. Images are mapped as `LABRUNNER_IMAGE_MAP` says (default: the
//! fixture busybox), so nothing is pulled.
//!
//! Any lab ([`lab`]): `floor --lab LAB.yaml [--rounds R] [--prefix P]` issues what `labrunner
//! test` issues for it, without checks (`floor lab=ID median_s=S`); with `--students N --jobs J`
//! it issues N students' correct work (setup, solution, cleanup) J at once, as a class grading
//! does (`floor class=N jobs=J median_s=S`).

mod lab;

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::{
    ContainerCreateBody, EndpointSettings, ExecConfig, HostConfig, Mount, MountType,
    NetworkCreateRequest, NetworkingConfig, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptions, LogsOptions, RemoveContainerOptions, RemoveVolumeOptions,
    WaitContainerOptions,
};
use futures_util::StreamExt;
use futures_util::future::try_join_all;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What one copy is called, and the image it runs.
struct Copy {
    network: String,
    volume: String,
    writer: String,
    reader: String,
    image: String,
}

impl Copy {
    fn new(prefix: &str, image: &str) -> Self {
        Copy {
            network: format!("{prefix}-isolated-net"),
            volume: format!("{prefix}-persistent-store"),
            writer: format!("{prefix}-db-writer"),
            reader: format!("{prefix}-ledger-reader"),
            image: image.to_string(),
        }
    }

    fn volume_mount(&self) -> Mount {
        Mount {
            typ: Some(MountType::VOLUME),
            source: Some(self.volume.clone()),
            target: Some("/app/data".into()),
            ..Default::default()
        }
    }

    /// The reference solution, one call per thing the docker CLI would ask for.
    async fn solution(&self, docker: &Docker) -> Result<(), Error> {
        docker
            .create_network(NetworkCreateRequest {
                name: self.network.clone(),
                ..Default::default()
            })
            .await?;
        docker
            .create_volume(VolumeCreateRequest {
                name: Some(self.volume.clone()),
                ..Default::default()
            })
            .await?;
        // docker run -d --name db-writer --network=isolated-net --mount ... sh -c "echo ... && sleep"
        let writer = ContainerCreateBody {
            image: Some(self.image.clone()),
            cmd: Some(vec![
                "/bin/sh".into(),
                "-c".into(),
                "echo 'CRITICAL_DATABASE_TRANSACTION_99' > /app/data/ledger.txt && sleep 3600"
                    .into(),
            ]),
            host_config: Some(HostConfig {
                network_mode: Some(self.network.clone()),
                mounts: Some(vec![self.volume_mount()]),
                ..Default::default()
            }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(
                    [(self.network.clone(), EndpointSettings::default())].into(),
                ),
            }),
            ..Default::default()
        };
        self.create(docker, &self.writer, writer).await?;
        docker.start_container(&self.writer, None).await?;
        // docker exec db-writer cat /app/data/ledger.txt
        self.exec_cat(docker).await?;
        // docker rm -f db-writer
        self.remove_container(docker, &self.writer).await?;
        self.run_reader(docker).await
    }

    /// docker run --name ledger-reader --mount ... cat /app/data/ledger.txt: run to its end, its
    /// output read.
    async fn run_reader(&self, docker: &Docker) -> Result<(), Error> {
        let reader = ContainerCreateBody {
            image: Some(self.image.clone()),
            cmd: Some(vec!["cat".into(), "/app/data/ledger.txt".into()]),
            host_config: Some(HostConfig {
                mounts: Some(vec![self.volume_mount()]),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.create(docker, &self.reader, reader).await?;
        docker.start_container(&self.reader, None).await?;
        let mut wait = docker.wait_container(&self.reader, None::<WaitContainerOptions>);
        if let Some(status) = wait.next().await {
            let code = status?.status_code;
            if code != 0 {
                return Err(format!("{} exited with {code}", self.reader).into());
            }
        }
        let mut logs = docker.logs(
            &self.reader,
            Some(LogsOptions {
                stdout: true,
                stderr: true,
                ..Default::default()
            }),
        );
        let mut printed = String::new();
        while let Some(chunk) = logs.next().await {
            printed.push_str(&chunk?.to_string());
        }
        if !printed.contains("CRITICAL_DATABASE_TRANSACTION_99") {
            return Err(format!("{} printed {printed:?}", self.reader).into());
        }
        Ok(())
    }

    async fn exec_cat(&self, docker: &Docker) -> Result<(), Error> {
        let exec = docker
            .create_exec(
                &self.writer,
                ExecConfig {
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    cmd: Some(vec!["cat".into(), "/app/data/ledger.txt".into()]),
                    ..Default::default()
                },
            )
            .await?;
        if let StartExecResults::Attached { mut output, .. } = docker
            .start_exec(&exec.id, None::<StartExecOptions>)
            .await?
        {
            while let Some(chunk) = output.next().await {
                chunk?;
            }
        }
        docker.inspect_exec(&exec.id).await?;
        Ok(())
    }

    /// The lab's cleanup: its containers, then its network and volume.
    async fn cleanup(&self, docker: &Docker) -> Result<(), Error> {
        self.remove_container(docker, &self.reader).await?;
        docker.remove_network(&self.network).await?;
        docker
            .remove_volume(&self.volume, None::<RemoveVolumeOptions>)
            .await?;
        Ok(())
    }

    async fn create(
        &self,
        docker: &Docker,
        name: &str,
        body: ContainerCreateBody,
    ) -> Result<(), Error> {
        let options = CreateContainerOptions {
            name: Some(name.to_string()),
            ..Default::default()
        };
        docker.create_container(Some(options), body).await?;
        Ok(())
    }

    async fn remove_container(&self, docker: &Docker, name: &str) -> Result<(), Error> {
        let options = RemoveContainerOptions {
            force: true,
            ..Default::default()
        };
        docker.remove_container(name, Some(options)).await?;
        Ok(())
    }

    /// Whatever a failed copy left behind (errors ignored: most of it is already gone).
    async fn sweep(&self, docker: &Docker) {
        for name in [&self.writer, &self.reader] {
            let _ = self.remove_container(docker, name).await;
        }
        let _ = docker.remove_network(&self.network).await;
        let _ = docker
            .remove_volume(&self.volume, None::<RemoveVolumeOptions>)
            .await;
    }
}

/// The image the lab's `alpine:latest` maps to.
fn mapped_image() -> String {
    let map = std::env::var("LABRUNNER_IMAGE_MAP").unwrap_or_default();
    map.split(',')
        .filter_map(|pair| pair.split_once('='))
        .find(|(from, _)| from.trim() == "alpine:latest")
        .map(|(_, to)| to.trim().to_string())
        .unwrap_or_else(|| "labrunner-fixture/busybox:1".into())
}

struct Options {
    at_once: usize,
    rounds: usize,
    prefix: String,
    lab: Option<std::path::PathBuf>,
    students: usize,
    jobs: usize,
}

fn options() -> Result<Options, Error> {
    let mut o = Options {
        at_once: 1,
        rounds: 3,
        prefix: format!("floor{}", std::process::id()),
        lab: None,
        students: 0,
        jobs: 4,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--at-once" => o.at_once = value()?.parse()?,
            "--rounds" => o.rounds = value()?.parse()?,
            "--prefix" => o.prefix = value()?,
            "--lab" => o.lab = Some(value()?.into()),
            "--students" => o.students = value()?.parse()?,
            "--jobs" => o.jobs = value()?.parse()?,
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: floor [--at-once N] [--rounds R] [--prefix P] | floor --lab LAB [--students N --jobs J] [--rounds R] [--prefix P]"
                )
                .into());
            }
        }
    }
    if o.at_once == 0 || o.rounds == 0 || o.jobs == 0 {
        return Err("--at-once, --rounds and --jobs must be at least 1".into());
    }
    Ok(o)
}

async fn round(docker: &Docker, copies: &[Copy]) -> Result<Duration, Error> {
    let started = Instant::now();
    let work = copies.iter().map(|c| async move {
        c.solution(docker).await?;
        c.cleanup(docker).await
    });
    let result = try_join_all(work).await;
    let took = started.elapsed();
    if let Err(e) = result {
        for c in copies {
            c.sweep(docker).await;
        }
        return Err(e);
    }
    Ok(took)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let o = options()?;
    if let Some(path) = &o.lab {
        return lab_rounds(&o, path).await;
    }
    let docker = Docker::connect_with_defaults()?
        .with_timeout(Duration::from_secs(120))
        .negotiate_version()
        .await?;
    let image = mapped_image();
    let mut times = Vec::new();
    for r in 1..=o.rounds {
        let copies: Vec<Copy> = (1..=o.at_once)
            .map(|i| Copy::new(&format!("{}-r{r}-{i}", o.prefix), &image))
            .collect();
        let took = round(&docker, &copies).await?;
        println!(
            "round {r}: {} at once {:.3}s",
            o.at_once,
            took.as_secs_f64()
        );
        times.push(took.as_secs_f64());
    }
    println!(
        "floor at_once={} median_s={:.4}",
        o.at_once,
        median(&mut times)
    );
    Ok(())
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    let n = times.len();
    if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2.0
    }
}

/// `--lab`: the lab's test, or a class of its students, `--rounds` times.
async fn lab_rounds(o: &Options, path: &std::path::Path) -> Result<(), Error> {
    let floor = lab::LabFloor::new(path).await?;
    let mut times = Vec::new();
    for r in 1..=o.rounds {
        let prefix = format!("{}-r{r}", o.prefix);
        let took = if o.students > 0 {
            floor.class(&prefix, o.students, o.jobs).await?
        } else {
            floor.test(&prefix).await?
        };
        println!("round {r}: {:.3}s", took.as_secs_f64());
        times.push(took.as_secs_f64());
    }
    let what = if o.students > 0 {
        format!("class={} jobs={}", o.students, o.jobs)
    } else {
        format!("lab={}", floor.id())
    };
    println!("floor {what} median_s={:.4}", median(&mut times));
    Ok(())
}
