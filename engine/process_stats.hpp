// What the process itself measures about its run: wall-clock time for events and the peak
// resident memory (Linux /proc).
#pragma once

#include <cstdint>

namespace tripline {

// Nanoseconds since the epoch, wall clock (EVE stats timestamps, last reload).
uint64_t wall_clock_ns();

// reset_peak_rss() then peak_rss_bytes() gives the peak since the reset (/proc/self/clear_refs
// and VmHWM); without a reset, or if it is refused, the peak since the process started.
void reset_peak_rss();
uint64_t peak_rss_bytes();

}  // namespace tripline
