// Prints cross-check vectors from circomlibjs (the reference implementation circomlib's
// circuits are tested against): Poseidon outputs and EdDSA-Poseidon keys and signatures for
// fixed inputs, and credit nullifiers Poseidon(NULLIFIER_TAG, secret, index) as the circuit
// computes them. The Rust test `circomlibjs_vectors` recomputes every value natively.
const { buildPoseidon, buildEddsa } = require("circomlibjs");

// The ASCII bytes "zk402/nullifier/v2" read big-endian (payment.circom's NULLIFIER_TAG()).
const NULLIFIER_TAG = BigInt("0x" + Buffer.from("zk402/nullifier/v2").toString("hex"));
const R_MINUS_1 = "21888242871839275222246405745257275088548364400416034343698204186575808495616";

async function main() {
  const poseidon = await buildPoseidon();
  const eddsa = await buildEddsa();
  const F = poseidon.F;
  const str = (x) => F.toObject(x).toString();

  const poseidonCases = [["0"], ["1", "2"], ["1", "2", "3", "4", "5"], ["1", "2", "3", "4", "5", "6"], [R_MINUS_1], [R_MINUS_1, "12345678901234567890"]];
  const poseidonVectors = poseidonCases.map((inputs) => ({ inputs, hash: str(poseidon(inputs.map(BigInt))) }));

  const seeds = [
    Buffer.alloc(32, 0),
    Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex"),
    Buffer.alloc(32, 0xff),
  ];
  const messages = ["0", "1", R_MINUS_1, "9876543210123456789"];
  const eddsaVectors = seeds.map((seed) => {
    const A = eddsa.prv2pub(seed);
    return {
      seed: seed.toString("hex"),
      Ax: str(A[0]),
      Ay: str(A[1]),
      signatures: messages.map((m) => {
        const sig = eddsa.signPoseidon(seed, F.e(BigInt(m)));
        if (!eddsa.verifyPoseidon(F.e(BigInt(m)), sig, A)) throw new Error("circomlibjs rejected its own signature");
        return { msg: m, R8x: str(sig.R8[0]), R8y: str(sig.R8[1]), S: sig.S.toString() };
      }),
    };
  });
  const nullifierCases = [["5972967", "0"], ["5972967", "1"], ["5972967", "4294967295"], [R_MINUS_1, "7"]];
  const nullifierVectors = nullifierCases.map(([secret, index]) => ({
    secret,
    index,
    nullifier: str(poseidon([NULLIFIER_TAG, BigInt(secret), BigInt(index)])),
  }));
  console.log(JSON.stringify({ poseidon: poseidonVectors, eddsa: eddsaVectors, nullifier: nullifierVectors }, null, 2));
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
