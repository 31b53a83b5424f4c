// Prints the build manifest for the build directory given as argument: the toolchain, the
// flags, and the SHA-256 of every source (relative to circuits/) and output (relative to the
// build directory).
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
const buildDir = path.resolve(root, process.argv[2] || "build");
const sha256 = (file) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const hashes = (dir, files) => Object.fromEntries(files.map((f) => [f, sha256(path.join(dir, f))]));
const version = (pkg) => require(path.join(root, "node_modules", pkg, "package.json")).version;

const manifest = {
  compiler: `circom2 ${version("circom2")} (npm)`,
  circomlib: version("circomlib"),
  flags: "--r1cs --wasm --c --sym --O2",
  sources: hashes(root, ["payment.circom", "package-lock.json"]),
  outputs: hashes(buildDir, [
    "payment.r1cs",
    "payment.sym",
    "payment_js/payment.wasm",
    ...fs.readdirSync(path.join(buildDir, "payment_cpp")).sort().map((f) => `payment_cpp/${f}`),
  ]),
};
console.log(JSON.stringify(manifest, null, 2));
