// Decodes zk402-verifier data through the committed IDL with Anchor's TypeScript client
// (@anchor-lang/core's BorshCoder), as a TypeScript user of the program would.
//
// stdin:  {"instructions": ["<hex instruction data>", ...],
//          "logs": ["Program data: <base64>", ...],
//          "accounts": [{"name": "<IDL account name>", "data": "<hex account data>"}, ...]}
// stdout: {"address": "<IDL address>",
//          "instructions": [{"name", "data"}], "events": [{"name", "data"}], "accounts": [{"name", "data"}]}
// with u64/i64 as decimal strings, public keys in base58 and byte arrays as arrays of numbers.
// Anything that does not decode is an error (exit 1), never skipped.
import { readFileSync } from "node:fs";
import anchor from "@anchor-lang/core";

// The package is CommonJS: its named exports are read from its default export.
const { BN, BorshCoder, web3 } = anchor;

const idl = JSON.parse(readFileSync(new URL("../zk402_verifier.json", import.meta.url), "utf8"));
const coder = new BorshCoder(idl);
const input = JSON.parse(readFileSync(0, "utf8"));

const plain = (value) => {
  if (BN.isBN(value)) return value.toString(10);
  if (value instanceof web3.PublicKey) return value.toBase58();
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
};
const decoded = (what, source, result) => {
  if (!result) throw new Error(`the IDL does not decode the ${what} ${source.slice(0, 80)}`);
  return { name: result.name, data: plain(result.data) };
};

const output = {
  address: idl.address,
  instructions: (input.instructions ?? []).map((data) =>
    decoded("instruction", data, coder.instruction.decode(Buffer.from(data, "hex"))),
  ),
  events: (input.logs ?? []).map((line) => {
    const data = /^Program data: (\S+)$/.exec(line)?.[1];
    if (!data) throw new Error(`not an event log line: ${line}`);
    return decoded("event", line, coder.events.decode(data));
  }),
  accounts: (input.accounts ?? []).map(({ name, data }) => ({
    name,
    data: plain(coder.accounts.decode(name, Buffer.from(data, "hex"))),
  })),
};
process.stdout.write(`${JSON.stringify(output)}\n`);
