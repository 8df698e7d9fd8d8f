// Shared plumbing of the dispatch module: the host services handed over by
// the preload, the selected kernels, and a per-call record for the profiler.
#pragma once

#include <time.h>

#include <cstdint>

extern "C" {
#include "aio_host_api.h"
#include "aio_log.h"
#include "aio_kernels.h"
}

namespace aio {

extern const aio_host_api *g_host;
extern aio_kernels g_kernels;

// libgomp cannot run a parallel region in a child forked after its thread
// pool started (pytorch#41197): the child waits forever for threads that
// did not survive the fork. Fork children of a process whose pool started
// run with one intra-op thread instead of hanging there.
bool parallel_is_safe();
void install_fork_handler();

inline uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

// One override call: records its outcome (accelerated, or why it fell back)
// and, when profiling, its duration, when it goes out of scope.
class OpCall {
 public:
  explicit OpCall(int op_id)
      : op_id_(op_id), t0_(g_host->profiling ? now_ns() : 0) {}
  ~OpCall() { g_host->prof_record(op_id_, reason_, t0_ ? now_ns() - t0_ : 0); }
  void fallback(int reason) { reason_ = reason; }
  OpCall(const OpCall &) = delete;
  OpCall &operator=(const OpCall &) = delete;

 private:
  int op_id_;
  uint64_t t0_;
  int reason_ = AIO_ACCELERATED;
};

}  // namespace aio
