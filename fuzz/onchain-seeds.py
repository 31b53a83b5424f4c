#!/usr/bin/env python3
"""Writes the on-chain seeds from a snarkjs proof JSON (argument 1) into fuzz/seeds/:
the 256-byte proof (-A || B || C, big-endian syscall encoding), its 128-byte compressed form
(alt_bn128 compressed points: x big-endian, bit 7 of the first byte set when y is the larger
of y and -y, G2 ordered by (c1, c0)), a batch entry, and Anchor instruction data for every
instruction of the verifier program (8-byte discriminator sha256("global:<name>")[..8], then
the Borsh arguments). `programs/verifier-core/tests/encodings.rs` checks these bytes against
the Rust encoders."""
import hashlib, json, os, struct, sys

Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617

def be(x): return x.to_bytes(32, "big")

proof = json.load(open(sys.argv[1]))["proof"]
ax, ay = int(proof["pi_a"][0]), int(proof["pi_a"][1])
(bx0, bx1), (by0, by1) = [[int(c) for c in p] for p in proof["pi_b"][:2]]
cx, cy = int(proof["pi_c"][0]), int(proof["pi_c"][1])
a_neg_y = (Q - ay) % Q

uncompressed = be(ax) + be(a_neg_y) + be(bx1) + be(bx0) + be(by1) + be(by0) + be(cx) + be(cy)

def g1c(x, y):
    out = bytearray(be(x))
    if y > (Q - y) % Q:
        out[0] |= 0x80
    return bytes(out)

def g2c(x0, x1, y0, y1):
    out = bytearray(be(x1) + be(x0))
    if (y1, y0) > ((Q - y1) % Q, (Q - y0) % Q):
        out[0] |= 0x80
    return bytes(out)

compressed = g1c(ax, a_neg_y) + g2c(bx0, bx1, by0, by1) + g1c(cx, cy)
assert len(uncompressed) == 256 and len(compressed) == 128

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
def write(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    open(os.path.join(root, target, name), "wb").write(data)

now, nullifier, request_hash = 1_763_740_800, be(R - 1), be(12345)
write("proof_uncompressed", "tiny-proof.bin", uncompressed)
write("proof_compressed", "tiny-proof.bin", compressed)
entry = uncompressed + be(now) + nullifier + request_hash
write("instruction_data", "batch-entry.bin", entry)

def disc(name): return hashlib.sha256(f"global:{name}".encode()).digest()[:8]
u64 = lambda v: struct.pack("<Q", v)
issuer = be(5) + be(7)
recipient = bytes(range(32))
instructions = {
    "create_policy": u64(1) + recipient + u64(1_000_000) + u64(3_600) + u64(60) + issuer,
    "update_policy": u64(2_000_000) + u64(1_800) + u64(30),
    "close_policy": b"",
    "verify_payment": uncompressed + struct.pack("<q", now) + nullifier + request_hash,
    "open_proof_buffer": u64(7) + bytes([2]),
    "write_proof_buffer": struct.pack("<I", 0) + struct.pack("<I", len(entry)) + entry,
    "close_proof_buffer": b"",
    "verify_batch": b"",
    "close_nullifier": b"",
}
for name, args in instructions.items():
    write("instruction_data", f"{name}.bin", disc(name) + args)
