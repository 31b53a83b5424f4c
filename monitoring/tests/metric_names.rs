//! Every metric the alert rules and the dashboard name is exported by the running services:
//! the real prover service is started on loopback with the committed test key, answers one
//! proof, and its `/metrics` is scraped and compared.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zk402_circuit::artifacts::ArtifactPaths;
use zk402_monitoring::names::{EXPORTER_PREFIXES, dashboard_referenced, exported, families, referenced};
use zk402_prover::service::config::ServiceConfig;

fn monitoring_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rule_names() -> BTreeSet<String> {
    referenced(&std::fs::read_to_string(monitoring_dir().join("alerts.yml")).expect("alerts.yml"))
}

fn dashboard_names() -> BTreeSet<String> {
    let text = std::fs::read_to_string(monitoring_dir().join("grafana/zk402.json")).expect("dashboard");
    dashboard_referenced(&serde_json::from_str(&text).expect("dashboard JSON"))
}

fn test_zkey() -> PathBuf {
    monitoring_dir().join("../ceremony/test-ceremony/payment_final.zkey")
}

/// A metrics exposition scraped from a running service, with the metric prefixes it owns.
struct Scraped {
    prefixes: &'static [&'static str],
    exposition: String,
}

/// Starts the prover service on loopback, sends it one valid proof request, and scrapes it.
async fn scrape_prover() -> Scraped {
    let config = ServiceConfig {
        bind: "127.0.0.1:0".parse().expect("address"),
        zkey: test_zkey(),
        wasm: ArtifactPaths::committed().wasm,
        workers: 1,
        queue_depth: 2,
        body_limit: 8192,
        rate: 100.0,
        burst: 100,
        max_clients: 16,
        api_key_header: None,
        cache_capacity: 16,
        cache_ttl: 60,
        retry_after: 1,
    };
    let listener = tokio::net::TcpListener::bind(config.bind).await.expect("loopback listener");
    let addr: SocketAddr = listener.local_addr().expect("local address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(zk402_prover::service::run(listener, config, async {
        let _ = stopped.await;
    }));
    zk402_prover::load::wait_ready(addr).await.expect("prover ready");
    let inputs = zk402_prover::sample::payment(zk402_prover::sample::unix_now(), 600, zk402_circuit::Fr::from(1u64))
        .expect("inputs");
    let body = serde_json::to_string(&inputs).expect("inputs JSON");
    assert_eq!(zk402_prover::load::post_proof(addr, &body).await.expect("proof request"), 200);
    let (status, exposition) =
        zk402_monitoring::http::get(addr, "/metrics", Duration::from_secs(10)).await.expect("scrape");
    assert_eq!(status, 200);
    assert!(exposition.contains("zk402_prover_requests_total{outcome=\"proved\"} 1"), "{exposition}");
    let _ = stop.send(());
    server.await.expect("server task").expect("server stops cleanly");
    Scraped { prefixes: &["zk402_prover_"], exposition }
}

/// Every service whose metrics this test scrapes. The merchant gate (`zk402_merchant_*`, and
/// the RPC client's `zk402_rpc_*` in the same process) joins this list once it can be started
/// in-process the way [`scrape_prover`] starts the prover.
async fn scrape_services() -> Vec<Scraped> {
    vec![scrape_prover().await]
}

#[test]
fn every_referenced_metric_belongs_to_an_exporter() {
    for name in rule_names().union(&dashboard_names()) {
        assert!(EXPORTER_PREFIXES.iter().any(|p| name.starts_with(p)), "{name} has no known exporter prefix");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_in_rules_and_dashboard_is_exported() {
    let (rules, dashboard) = (rule_names(), dashboard_names());
    let scraped = scrape_services().await;
    let mut checked = 0;
    for service in &scraped {
        let names = exported(&service.exposition);
        let owned = |name: &&String| service.prefixes.iter().any(|p| name.starts_with(p));
        for (source, referenced) in [("alerts.yml", &rules), ("grafana/zk402.json", &dashboard)] {
            for name in referenced.iter().filter(owned) {
                assert!(
                    names.contains(name),
                    "{source} names {name}, which the service does not export:\n{}",
                    service.exposition
                );
                checked += 1;
            }
        }
        // The other direction: every family the service exports has a dashboard panel.
        for family in families(&service.exposition) {
            assert!(
                dashboard.iter().any(|name| name.starts_with(&family)),
                "exported metric {family} is on no dashboard panel"
            );
        }
    }
    let unscraped: BTreeSet<_> = rules
        .union(&dashboard)
        .filter(|name| !scraped.iter().any(|s| s.prefixes.iter().any(|p| name.starts_with(p))))
        .collect();
    eprintln!("checked {checked} references; not yet scraped (no running exporter here): {unscraped:?}");
    assert!(checked > 0);
}
