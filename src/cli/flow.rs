//! Starts the sealed-message flow worker for the reader: the config's trusted portals, the trust
//! file in the state directory, and for the demo its own portal (trusted, no trust file).

use tokio::sync::mpsc;

use crate::app::run::FlowLink;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::portal::flow::FlowSettings;

/// Room for requests from the UI (one per keypress at most).
const REQUEST_QUEUE: usize = 16;
/// Room for events to the UI (device-poll heartbeats are dropped when it is full).
const EVENT_QUEUE: usize = 64;

/// Spawns the worker; it ends when the link is dropped.
pub fn start(
    config: &Config,
    demo: Option<&crate::demo::DemoMailbox>,
    metrics: Metrics,
) -> FlowLink {
    let mut settings = match demo {
        Some(demo) => demo.flow_settings(metrics),
        None => FlowSettings::new(Vec::new(), metrics),
    };
    settings
        .trusted_portals
        .extend(config.trusted_portals.iter().cloned());
    let (requests, requests_rx) = mpsc::channel(REQUEST_QUEUE);
    let (events_tx, events) = mpsc::channel(EVENT_QUEUE);
    // The worker's task ends by itself once `requests` is dropped with the link.
    drop(crate::portal::flow::spawn(settings, requests_rx, events_tx));
    FlowLink { requests, events }
}
