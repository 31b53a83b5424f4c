// Checks zk402's x402 messages and facilitator with the official SDK's own code (run by the
// Rust test tests/tests/x402_sdk.rs; not part of the example):
//   node interop.mjs <input.json>
// input: { paymentRequired: [header…], paymentSignature: [header…], paymentResponse: [header…],
//          facilitatorUrl, network, invalidPayment: {paymentPayload, paymentRequirements} }
// Every PAYMENT-REQUIRED and PAYMENT-SIGNATURE must pass @x402/core/schemas' validators and
// every PAYMENT-RESPONSE decode to a settle response; each is re-encoded with the SDK's encoders
// (printed, for the Rust decoders). The facilitator is called through HTTPFacilitatorClient:
// /supported, and /verify and /settle on an invalid payment and on bodies it must refuse.
// Prints one JSON object; exits 1 on the first failed check.
import { readFileSync } from "node:fs";
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  decodePaymentSignatureHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
  encodePaymentSignatureHeader,
} from "@x402/core/http";
import { validatePaymentPayload, validatePaymentRequired } from "@x402/core/schemas";
import { HTTPFacilitatorClient } from "@x402/core/server";

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const failures = [];
const check = (ok, what) => ok || failures.push(what);

const reencoded = {
  paymentRequired: input.paymentRequired.map((h) => encodePaymentRequiredHeader(validatePaymentRequired(decodePaymentRequiredHeader(h)))),
  paymentSignature: input.paymentSignature.map((h) => encodePaymentSignatureHeader(validatePaymentPayload(decodePaymentSignatureHeader(h)))),
  paymentResponse: input.paymentResponse.map((h) => {
    const response = decodePaymentResponseHeader(h);
    check(typeof response.success === "boolean", `PAYMENT-RESPONSE success: ${h}`);
    check(typeof response.transaction === "string", `PAYMENT-RESPONSE transaction: ${h}`);
    check(typeof response.network === "string" && response.network.includes(":"), `PAYMENT-RESPONSE network: ${h}`);
    return encodePaymentResponseHeader(response);
  }),
};

const client = new HTTPFacilitatorClient({ url: input.facilitatorUrl });
const supported = await client.getSupported();
const kind = supported.kinds.find((k) => k.scheme === "zk-groth16" && k.network === input.network);
check(kind && kind.x402Version === 2, `/supported lists zk-groth16 on ${input.network}: ${JSON.stringify(supported)}`);
check(typeof kind?.extra?.verifierProgram === "string", "/supported names the verifier program");
check(supported.signers[input.network]?.length === 1, "/supported names the fee payer");

const { paymentPayload, paymentRequirements } = input.invalidPayment;
const verified = await client.verify(paymentPayload, paymentRequirements);
check(verified.isValid === false && verified.invalidReason === "proof_invalid", `/verify: ${JSON.stringify(verified)}`);
const settled = await client.settle(paymentPayload, paymentRequirements);
check(settled.success === false && settled.errorReason === "proof_invalid", `/settle: ${JSON.stringify(settled)}`);

// Bodies that are not zk402 payments: the client surfaces the facilitator's 400.
const refusals = {};
const refused = async (name, payload, requirements) => {
  for (const call of ["verify", "settle"]) {
    try {
      await client[call](payload, requirements);
      failures.push(`${call} accepted ${name}`);
    } catch (e) {
      check(/\(400\)/.test(e.message), `${call} ${name}: ${e.message}`);
      refusals[`${call}:${name}`] = e.message;
    }
  }
};
const exact = { ...paymentRequirements, scheme: "exact" };
await refused("unsupported_scheme", { ...paymentPayload, accepted: exact }, exact);
const evm = { ...paymentRequirements, network: "eip155:8453" };
await refused("unsupported_network", { ...paymentPayload, accepted: evm }, evm);
await refused("malformed", { x402Version: 2, accepted: paymentRequirements }, paymentRequirements);
await refused("unsupported_version", { ...paymentPayload, x402Version: 1 }, paymentRequirements);

console.log(JSON.stringify({ reencoded, refusals, failures }));
process.exit(failures.length === 0 ? 0 : 1);
