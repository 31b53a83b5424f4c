// zk402 native witness server: circom's C++ witness generator behind a pipe protocol.
//
// Usage: zk402-witness <circuit.dat>
// Loads the circuit, writes its wire count (u32), then answers requests on stdin until EOF,
// one at a time:
//   request:  u32 n, then n × (u64 fnv1a64(signal name), 32-byte little-endian value < r)
//   response: u8 0, u32 wires, then wires × 32-byte little-endian values   (the witness)
//          or u8 1, u32 len, then len bytes of message                    (refused)
// Each request runs in a forked child: a failed circuit assertion aborts only that child, and
// no state survives between requests. What the circuit prints (circom writes its assertion
// messages to stdout) goes to a pipe whose text becomes the refusal message, never into the
// response stream. All integers are little-endian.

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "calcwit.hpp"
#include "circom.hpp"

// Defined by circom's generated main.cpp (compiled with its own main renamed).
Circom_Circuit *loadCircuit(std::string const &datFileName);

static bool read_exact(int fd, void *buf, size_t len) {
  char *p = static_cast<char *>(buf);
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

static bool write_exact(int fd, const void *buf, size_t len) {
  const char *p = static_cast<const char *>(buf);
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

static bool refuse(const std::string &message) {
  uint8_t status = 1;
  uint32_t len = static_cast<uint32_t>(message.size());
  return write_exact(1, &status, 1) && write_exact(1, &len, 4) && write_exact(1, message.data(), len);
}

struct Input {
  uint64_t hash;
  uint64_t value[Fr_N64];
};

// The child's work: set every input (the circuit runs when the last one is set), then write
// the witness in one frame to `out`. Never returns.
[[noreturn]] static void compute(Circom_Circuit *circuit, const std::vector<Input> &inputs, int out) {
  Circom_CalcWit *ctx = new Circom_CalcWit(circuit);
  for (const Input &input : inputs) {
    if (ctx->getInputSignalSize(input.hash) != 1) _exit(3);
    FrElement value;
    value.shortVal = 0;
    value.type = Fr_LONG;
    std::memcpy(value.longVal, input.value, sizeof(value.longVal));
    ctx->setInputSignal(input.hash, 0, value);
  }
  if (ctx->getRemaingInputsToBeSet() != 0) _exit(4);
  uint32_t wires = get_size_of_witness();
  std::vector<uint8_t> frame(5 + static_cast<size_t>(wires) * Fr_N64 * 8);
  frame[0] = 0;
  std::memcpy(&frame[1], &wires, 4);
  for (uint32_t i = 0; i < wires; i++) {
    FrElement v;
    ctx->getWitness(i, &v);
    Fr_toLongNormal(&v, &v);
    std::memcpy(&frame[5 + static_cast<size_t>(i) * Fr_N64 * 8], v.longVal, Fr_N64 * 8);
  }
  _exit(write_exact(out, frame.data(), frame.size()) ? 0 : 5);
}

int main(int argc, char *argv[]) {
  if (argc != 2) {
    const char usage[] = "usage: zk402-witness <circuit.dat>\n";
    write_exact(2, usage, sizeof(usage) - 1);
    return 2;
  }
  Circom_Circuit *circuit = loadCircuit(argv[1]);
  uint32_t wires = get_size_of_witness();
  if (!write_exact(1, &wires, 4)) return 1;
  for (;;) {
    uint32_t n;
    if (!read_exact(0, &n, 4)) return 0;  // EOF: the caller is done
    if (n > get_main_input_signal_no()) {
      refuse("more inputs than the circuit has");
      return 1;
    }
    std::vector<Input> inputs(n);
    for (Input &input : inputs) {
      if (!read_exact(0, &input.hash, 8) || !read_exact(0, input.value, sizeof(input.value))) return 1;
    }
    int messages[2];
    if (pipe(messages) != 0) {
      if (!refuse(std::string("pipe: ") + std::strerror(errno))) return 1;
      continue;
    }
    pid_t child = fork();
    if (child == 0) {
      int out = dup(1);
      dup2(messages[1], 1);
      dup2(messages[1], 2);
      close(messages[0]);
      close(messages[1]);
      compute(circuit, inputs, out);
    }
    close(messages[1]);
    if (child < 0) {
      close(messages[0]);
      if (!refuse(std::string("fork: ") + std::strerror(errno))) return 1;
      continue;
    }
    // Read the child's text until it exits (EOF), keeping the last kilobyte.
    std::string text;
    char chunk[512];
    for (;;) {
      ssize_t got = read(messages[0], chunk, sizeof(chunk));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      text.append(chunk, static_cast<size_t>(got));
      if (text.size() > 1024) text.erase(0, text.size() - 1024);
    }
    close(messages[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;  // the child wrote the witness
    std::string why = WIFSIGNALED(status) ? "aborted by signal " + std::to_string(WTERMSIG(status))
                                           : "exit status " + std::to_string(WEXITSTATUS(status));
    if (!refuse(text.empty() ? why : why + ": " + text)) return 1;
  }
}
