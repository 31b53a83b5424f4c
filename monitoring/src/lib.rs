//! Operations tooling for zk402: the metric-name check behind `monitoring/alerts.yml` and
//! `monitoring/grafana/zk402.json` ([`names`]), and the load and chaos suites that
//! `monitoring/suites.sh` runs to write `monitoring/report.md` ([`suites`]).

pub mod http;
pub mod names;
pub mod suites;
