// Calls zk402-verifier through the committed IDL with Anchor's TypeScript client
// (@anchor-lang/core's Program over @solana/web3.js), as a TypeScript user of the program would:
// registers a policy with `create_policy`, reads it back, and exercises the RPC methods such a
// client needs. Works against any cluster's JSON-RPC without websockets (`zk402 localnet`
// included): the transaction is sent raw and its status polled, never `confirmTransaction`.
//
// input (argv[2], else stdin):
//   {"url": "<RPC URL>", "keypair": "<solana-keygen keypair JSON file: the funded authority>",
//    "policy_id": "<u64>",
//    "params": {"recipient": "<base58>", "price": "<u64>", "max_age": "<u64>",
//               "clock_window": "<u64>", "issuer": "<128 hex digits: Ax ‖ Ay, big-endian>"}}
// stdout: one JSON object (see `output` below) with u64 as decimal strings, public keys in
// base58 and byte arrays in hex. Any failure is an error (exit 1) with a message on stderr.
import { readFileSync } from "node:fs";
import anchor from "@anchor-lang/core";

// The package is CommonJS: its named exports are read from its default export.
const { AnchorProvider, BN, Program, Wallet, web3 } = anchor;

const POLL_INTERVAL_MS = 200;
const CONFIRM_TIMEOUT_MS = 30_000;

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const plain = (value) => {
  if (BN.isBN(value)) return value.toString(10);
  if (value instanceof web3.PublicKey) return value.toBase58();
  if (value instanceof Uint8Array || (Array.isArray(value) && value.every(Number.isInteger))) return hex(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
};
const accountInfo = (address, info) =>
  info && {
    address: address.toBase58(),
    owner: info.owner.toBase58(),
    lamports: String(info.lamports),
    executable: info.executable,
    data_len: info.data.length,
  };

// Polls getSignatureStatuses until `signature` is confirmed (or finalized); throws on a failed
// transaction or after CONFIRM_TIMEOUT_MS.
async function confirmed(connection, signature) {
  const deadline = Date.now() + CONFIRM_TIMEOUT_MS;
  for (;;) {
    const { value } = await connection.getSignatureStatuses([signature]);
    const status = value[0];
    if (status?.err) throw new Error(`transaction ${signature} failed: ${JSON.stringify(status.err)}`);
    if (status?.confirmationStatus === "confirmed" || status?.confirmationStatus === "finalized") return status;
    if (Date.now() > deadline) throw new Error(`transaction ${signature} not confirmed within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function main() {
  const input = JSON.parse(process.argv[2] ?? readFileSync(0, "utf8"));
  const idl = JSON.parse(readFileSync(new URL("../zk402_verifier.json", import.meta.url), "utf8"));
  const authority = web3.Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(input.keypair, "utf8"))));
  const issuer = Buffer.from(input.params.issuer, "hex");
  if (issuer.length !== 64) throw new Error("params.issuer must be 64 bytes (128 hex digits)");

  const connection = new web3.Connection(input.url, "confirmed");
  const version = await connection.getVersion();
  const genesisHash = await connection.getGenesisHash();
  const slot = await connection.getSlot("processed");
  const balance = await connection.getBalance(authority.publicKey);

  const provider = new AnchorProvider(connection, new Wallet(authority), { commitment: "confirmed" });
  const program = new Program(idl, provider);
  const policyId = new BN(input.policy_id, 10);
  // The issuer registration's seeds are slices of an argument (["issuer", Ax, Ay]), which an
  // IDL cannot describe, so the client derives it; Anchor derives the policy PDA from the IDL.
  const [issuerRegistration] = web3.PublicKey.findProgramAddressSync(
    [Buffer.from("issuer"), issuer.subarray(0, 32), issuer.subarray(32)],
    program.programId,
  );
  const builder = program.methods
    .createPolicy(policyId, {
      recipient: new web3.PublicKey(input.params.recipient),
      price: new BN(input.params.price, 10),
      maxAge: new BN(input.params.max_age, 10),
      clockWindow: new BN(input.params.clock_window, 10),
      issuer: [...issuer],
    })
    .accountsPartial({ authority: authority.publicKey, issuerRegistration });
  const policyAddress = (await builder.pubkeys()).policy;
  const transaction = await builder.transaction();
  transaction.feePayer = authority.publicKey;
  transaction.recentBlockhash = (await connection.getLatestBlockhash()).blockhash;
  transaction.sign(authority);
  const signature = await connection.sendRawTransaction(transaction.serialize());
  const status = await confirmed(connection, signature);
  const [instruction] = transaction.instructions;

  const policy = await program.account.policy.fetch(policyAddress);
  const [policyInfo, authorityInfo] = await connection.getMultipleAccountsInfo([policyAddress, authority.publicKey]);
  if (!policyInfo) throw new Error(`no policy account at ${policyAddress.toBase58()} after ${signature}`);
  const rent = await connection.getMinimumBalanceForRentExemption(policyInfo.data.length);

  const funded = web3.Keypair.generate().publicKey;
  const airdropLamports = 1_000_000_000;
  const airdrop = await connection.requestAirdrop(funded, airdropLamports);
  await confirmed(connection, airdrop);

  const output = {
    version,
    genesis_hash: genesisHash,
    slot,
    authority: authority.publicKey.toBase58(),
    balance_before: String(balance),
    create_policy: {
      signature,
      slot: status.slot,
      program_id: instruction.programId.toBase58(),
      accounts: instruction.keys.map((k) => ({
        pubkey: k.pubkey.toBase58(),
        is_signer: k.isSigner,
        is_writable: k.isWritable,
      })),
      data: hex(instruction.data),
    },
    policy_address: policyAddress.toBase58(),
    issuer_registration: issuerRegistration.toBase58(),
    policy: plain(policy),
    policy_size: program.account.policy.size,
    accounts: [accountInfo(policyAddress, policyInfo), accountInfo(authority.publicKey, authorityInfo)],
    rent: String(rent),
    airdrop: {
      address: funded.toBase58(),
      lamports: String(airdropLamports),
      signature: airdrop,
      balance: String(await connection.getBalance(funded)),
    },
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error) => {
  process.stderr.write(`call.mjs: ${error?.stack ?? error}\n`);
  process.exit(1);
});
