# torch.compile(model, backend="aio", options={"modelname": ...}).
#
# Embedded in the dispatch module (compile_backend.cpp) and run by it when
# the module loads into a Python process, so the backend exists under the
# preload with no import. At that moment torch is still importing, so this
# file only defines names; torch is imported inside the functions, and the
# backend is registered by a post-import hook on dynamo's registry.
#
# The backend runs dynamo's FX graph eagerly through ATen (no AOT autograd,
# no inductor), so every op reaches aio's kernels at the CPU key, and
# rewrites it first, for inference graphs only (grad mode off):
#   * Linears that share an input (Q, K, V; gate and up) become one Linear on
#     a concatenated weight (unless AIO_MERGE_LINEAR=0), kept per group and
#     re-made whenever a source weight changed (version counter, storage,
#     sampled values), so it is never stale;
#   * SiLU(gate) * up and activation(Linear) run in place on the Linear's
#     fresh output (one allocation and one pass less);
#   * every Linear is run twice at compile time on zeros of its real shape,
#     so aio's weight cache converts/packs its weight before the first call.
# Graphs built with grad mode on run unchanged (autograd exactly as stock).
import sys

_REGISTRY = "torch._dynamo.backends.registry"
_MERGE_LINEAR = True
_merged_bytes = 0   # extra memory of all live merged weights, in bytes
_groups = []        # weakrefs to the live _MergedLinear objects


def _log(msg):
    import os
    try:
        level = int(os.environ.get("AIO_DEBUG_MODE", "2"))
    except ValueError:
        level = 2
    if level >= 3:
        print(f"aio: compile: {msg}", file=sys.stderr, flush=True)


def _gauge():
    import torch
    global _merged_bytes
    _merged_bytes = sum(g.nbytes for g in (r() for r in _groups) if g is not None)
    try:
        torch.ops.aio._gauge("merged_linear_bytes", _merged_bytes)
    except (AttributeError, RuntimeError):
        pass


def merged_linear_bytes():
    """Extra memory of the merged (concatenated) weights alive now."""
    _gauge()
    return _merged_bytes


class _MergedLinear:
    """One Linear for several that share an input: y = x @ cat(W).T + cat(b).

    Called with the source weights (and biases) every time, as the graph
    gets them, and checks them before use: the concatenated copy is re-made
    if any source changed storage, version counter (every in-place op,
    load_state_dict) or one of 16 sampled values (writes through .data or
    numpy that bypass the counter). Holding the sources' storages keeps a
    freed weight's address from being reused by another tensor."""

    def __init__(self, sizes, nbias):
        self.sizes = list(sizes)
        self.nbias = nbias
        self.key = None
        self.w = self.b = None
        self.src = ()
        self.samples = ()
        self.nbytes = 0

    def _stamp(self, ts):
        return tuple((t.data_ptr(), t._version) for t in ts)

    def _fresh(self, ts):
        import torch
        if self._stamp(ts) != self.key:
            return False
        for t, (idx, ref) in zip(ts, self.samples):
            if not torch.equal(torch.take(t, idx), ref):
                return False
        return True

    def _merge(self, ts):
        import torch
        n = len(self.sizes)
        # A normal tensor even under inference_mode: aio's weight cache keys
        # on the version counter, which inference tensors lack.
        with torch.inference_mode(False), torch.no_grad():
            self.w = torch.cat([t.detach() for t in ts[:n]], 0)
            self.b = torch.cat([t.detach() for t in ts[n:]], 0) if self.nbias else None
            g = torch.Generator().manual_seed(0)
            self.samples = tuple(
                (idx, torch.take(t, idx).clone())
                for t in ts
                for idx in [torch.randint(0, max(1, t.numel()), (16,), generator=g)])
        self.src = tuple(t.detach() for t in ts)
        self.key = self._stamp(ts)
        self.nbytes = self.w.nbytes + (self.b.nbytes if self.b is not None else 0)
        _gauge()

    def __call__(self, x, *ts):
        import torch
        if not self._fresh(ts):
            _log("merging %d linears, %s outputs" % (len(self.sizes), self.sizes))
            self._merge(ts)
        return torch._C._nn.linear(x, self.w, self.b)

    def split(self, y):
        return y.split(self.sizes, -1)


def _silu_mul(y, n):
    """SiLU(y[..., :n]) * y[..., n:] for a merged gate/up output y."""
    import torch
    g = y[..., :n]
    torch.nn.functional.silu(g, inplace=True)
    return torch.mul(g, y[..., n:])


def _is_linear(node):
    import torch
    return node.op == "call_function" and node.target in (torch._C._nn.linear, torch.nn.functional.linear)


def _linear_args(node):
    """(input, weight, bias) of a linear node, or None for unusual calls."""
    args = list(node.args) + [None] * (3 - len(node.args))
    x, w, b = args[:3]
    x = node.kwargs.get("input", x)
    w = node.kwargs.get("weight", w)
    b = node.kwargs.get("bias", b)
    if len(node.args) > 3 or set(node.kwargs) - {"input", "weight", "bias"}:
        return None
    return x, w, b


