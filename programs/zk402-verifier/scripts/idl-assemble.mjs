// Reads what the program's `__anchor_private_print_idl*` lib tests print (`cargo test ... --
// --show-output`, built with `idl-build`) and writes the IDL JSON, assembled as anchor-lang-idl
// 0.1.4 `build::IdlBuilder::build` does: the program, address, event, error and constant
// sections merged, module paths shortened where no other type has the same name, items sorted
// by name, discriminators checked. Serialized as serde_json's `to_string_pretty` writes the
// `Idl` struct (field order, empty lists omitted), plus a final newline.
import { readFileSync } from "node:fs";

const fail = (message) => {
  process.stderr.write(`idl-assemble: ${message}\n`);
  process.exit(1);
};

const lines = readFileSync(0, "utf8").split("\n");
if (!lines.some((l) => l.startsWith("test result: ok") && !l.startsWith("test result: ok. 0 passed; 0 failed; 0"))) {
  fail("no passing IDL print test in the input");
}

const sections = { address: [], const: [], event: [], errors: [], program: [] };
for (let i = 0; i < lines.length; i++) {
  const begin = /^--- IDL begin (\w+) ---$/.exec(lines[i]);
  if (!begin) continue;
  const kind = begin[1];
  if (!(kind in sections)) fail(`unknown section ${kind}`);
  if (kind === "address") {
    sections.address.push(lines[++i].replace(/[^\p{L}\p{N}]/gu, ""));
    continue;
  }
  const body = [];
  for (i++; lines[i] !== `--- IDL end ${kind} ---`; i++) {
    if (i >= lines.length) fail(`unterminated ${kind} section`);
    body.push(lines[i]);
  }
  sections[kind].push(JSON.parse(body.join("\n")));
}
if (sections.program.length !== 1) fail(`expected one program section, found ${sections.program.length}`);
if (sections.errors.length > 1) fail("Multiple error definitions are not allowed.");

const program = sections.program[0];

// Event sections are printed through serde_json::Value, whose keys come out sorted; the builder
// reads them back into anchor-lang-idl-spec's structs, which serialize their fields in declaration
// order. This one order agrees with every struct an event or a type definition is made of; the
// check below holds it to the program section's types and accounts, which serde wrote from them.
const FIELD_ORDER = ["kind", "name", "docs", "discriminator", "serialization", "repr", "generics", "fields", "variants", "alias", "type", "value", "packed", "align"];
const rank = (key) => {
  const i = FIELD_ORDER.indexOf(key);
  if (i < 0) fail(`no field order known for \`${key}\``);
  return i;
};
const inFieldOrder = (v) => {
  if (Array.isArray(v)) return v.map(inFieldOrder);
  if (v === null || typeof v !== "object") return v;
  // One key: an externally tagged IdlType variant such as {"array": [...]}.
  const keys = Object.keys(v);
  if (keys.length > 1) keys.sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(keys.map((k) => [k, inFieldOrder(v[k])]));
};
for (const key of ["types", "accounts"]) {
  if (JSON.stringify(inFieldOrder(program[key])) !== JSON.stringify(program[key])) {
    fail(`FIELD_ORDER disagrees with serde's order of the program's ${key}`);
  }
}
sections.event = sections.event.map(({ event, types }) => ({ event: inFieldOrder(event), types: inFieldOrder(types) }));
// Event types first, the program's replace any of the same (full-path) name.
const types = new Map();
for (const { types: eventTypes } of sections.event) for (const t of eventTypes) types.set(t.name, t);
for (const t of program.types ?? []) types.set(t.name, t);
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

let idl = {
  address: sections.address.at(-1) ?? "",
  metadata: program.metadata,
  docs: program.docs,
  instructions: program.instructions,
  accounts: program.accounts,
  events: sections.event.map((e) => e.event),
  errors: sections.errors[0],
  types: [...types.keys()].sort().map((k) => types.get(k)),
  constants: sections.const,
};

// Shorten `a::b::Name` to `Name` unless another path ends in the same name.
let text = JSON.stringify(idl);
for (const [path, , name] of JSON.stringify(idl).matchAll(/"(\w+::)+(\w+)"/g)) {
  const replaced = text.replaceAll(path, `"${name}"`);
  if (!new RegExp(`"(\\w+::)+${name}"`).test(replaced)) text = replaced;
}
idl = JSON.parse(text);
for (const key of ["accounts", "constants", "events", "instructions", "types"]) idl[key]?.sort(byName);

for (const key of ["accounts", "events", "instructions"]) {
  for (const item of idl[key] ?? []) {
    if (!item.discriminator?.length) fail(`Empty discriminators are not allowed for ${key}: \`${item.name}\``);
    const isPrefix = (o) => o.discriminator.every((byte, i) => item.discriminator[i] === byte);
    const other = idl[key].find((o) => o.name !== item.name && isPrefix(o));
    if (other) fail(`Ambiguous discriminators for ${key} \`${item.name}\` and \`${other.name}\``);
  }
}

for (const key of ["docs", "accounts", "events", "errors", "types", "constants"]) {
  if (!idl[key]?.length) delete idl[key];
}
process.stdout.write(`${JSON.stringify(idl, null, 2)}\n`);
