// torch.compile(backend="aio") with no import: when this module loads into
// a Python process (Python's `import torch` dlopens libtorch, the preload
// then loads us on the same thread, which holds the GIL), run the backend's
// Python source (dispatch/aio_compile_backend.py, embedded below) as module
// `_aio_compile`. It registers "aio" with dynamo's backend registry the
// moment that registry is imported. A process without Python (a C++
// program linking libtorch) has no Py_* symbols: nothing happens there.
//
// Also defines aio::_gauge(str name, int value), through which that Python
// code reports levels (the merged weights' memory) in the per-op report.
#include <torch/library.h>

#include <dlfcn.h>

#include <string>

#include "dispatch_common.h"
#include "overrides.h"

// The Python source, NUL-terminated. The path is relative to the directory
// make runs the compiler from (the repository root); Makefile and
// modules.mk add the .py as a prerequisite of this object.
asm(".pushsection .rodata\n"
    ".global aio_compile_backend_py\n"
    ".hidden aio_compile_backend_py\n"
    "aio_compile_backend_py:\n"
    ".incbin \"dispatch/aio_compile_backend.py\"\n"
    ".byte 0\n"
    ".popsection\n");
extern "C" const char aio_compile_backend_py[];

namespace aio {
namespace {

// The few CPython entry points we need, looked up at run time: this module
// must load in processes without Python, and is never linked to libpython.
using py_is_initialized_fn = int (*)();
using py_gil_ensure_fn = int (*)();
using py_gil_release_fn = void (*)(int);
using py_run_fn = int (*)(const char *, void *);

bool install_python_backend(int merge_linear) {
  auto initialized = (py_is_initialized_fn)dlsym(RTLD_DEFAULT, "Py_IsInitialized");
  auto ensure = (py_gil_ensure_fn)dlsym(RTLD_DEFAULT, "PyGILState_Ensure");
  auto release = (py_gil_release_fn)dlsym(RTLD_DEFAULT, "PyGILState_Release");
  auto run = (py_run_fn)dlsym(RTLD_DEFAULT, "PyRun_SimpleStringFlags");
  if (!initialized || !ensure || !release || !run || !initialized()) return false;
  std::string src(aio_compile_backend_py);
  src += "\n_install(merge_linear=" + std::to_string(merge_linear) + ")\n";
  // Hex keeps the source a plain literal whatever it contains. The outer
  // statement binds no name in __main__.
  static const char hex[] = "0123456789abcdef";
  std::string code = "exec(compile(bytes.fromhex('";
  code.reserve(code.size() + 2 * src.size() + 256);
  for (unsigned char c : src) {
    code += hex[c >> 4];
    code += hex[c & 15];
  }
  code += "').decode(), 'aio:dispatch/aio_compile_backend.py', 'exec'), "
          "__import__('sys').modules.setdefault('_aio_compile', "
          "__import__('types').ModuleType('_aio_compile')).__dict__)\n";
  int state = ensure();
  int rc = run(code.c_str(), nullptr);
  release(state);
  if (rc != 0) g_host->log(AIO_LOG_ERROR, "compile backend: its Python set-up failed (traceback above)");
  return rc == 0;
}

void gauge(std::string name, int64_t value) { g_host->prof_gauge(name.c_str(), value < 0 ? 0 : (uint64_t)value); }

}  // namespace

int register_compile_backend() {
  // A fragment: custom_ops.cpp holds the "aio" namespace's DEF library.
  auto *frag = new torch::Library(torch::Library::FRAGMENT, "aio", std::nullopt, __FILE__, __LINE__);
  frag->def("_gauge(str name, int value) -> ()", &gauge);
  bool py = install_python_backend(g_host->config->merge_linear);
  g_host->log(AIO_LOG_DEBUG, "compile backend: %s", py ? "torch.compile(backend=\"aio\") registered lazily"
                                                         : "no Python in this process");
  return 1;
}

}  // namespace aio
