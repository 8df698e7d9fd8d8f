"""One torchrun rank: a gloo all_reduce and a parallel op, then a JSON file
(argv[1]/rank<N>.json: ranks share stdout, where lines could interleave)
with the rank, its thread count and every thread's Cpus_allowed_list."""
import json
import os
import sys

import torch
import torch.distributed as dist

dist.init_process_group("gloo")
t = torch.ones(4) * (dist.get_rank() + 1)
dist.all_reduce(t)
y = torch.nn.functional.gelu(torch.randn(256, 256) @ torch.randn(256, 256))
masks = sorted({open(f"/proc/self/task/{tid}/status").read().split("Cpus_allowed_list:\t")[1].split()[0]
                for tid in os.listdir("/proc/self/task")})
with open(os.path.join(sys.argv[1], f"rank{dist.get_rank()}.json"), "w") as f:
    json.dump({"rank": dist.get_rank(), "local_rank": int(os.environ["LOCAL_RANK"]), "sum": t.tolist(),
               "threads": torch.get_num_threads(), "masks": masks}, f)
dist.destroy_process_group()
