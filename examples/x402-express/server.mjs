// An x402 resource server written with the official SDK (@x402/express, @x402/core) that
// accepts zk402 payments: two paid routes, GET /weather and GET /forecast, verified and settled
// by the merchant's zk402 facilitator.
//
//   node server.mjs <cluster.json>     (written by `zk402 localnet`: network, policy, mint,
//                                       merchant, price, facilitator URL)
// PORT (default 4021; 0 picks a free one) and HOST (default 127.0.0.1) set where it listens.
import express from "express";
import { readFileSync } from "node:fs";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { paymentMiddleware, x402ResourceServer } from "@x402/express";
import { ZkGroth16Server } from "./zk-groth16.mjs";

const clusterFile = process.argv[2];
if (!clusterFile) {
  console.error("usage: node server.mjs <cluster.json>");
  process.exit(2);
}
const cluster = JSON.parse(readFileSync(clusterFile, "utf8"));

const facilitator = new HTTPFacilitatorClient({ url: cluster.facilitatorUrl });
const resourceServer = new x402ResourceServer(facilitator).register(
  cluster.network,
  new ZkGroth16Server({ facilitatorUrl: cluster.facilitatorUrl, policy: cluster.policy, mint: cluster.mint }),
);
const accepts = { scheme: "zk-groth16", network: cluster.network, payTo: cluster.merchant, price: cluster.price };
const routes = {
  "GET /weather": { accepts, description: "today's weather", mimeType: "application/json" },
  "GET /forecast": { accepts, description: "tomorrow's forecast", mimeType: "application/json" },
};

const app = express();
app.use(paymentMiddleware(routes, resourceServer));
app.get("/weather", (_req, res) => res.json({ weather: "sunny", paidWith: "zk402" }));
app.get("/forecast", (_req, res) => res.json({ forecast: "rain", paidWith: "zk402" }));

const listener = app.listen(Number(process.env.PORT ?? 4021), process.env.HOST ?? "127.0.0.1", () => {
  const { address, port } = listener.address();
  console.log(`x402 express server serving http://${address}:${port}/weather and /forecast`);
});
process.on("SIGINT", () => listener.close(() => process.exit(0)));
process.on("SIGTERM", () => listener.close(() => process.exit(0)));
