// An x402 resource server written with the official SDK (@x402/express, @x402/core) that
// accepts zk402 payments: two paid routes, GET /weather and GET /forecast, verified and settled
// by the merchant's zk402 facilitator.
//
//   node server.mjs <cluster.json>     (written by `zk402 localnet`: network, policy, mint,
//                                       merchant, price, facilitator URL)
// PORT (default 4021; 0 picks a free one) and HOST (default 127.0.0.1) set where it listens;
// PUBLIC_URL (default http://HOST:PORT, with the port it got) is the origin clients reach it at.
// Each route states its resource URL from PUBLIC_URL, so the challenge a proof answers names
// the route, not the client's Host header (see zk-groth16.mjs).
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
  new ZkGroth16Server({
    network: cluster.network,
    facilitatorUrl: cluster.facilitatorUrl,
    policy: cluster.policy,
    mint: cluster.mint,
  }),
);
const accepts = { scheme: "zk-groth16", network: cluster.network, payTo: cluster.merchant, price: cluster.price };
const routes = (origin) => ({
  "GET /weather": { accepts, resource: `${origin}/weather`, description: "today's weather", mimeType: "application/json" },
  "GET /forecast": { accepts, resource: `${origin}/forecast`, description: "tomorrow's forecast", mimeType: "application/json" },
});

const app = express();
const host = process.env.HOST ?? "127.0.0.1";
// The routes are set up once the port is known (PORT=0); nothing is served before the line below.
const listener = app.listen(Number(process.env.PORT ?? 4021), host, () => {
  const origin = (process.env.PUBLIC_URL ?? `http://${host}:${listener.address().port}`).replace(/\/+$/, "");
  app.use(paymentMiddleware(routes(origin), resourceServer));
  app.get("/weather", (_req, res) => res.json({ weather: "sunny", paidWith: "zk402" }));
  app.get("/forecast", (_req, res) => res.json({ forecast: "rain", paidWith: "zk402" }));
  console.log(`x402 express server serving ${origin}/weather and /forecast`);
});
process.on("SIGINT", () => listener.close(() => process.exit(0)));
process.on("SIGTERM", () => listener.close(() => process.exit(0)));