def _const_tensor(node, consts):
    """The tensor a weight node stands for at compile time, if it is a
    parameter or buffer (not an activation)."""
    import torch
    t = consts.get(node)
    if t is None:
        return None
    if isinstance(t, torch.nn.Parameter) or "_buffers_" in node.name or node.op == "get_attr":
        return t
    return None


_MUTATING = {"add_", "mul_", "sub_", "div_", "copy_", "zero_", "fill_", "index_put_", "masked_fill_",
             "__setitem__", "setitem"}


def _mutates(node):
    import operator
    t = node.target
    name = getattr(t, "__name__", t if isinstance(t, str) else "")
    if node.kwargs.get("inplace") or name in _MUTATING or (name.endswith("_") and not name.startswith("_")):
        return True
    return t in (operator.iadd, operator.isub, operator.imul, operator.itruediv, operator.setitem)


def _rewrite(gm, example_inputs):
    import operator
    import torch
    graph = gm.graph
    order = {n: i for i, n in enumerate(graph.nodes)}
    consts = {}
    ph = [n for n in graph.nodes if n.op == "placeholder"]
    for n, t in zip(ph, example_inputs):
        if isinstance(t, torch.Tensor):
            consts[n] = t
    for n in graph.nodes:
        if n.op == "get_attr":
            try:
                t = gm
                for a in n.target.split("."):
                    t = getattr(t, a)
                if isinstance(t, torch.Tensor):
                    consts[n] = t
            except AttributeError:
                pass

    merged = 0
    if _MERGE_LINEAR:
        groups = {}
        for n in graph.nodes:
            if not _is_linear(n):
                continue
            a = _linear_args(n)
            if a is None or not isinstance(a[0], torch.fx.Node):
                continue
            x, w, b = a
            wt = _const_tensor(w, consts) if isinstance(w, torch.fx.Node) else None
            bt = _const_tensor(b, consts) if isinstance(b, torch.fx.Node) else None
            if wt is None or wt.dim() != 2 or (b is not None and bt is None):
                continue
            key = (x, wt.dtype, wt.shape[1], b is not None)
            groups.setdefault(key, []).append((n, w, b, wt))
        nodes = list(graph.nodes)
        for (x, _, _, has_bias), members in groups.items():
            if len(members) < 2:
                continue
            first, last = order[members[0][0]], order[members[-1][0]]
            if any(_mutates(m) for m in nodes[first:last + 1]):
                continue  # the input could change between the Linears
            m = _MergedLinear([wt.shape[0] for _, _, _, wt in members], len(members) if has_bias else 0)
            key = _keep(gm, m)
            with graph.inserting_before(members[0][0]):
                ws = [w for _, w, _, _ in members] + ([b for _, _, b, _ in members] if has_bias else [])
                y = graph.call_function(_merged_linear, (key, x, *ws))
                y.meta["aio_merged"] = m
                parts = graph.call_function(_merged_split, (key, y))
            for i, (lin, _, _, _) in enumerate(members):
                with graph.inserting_before(lin):
                    out = graph.call_function(operator.getitem, (parts, i))
                lin.replace_all_uses_with(out)
                graph.erase_node(lin)
                # Split outputs are strided views: view() of them may need
                # to copy, which reshape() does and view() refuses.
                for u in list(out.users):
                    if u.op == "call_method" and u.target == "view" and u.args[0] is out:
                        u.target = "reshape"
            merged += 1
        graph.lint()

    fused = _fuse_epilogues(gm)
    gm.recompile()
    return merged, fused


# Merged Linears by a process-unique key; the graph module holds the only
# strong reference, so a dropped compiled model frees its merged weights.
_LIVE = None
_next_key = 0


def _keep(gm, m):
    global _LIVE, _next_key
    import weakref
    if _LIVE is None:
        _LIVE = weakref.WeakValueDictionary()
    _next_key += 1
    _LIVE[_next_key] = m
    _groups.append(weakref.ref(m))
    setattr(gm, "_aio_merged_linear_%d" % _next_key, m)
    return _next_key


def _merged_linear(key, x, *ts):
    return _LIVE[key](x, *ts)


def _merged_split(key, y):
    return _LIVE[key].split(y)


