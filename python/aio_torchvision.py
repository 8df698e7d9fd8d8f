"""Make PyPI's torchvision importable under a CPU-only torch.

PyPI's torchvision wheels (0.28.0 included) are linked against the CUDA
torch build. Under torch 2.13.0+cpu their compiled ops library (_C.so)
fails to load, silently, and `import torchvision` then raises
"operator torchvision::nms does not exist": its Python part registers fake
kernels for `torchvision::nms` and `qnms`, whose schemas only _C.so
defines. The model zoo (torchvision.models) is pure Python and needs
nothing else.

    import aio_torchvision  # before torchvision (python/ on sys.path)
    import torchvision

Importing this module first tries torchvision's own _C.so; if that loads
(a torchvision built for this torch) nothing else happens. Otherwise it
defines the two schemas, with no kernels: torchvision imports, and calling
torchvision.ops.nms raises a clear "no kernel" error instead of the import
failing. Nothing else in torchvision's ops (roi_align, deform_conv2d...)
works without _C.so either; the models do.

scripts/setup.sh installs that torchvision apart, in /opt/aio/torchvision-0.28.0
(AIO_TORCHVISION_DIR), not in site-packages: there its failing import would
break `from transformers import ...` for every program. When no torchvision
is importable, this module appends that directory to sys.path."""
import importlib.util
import os
import sys

import torch

_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
_lib = None  # the Library object must stay alive for the schemas to stay


def _missing():
    return [n for n in _SCHEMAS if not hasattr(torch.ops.torchvision, n)]


# Where scripts/setup.sh keeps PyPI's torchvision, outside site-packages:
# installed there, its failing import would break `import transformers`.
DEFAULT_DIR = "/opt/aio/torchvision-0.28.0"


def _add_private_copy():
    if importlib.util.find_spec("torchvision") is not None:
        return
    d = os.environ.get("AIO_TORCHVISION_DIR", DEFAULT_DIR)
    if os.path.isdir(os.path.join(d, "torchvision")) and d not in sys.path:
        sys.path.append(d)


def ensure():
    """Defines whatever of nms/qnms is missing; returns the names defined."""
    global _lib
    _add_private_copy()
    if not _missing():
        return []
    spec = importlib.util.find_spec("torchvision")
    if spec and spec.submodule_search_locations:
        d = spec.submodule_search_locations[0]
        for f in sorted(os.listdir(d)):
            if f.startswith("_C") and f.endswith(".so"):
                try:
                    torch.ops.load_library(os.path.join(d, f))
                except OSError:
                    pass  # the CUDA-linked build: expected under a CPU torch
    names = _missing()
    if names:
        _lib = _lib or torch.library.Library("torchvision", "FRAGMENT")
        for n in names:
            _lib.define(_SCHEMAS[n])
    return names


ensure()
