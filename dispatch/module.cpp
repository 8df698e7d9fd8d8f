// The dispatch module's entry point: registers aio's CPU kernels at ATen's
// dispatcher. Loaded by the preload once libtorch is in the process; its
// undefined symbols resolve against the torch libraries the process loaded.
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <pthread.h>

#include <atomic>
#include <memory>
#include <string>

#include "dispatch_common.h"
#include "overrides.h"

// Read by the preload with libelf before it dlopens this module.
extern "C" __attribute__((section(AIO_TORCH_VERSION_SECTION), used))
const char aio_built_for_torch[] = AIO_TORCH_VERSION;

namespace aio {

const aio_host_api *g_host;
aio_kernels g_kernels;

namespace {
std::atomic<bool> g_parallel_broken{false};
// Runs in the child after torch's own fork handlers. If the OpenMP pool was
// started (by us or by any stock op), the child's copy is dead: drop the
// child to one intra-op thread, as DataLoader workers do, so neither our
// kernels nor stock ones wait forever for workers that are not there.
void on_fork_child() {
  if (!g_host->omp_pool_started()) return;
  g_parallel_broken.store(true);
  at::set_num_threads(1);
}
}  // namespace

bool parallel_is_safe() { return !g_parallel_broken.load(std::memory_order_relaxed); }
void install_fork_handler() { pthread_atfork(nullptr, nullptr, on_fork_child); }

namespace {

// Registration makes PyTorch warn "Overriding a previously registered
// kernel": that is the point of the exercise, so it goes to our debug log
// instead of the user's stderr. Other warnings pass through unchanged.
class RegistrationWarnings : public c10::WarningHandler {
 public:
  explicit RegistrationWarnings(c10::WarningHandler *prev) : prev_(prev) {}
  void process(const c10::Warning &w) override {
    const std::string &msg = w.msg();
    if (msg.find("Overriding a previously registered kernel") != std::string::npos) {
      g_host->log(AIO_LOG_TRACE, "torch: %s", msg.substr(0, msg.find('\n')).c_str());
      return;
    }
    if (prev_) prev_->process(w);
  }

 private:
  c10::WarningHandler *prev_;
};

}  // namespace
}  // namespace aio

extern "C" __attribute__((visibility("default"))) int aio_dispatch_init(const aio_host_api *host) {
  using namespace aio;
  if (!host || host->version != AIO_HOST_API_VERSION) return -1;
  g_host = host;
  unsigned isa = aio_isa_apply_cap(aio_isa_detect(), host->config->max_isa);
  aio_kernels_init(&g_kernels, isa);
  install_fork_handler();
  // AIO_NUM_THREADS: one count for torch's ops and ours (at::set_num_threads
  // sets OpenMP's, MKL's and the pthreadpool's); unset keeps torch's choice.
  if (host->config->num_threads > 0) at::set_num_threads(host->config->num_threads);
  char isa_text[256];
  aio_isa_describe(isa, isa_text, sizeof isa_text);
  host->log(AIO_LOG_DEBUG, "kernels: isa [%s], f32 gemm %s", isa_text, g_kernels.f32_gemm.name);

  RegistrationWarnings quiet(c10::WarningUtils::get_warning_handler());
  c10::WarningUtils::WarningHandlerGuard guard(&quiet);
  try {
    // Leaked on purpose: kernels stay registered until the process ends, and
    // deregistering during static destruction would race torch's own.
    auto *lib = new torch::Library(torch::Library::IMPL, "aten", c10::DispatchKey::CPU, __FILE__, __LINE__);
    int n = 0;
    for (auto reg : {register_gemm_overrides, register_bmm_overrides, register_norm_overrides,
                     register_softmax_overrides, register_activation_overrides,
                     register_elementwise_overrides})
      n += reg(*lib);
    n += register_attention_overrides(*lib);
    n += register_group_batch_norm_overrides(*lib);
    n += register_conv_overrides(*lib);
    n += register_embedding_overrides(*lib);
    n += register_reduce_overrides(*lib);
    n += register_custom_ops();
    n += register_compile_backend();
    return n;
  } catch (const std::exception &e) {
    host->log(AIO_LOG_ERROR, "registering kernels failed: %s", e.what());
    return -1;
  }
}
