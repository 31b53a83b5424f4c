#!/usr/bin/env bash
# Static checks of the monitoring config: the Prometheus configuration (with its file_sd
# target files and rule files), the alert rules, the alert unit tests, and the dashboard JSON.
# Needs promtool (Debian package `prometheus`) and jq. The metric names are checked against
# the running services by `cargo test -p zk402-monitoring`.
set -euo pipefail
cd "$(dirname "$0")"
promtool check config prometheus.yml
promtool check rules alerts.yml
promtool test rules alerts_test.yml
jq -e '.panels | length > 0' grafana/zk402.json >/dev/null
echo "grafana/zk402.json: valid JSON with $(jq '[.panels[] | select(.type != "row")] | length' grafana/zk402.json) panels"
