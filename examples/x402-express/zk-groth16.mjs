// The `zk-groth16` scheme (zk402) for an x402 resource server built with the official SDK
// (@x402/core, @x402/express): copy this file, register the class for your network, and point
// your HTTPFacilitatorClient at the merchant's zk402 facilitator (`zk402 facilitator serve`).
//
// A zk402 payment is a zero-knowledge proof that spends one credit of a receipt; the proof is
// bound to a challenge the facilitator mints for the request's method and URL. This server does
// not hold the challenge key: for every 402 it asks the facilitator (`POST /challenge`) for a
// challenge for the request it answers, and the facilitator's /verify refuses a proof made for
// another request. Verification and settlement are the facilitator's (/verify, /settle).
//
// The URL is the SDK's resource URL: the route's `resource` if its RouteConfig states one, else
// `${protocol}://${Host header}${originalUrl}`, which the client writes (Host `a/weather?` on
// /forecast reads as Host `a` on /weather?/forecast, so a proof made for one route could pay
// for another). State `resource` on every paid route, from your public origin (server.mjs
// does); a proof then pays for its route whatever the Host header or query string. If you
// cannot, have a reverse proxy you control set Host to your public host.
//
// Privacy: the facilitator receives that URL for every 402 this server answers, unpaid requests
// included (POST /challenge {policy, method, url}); without a stated `resource`, that is the
// full request URL, query string included. Mind it if the facilitator runs elsewhere.

/** x402 `SchemeNetworkServer` for `zk-groth16`. */
export class ZkGroth16Server {
  scheme = "zk-groth16";
  // zk402 has one way to pay: the proof; verified before the handler, settled after it.
  defaultAssetTransferMethod = "default";
  paymentFlows = { default: { supported: ["authorization"], default: "authorization" } };
  // Each 402 carries a fresh challenge: the one a payment answers differs from the one the
  // server holds when the paid request arrives (the facilitator checks both are for that request).
  dynamicExtraFields = ["challenge"];

  /**
   * @param {object} options
   * @param {string} options.network the network this is registered for (CAIP-2, as in register())
   * @param {string} options.facilitatorUrl the zk402 facilitator (it mints the challenges)
   * @param {string} options.policy the merchant's policy account (base58)
   * @param {string} options.mint the SPL token mint payments are made in (USDC's on a cluster)
   */
  constructor({ network, facilitatorUrl, policy, mint }) {
    this.network = network;
    this.facilitatorUrl = facilitatorUrl.replace(/\/+$/, "");
    this.policy = policy;
    this.mint = mint;
  }

  /** The price of one request: atomic units of the mint (the policy's price). */
  async parsePrice(price) {
    const amount = typeof price === "object" && price !== null ? price.amount : price;
    if (!/^[1-9][0-9]*$/.test(String(amount))) {
      throw new Error(`zk-groth16 prices are atomic units of ${this.mint}, got ${JSON.stringify(price)}`);
    }
    return { amount: String(amount), asset: this.mint, extra: {} };
  }

  /** Names the policy and the verifier program the facilitator advertises in /supported. */
  async enhancePaymentRequirements(requirements, supportedKind) {
    if (requirements.network !== this.network) {
      throw new Error(`this zk-groth16 registration is for ${this.network}, not ${requirements.network}`);
    }
    const verifierProgram = supportedKind.extra?.verifierProgram;
    if (typeof verifierProgram !== "string") {
      throw new Error("the facilitator's /supported names no verifierProgram for zk-groth16");
    }
    return { ...requirements, extra: { ...requirements.extra, policy: this.policy, verifierProgram } };
  }

  /**
   * Adds a challenge for this request (method and resource URL) to this registration's
   * requirements: zk-groth16 on its network under its policy. Another registration's entries
   * (another network, another facilitator) are left to it. The SDK calls this once per
   * matching entry and refuses changes to what an earlier call added, so entries that already
   * hold a challenge are kept.
   */
  async enrichPaymentRequiredResponse({ requirements, resourceInfo, transportContext }) {
    const ours = (r) =>
      r.scheme === this.scheme && r.network === this.network && r.extra?.policy === this.policy && !r.extra.challenge;
    if (!requirements.some(ours)) {
      return undefined;
    }
    const method = transportContext?.request?.method;
    if (typeof method !== "string") {
      throw new Error("zk-groth16 needs the HTTP request's method");
    }
    const challenge = await this.challenge(method.toUpperCase(), resourceInfo.url);
    return requirements.map((r) => (ours(r) ? { ...r, extra: { ...r.extra, challenge } } : r));
  }

  async challenge(method, url) {
    const response = await fetch(`${this.facilitatorUrl}/challenge`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ policy: this.policy, method, url }),
    });
    if (!response.ok) {
      throw new Error(`facilitator /challenge answered ${response.status}: ${await response.text()}`);
    }
    return response.json();
  }
}
