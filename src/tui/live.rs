//! Background work for the lab view: the live check loop, assist and reset. Each runs in its
//! own task and reports back over the app's channel; the UI never waits on the daemon.

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::app::{AppEvent, Effect};
use super::lab_view::LiveStatus;

/// Whether this build can run labs against Docker from the TUI.
pub const AVAILABLE: bool = false;

pub struct Driver {
    tx: UnboundedSender<AppEvent>,
    live: Option<JoinHandle<()>>,
}

impl Driver {
    pub fn new(tx: UnboundedSender<AppEvent>) -> Self {
        Driver { tx, live: None }
    }

    pub fn handle(&mut self, effect: Effect) {
        match effect {
            Effect::StartLive { .. } => {
                self.stop();
                let _ = self.tx.send(AppEvent::Live(LiveStatus::Off(
                    "live checks are not available in this build".to_string(),
                )));
            }
            Effect::StopLive => self.stop(),
            Effect::Assist { step, .. } => {
                let _ = self.tx.send(AppEvent::AssistDone {
                    step,
                    error: Some("not available in this build".to_string()),
                });
            }
            Effect::Reset { .. } => {
                let _ = self.tx.send(AppEvent::ResetDone {
                    error: Some("not available in this build".to_string()),
                });
            }
            Effect::Copy(_) => {}
        }
    }

    pub fn stop(&mut self) {
        if let Some(h) = self.live.take() {
            h.abort();
        }
    }
}
