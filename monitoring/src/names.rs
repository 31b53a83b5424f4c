//! Metric names referenced by the alert rules and the dashboard, and names exported by a
//! service. Every zk402 metric starts with [`METRIC_PREFIX`], and neither PromQL functions,
//! label names nor alert names carry that prefix, so a token with it is a metric name.

use std::collections::BTreeSet;

/// Prefix of every metric zk402 exports.
pub const METRIC_PREFIX: &str = "zk402_";

/// The metric families by exporter: the prover service, the merchant gate, the facilitator
/// (embedded in the merchant's process, or standalone) and the Solana RPC client inside the
/// merchant's process.
pub const EXPORTER_PREFIXES: [&str; 4] = ["zk402_prover_", "zk402_merchant_", "zk402_facilitator_", "zk402_rpc_"];

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// Every zk402 metric name in a text (a PromQL expression or a whole rule file).
pub fn referenced(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find(METRIC_PREFIX) {
        let starts_token = !rest[..at].chars().next_back().is_some_and(is_name_char);
        let tail = &rest[at..];
        let len = tail.find(|c: char| !is_name_char(c)).unwrap_or(tail.len());
        if starts_token {
            names.insert(tail[..len].to_owned());
        }
        rest = &tail[len..];
    }
    names
}

/// Every zk402 metric name in a Grafana dashboard's queries: panel targets' `expr` and
/// template variables' `query` strings, at any depth.
pub fn dashboard_referenced(dashboard: &serde_json::Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut stack = vec![dashboard];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("expr" | "query" | "definition", serde_json::Value::String(q)) => names.extend(referenced(q)),
                        _ => stack.push(v),
                    }
                }
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    names
}

/// The sample names in a Prometheus text exposition (histograms contribute their `_bucket`,
/// `_sum` and `_count` series, which is how queries name them).
pub fn exported(exposition: &str) -> BTreeSet<String> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split(|c: char| c == '{' || c.is_whitespace()).next())
        .map(str::to_owned)
        .collect()
}

/// The value of one series in an exposition, named exactly as exported (`name` or
/// `name{label="value",...}`), if present.
pub fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

/// The metric families declared by `# TYPE` lines.
pub fn families(exposition: &str) -> BTreeSet<String> {
    exposition
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_metric_names_and_skips_everything_else() {
        let expr = r#"histogram_quantile(0.95, sum by (le) (rate(zk402_prover_proof_duration_seconds_bucket{job="zk402-prover"}[5m]))) / up and x_zk402_y"#;
        assert_eq!(referenced(expr), BTreeSet::from(["zk402_prover_proof_duration_seconds_bucket".to_owned()]));
    }

    #[test]
    fn reads_exposition_samples_and_families() {
        let text =
            "# HELP zk402_a A.\n# TYPE zk402_a histogram\nzk402_a_bucket{le=\"1\"} 0\nzk402_a_sum 0\nzk402_b 3\n";
        let names: Vec<_> = exported(text).into_iter().collect();
        assert_eq!(names, ["zk402_a_bucket", "zk402_a_sum", "zk402_b"]);
        assert_eq!(families(text).into_iter().collect::<Vec<_>>(), ["zk402_a"]);
        assert_eq!(sample(text, "zk402_a_bucket{le=\"1\"}"), Some(0.0));
        assert_eq!(sample(text, "zk402_b"), Some(3.0));
        assert_eq!(sample(text, "zk402_a"), None);
    }

    #[test]
    fn walks_dashboard_queries() {
        let dashboard = serde_json::json!({
            "panels": [{"title": "zk402_not_a_query", "targets": [{"expr": "rate(zk402_x_total[1m])"}]}],
            "templating": {"list": [{"query": {"query": "label_values(zk402_y, instance)"}}]}
        });
        let names: Vec<_> = dashboard_referenced(&dashboard).into_iter().collect();
        assert_eq!(names, ["zk402_x_total", "zk402_y"]);
    }
}
