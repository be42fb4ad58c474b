// The load generator's self-test (`triplex_loadgen --self-test`): its HTTP, chunked, WebSocket
// and marker parsers split at every byte, the sequence window and the histogram.
#pragma once

namespace loadgen {

// Runs every check, prints a summary line; returns 0 when all pass, 1 otherwise.
int run_self_test();

}  // namespace loadgen
