//! Every metric the alert rules and the dashboard name is exported by the running services, and
//! every family they export has a dashboard panel. One end-to-end scene runs on loopback: the
//! in-process cluster behind its JSON-RPC facade, the prover service with the committed test
//! key, and the real merchant app reaching the chain through `[dead endpoint, facade]` (so the
//! RPC fallback's families carry samples). One paid request and one malformed header go
//! through the merchant; once its embedded facilitator has settled the payment on chain (so
//! the settlement histograms carry samples), both `/metrics` are scraped and compared.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use url::Url;
use zk402_cli::app::RESOURCE_PATH;
use zk402_cli::world::Terms;
use zk402_e2e::{MerchantSetup, Scene, dead_address, pay_and_prove, rpc_backend, serve_merchant};
use zk402_monitoring::http;
use zk402_monitoring::names::{EXPORTER_PREFIXES, dashboard_referenced, exported, families, referenced, sample};
use zk402_monitoring::suites::merchant::await_sample;

const SCRAPE_TIMEOUT: Duration = Duration::from_secs(10);

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

/// A metrics exposition scraped from a running service, with the metric prefixes it owns.
struct Scraped {
    prefixes: &'static [&'static str],
    exposition: String,
}

async fn scrape(addr: SocketAddr) -> String {
    let (status, exposition) = http::get(addr, "/metrics", &[], SCRAPE_TIMEOUT).await.expect("scrape");
    assert_eq!(status, 200);
    exposition
}

/// Starts the scene, pays once through a merchant whose first RPC endpoint is dead, sends one
/// malformed `PAYMENT-SIGNATURE`, waits for the payment's settlement, and scrapes the prover
/// and the merchant.
async fn scrape_services() -> Vec<Scraped> {
    let scene = Scene::start(Terms::default()).await;
    let dead = Url::parse(&format!("http://{}", dead_address().await)).expect("url");
    let chain = rpc_backend(&[dead, scene.rpc_url.clone()]);
    let merchant =
        serve_merchant(&scene.world, &scene.network, chain, scene.dir.path(), MerchantSetup::default()).await;
    let payer = scene.payer();
    let (offer, paid) = pay_and_prove(&payer, &merchant.resource_url(), &merchant.base_url()).await;
    assert_eq!(payer.redeem(&offer, &paid).await.expect("paid access").status, 200);
    let malformed = [(zk402_x402::PAYMENT_SIGNATURE, "not base64!")];
    let (status, _) = http::get(merchant.address, RESOURCE_PATH, &malformed, SCRAPE_TIMEOUT).await.expect("request");
    assert_eq!(status, 400);

    let settled = "zk402_facilitator_settled_total";
    await_sample(merchant.address, settled, 1.0, Duration::from_secs(30)).await.expect("settlement");

    let prover = scene.prover_url.trim_start_matches("http://").parse().expect("prover address");
    let prover = scrape(prover).await;
    assert!(prover.contains("zk402_prover_requests_total{outcome=\"proved\"} 1"), "{prover}");
    let merchant = scrape(merchant.address).await;
    assert_eq!(sample(&merchant, "zk402_merchant_payments_accepted_total"), Some(1.0), "{merchant}");
    assert_eq!(sample(&merchant, "zk402_merchant_confirmation_seconds_count"), Some(1.0), "{merchant}");
    assert!(sample(&merchant, "zk402_rpc_fallbacks_total").is_some_and(|n| n >= 1.0), "{merchant}");
    let valid = "zk402_facilitator_verifications_total{result=\"valid\"}";
    assert_eq!(sample(&merchant, valid), Some(1.0), "{merchant}");
    assert_eq!(sample(&merchant, "zk402_facilitator_settlement_batch_size_count"), Some(1.0), "{merchant}");
    assert_eq!(sample(&merchant, "zk402_facilitator_settlement_seconds_count"), Some(1.0), "{merchant}");
    vec![
        Scraped { prefixes: &["zk402_prover_"], exposition: prover },
        Scraped { prefixes: &["zk402_merchant_", "zk402_facilitator_", "zk402_rpc_"], exposition: merchant },
    ]
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
    assert!(unscraped.is_empty(), "no running exporter checked {unscraped:?}");
    eprintln!("checked {checked} references against the prover and the merchant");
    assert!(checked > 0);
}
