"""The reference safetensors implementation (Hugging Face's, the one PyTorch and JAX users have)
against gen-ts's reader and writer.

  python3 scripts/safetensors-reference.py write OUT   writes the fixture of foreign dtypes that
                                                       packages/nn/src/io/safetensors-reference.test.ts loads
  python3 scripts/safetensors-reference.py read FILE   reads FILE (written by gen-ts) and prints its
                                                       tensors and metadata as JSON

The test also keeps a file gen-ts wrote (packages/nn/src/io/fixtures/gen-ts-writer.safetensors, from
`encodeSafetensors` of the tree `ourTree()` in that test) beside this reader's output for it
(gen-ts-writer.reference.json, from `read`), so CI checks the writer without Python. After a
deliberate change to the writer, write the file again and run `read` on it into the .json.

Needs `safetensors` and `numpy` (pip install safetensors numpy).
"""
import json
import math
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file


def fixture():
    return {
        "f16": np.array([[1.0, -2.5], [65504.0, 2.0**-24]], dtype=np.float16),
        "f32": np.array([0.1, -0.0, np.inf], dtype=np.float32),
        "f64": np.array(math.pi, dtype=np.float64),
        "i64": np.array([-3, 2147483647, -2147483648], dtype=np.int64),
        "i32": np.array([[1, -1]], dtype=np.int32),
        "i16": np.array([-32768, 32767], dtype=np.int16),
        "u16": np.array([65535], dtype=np.uint16),
        "i8": np.array([-128, 127], dtype=np.int8),
        "u8": np.array([0, 255], dtype=np.uint8),
        "u32": np.array([7, 2147483647], dtype=np.uint32),
        "bool": np.array([True, False, True], dtype=np.bool_),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


def encode(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v) or v == 0.0):
        return repr(v)  # 'nan', 'inf', '-inf', '-0.0', '0.0': JSON cannot say these
    return v


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "write":
        save_file(fixture(), path, metadata={"format": "np", "writer": "safetensors reference"})
        return
    tensors = load_file(path)
    with safe_open(path, framework="np") as f:
        metadata = f.metadata()
    out = {
        name: {"dtype": str(t.dtype), "shape": list(t.shape), "values": [encode(x) for x in t.reshape(-1).tolist()]}
        for name, t in tensors.items()
    }
    print(json.dumps({"tensors": out, "metadata": metadata}))


if __name__ == "__main__":
    main()