def _fuse_epilogues(gm):
    """SiLU(gate) * up on one merged output; activations in place on a
    Linear's output that nothing else reads."""
    import operator
    import torch
    graph = gm.graph
    fused = 0
    acts_inplace = {torch._C._nn.gelu: None, torch.nn.functional.gelu: None, torch.nn.functional.silu: "silu",
                    torch.nn.functional.relu: "relu", torch.relu: "relu"}
    for n in list(graph.nodes):
        # silu(parts[0]) * parts[1] where both come from one merged pair.
        if n.op == "call_function" and n.target in (operator.mul, torch.mul) and len(n.args) == 2 and not n.kwargs:
            a, b = n.args
            if (isinstance(a, torch.fx.Node) and a.op == "call_function" and a.target is torch.nn.functional.silu
                    and len(a.users) == 1 and not a.kwargs.get("inplace") and len(a.args) == 1):
                g = a.args[0]
                if (isinstance(g, torch.fx.Node) and isinstance(b, torch.fx.Node) and g.target is operator.getitem
                        and b.target is operator.getitem and g.args[0] is b.args[0] and g.args[1] == 0
                        and b.args[1] == 1 and len(g.users) == 1 and len(b.users) == 1):
                    parts = g.args[0]
                    y = parts.args[1]
                    m = y.meta.get("aio_merged")
                    if m is not None and len(m.sizes) == 2 and m.sizes[0] == m.sizes[1] and len(parts.users) == 2:
                        with graph.inserting_before(n):
                            f = graph.call_function(_silu_mul, (y, m.sizes[0]))
                        n.replace_all_uses_with(f)
                        for dead in (n, a, g, b, parts):
                            graph.erase_node(dead)
                        fused += 1
                        continue
        # act(linear(...)) with the Linear's output read by nothing else.
        if n.op == "call_function" and n.target in acts_inplace and len(n.args) == 1:
            src = n.args[0]
            if isinstance(src, torch.fx.Node) and _is_linear(src) and len(src.users) == 1:
                kw = dict(n.kwargs)
                if kw.get("inplace"):
                    continue
                if n.target in (torch._C._nn.gelu, torch.nn.functional.gelu):
                    approx = kw.pop("approximate", "none")
                    if kw:
                        continue
                    n.target = torch.ops.aten.gelu_.default
                    n.kwargs = {"approximate": approx}
                elif acts_inplace[n.target] == "silu":
                    n.kwargs = {**kw, "inplace": True}
                else:
                    n.target = torch.relu_
                fused += 1
    graph.lint()
    return fused


def _warm(gm, example_inputs):
    """Run each Linear twice on zeros of its real shape, so aio's weight
    cache converts or packs its weight now rather than in the first calls."""
    import torch
    consts = {n: t for n, t in zip([n for n in gm.graph.nodes if n.op == "placeholder"], example_inputs)
              if isinstance(t, torch.Tensor)}
    calls = []
    for n in gm.graph.nodes:
        if n.op != "call_function":
            continue
        if n.target is _merged_linear:
            m = _LIVE[n.args[0]]
            x, ts = n.args[1], n.args[2:]
            if all(t in consts for t in ts):
                calls.append((x, lambda xx, m=m, ts=[consts[t] for t in ts]: m(xx, *ts)))
        elif _is_linear(n):
            a = _linear_args(n)
            if a and isinstance(a[1], torch.fx.Node) and a[1] in consts:
                w = consts[a[1]]
                b = consts.get(a[2]) if isinstance(a[2], torch.fx.Node) else None
                if isinstance(w, torch.nn.Parameter):
                    calls.append((a[0], lambda xx, w=w, b=b: torch._C._nn.linear(xx, w, b)))
    with torch.no_grad():
        for x, fn in calls:
            ev = x.meta.get("example_value") if isinstance(x, torch.fx.Node) else None
            if ev is None:
                continue
            try:
                shape = [int(s) for s in ev.shape]
            except Exception:  # symbolic sizes: one row, the decode shape
                shape = [1] * (ev.dim() - 1) + [int(ev.shape[-1])]
            xx = torch.zeros(shape, dtype=ev.dtype)
            fn(xx)
            fn(xx)


def aio_backend(gm, example_inputs, options=None, mode=None, **kwargs):
    import torch
    options = dict(options or {})
    modelname = options.pop("modelname", None)
    if options:
        print("aio: compile: ignoring unknown options %s (accepted: modelname)" % sorted(options),
              file=sys.stderr, flush=True)
    label = " for %r" % modelname if modelname else ""
    if torch.is_grad_enabled():
        _log("graph%s runs unchanged: grad mode is on" % label)
        return gm.forward
    merged, fused = _rewrite(gm, example_inputs)
    _warm(gm, example_inputs)
    _log("graph%s: %d nodes, %d Linear groups merged, %d epilogues fused, merged weights %d bytes"
         % (label, len(gm.graph.nodes), merged, fused, merged_linear_bytes()))
    return gm.forward


def _install(merge_linear=1):
    global _MERGE_LINEAR
    _MERGE_LINEAR = bool(merge_linear)
    mod = sys.modules.get(_REGISTRY)
    if mod is not None:
        _register(mod)
        return
    sys.meta_path.insert(0, _RegistryHook())


def _register(registry):
    if "aio" not in registry._COMPILER_FNS:
        registry.register_backend(compiler_fn=aio_backend, name="aio")


class _RegistryHook:
    """Registers the backend right after dynamo's registry module runs."""

    def find_spec(self, name, path=None, target=None):
        if name != _REGISTRY:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module):
            run(module)
            try:
                sys.meta_path.remove(self)
            except ValueError:
                pass
            _register(module)

        loader.exec_module = exec_module
        return spec
