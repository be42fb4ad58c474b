// `triplex_loadgen --floor N`: the machine's floor for CPU per delivered message, measured with
// an in-process writer that only calls send() on N loopback connections (see floor.cpp).
#pragma once

namespace loadgen {

// Prints one JSON line per batch size (1, 4, 16 messages per send). Returns 0, or 1 when the
// connections cannot be set up. Takes about 3 seconds.
int run_floor(int conns);

}  // namespace loadgen
