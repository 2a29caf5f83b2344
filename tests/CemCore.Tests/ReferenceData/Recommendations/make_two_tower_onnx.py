#!/usr/bin/python3
"""Generates a tiny two-tower recommendation model for the CemCore.Onnx adapter tests (Debian python3-onnx 1.12, numpy).

Graph: user [N, 4] float32 -> MatMul W_user [4, 3] -> Relu -> u [N, 3]; item [M, 5] float32 -> MatMul W_item [5, 3] -> i [M, 3];
scores = u @ i^T  [N, M] (the dot-product of the two towers, as a PyTorch/TensorFlow two-tower export would compute).
Writes two_tower.onnx and two_tower_expected.json (features and the scores computed with numpy in float64 from the float32 weights).
Run: /usr/bin/python3 make_two_tower_onnx.py
"""
import json
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(12)
w_user = rng.normal(size=(4, 3)).astype(np.float32)
w_item = rng.normal(size=(5, 3)).astype(np.float32)

graph = helper.make_graph(
    [
        helper.make_node("MatMul", ["user", "w_user"], ["u_lin"]),
        helper.make_node("Relu", ["u_lin"], ["u"]),
        helper.make_node("MatMul", ["item", "w_item"], ["i"]),
        helper.make_node("Transpose", ["i"], ["i_t"], perm=[1, 0]),
        helper.make_node("MatMul", ["u", "i_t"], ["scores"]),
    ],
    "two_tower",
    [helper.make_tensor_value_info("user", TensorProto.FLOAT, ["N", 4]),
     helper.make_tensor_value_info("item", TensorProto.FLOAT, ["M", 5])],
    [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", "M"])],
    [numpy_helper.from_array(w_user, "w_user"), numpy_helper.from_array(w_item, "w_item")],
)
model = helper.make_model(graph, producer_name="cemcore-test", opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, "two_tower.onnx")

users = {f"u{k}": rng.normal(size=4).astype(np.float32) for k in range(3)}
items = {f"sku{k}": rng.normal(size=5).astype(np.float32) for k in range(6)}
names = sorted(items)
I = np.stack([items[n] for n in names]).astype(np.float64) @ w_item.astype(np.float64)
expected = {}
for u, x in users.items():
    h = np.maximum(x.astype(np.float64) @ w_user.astype(np.float64), 0)
    expected[u] = dict(zip(names, (I @ h).tolist()))
with open("two_tower_expected.json", "w") as f:
    json.dump({"users": {k: v.tolist() for k, v in users.items()},
               "items": {k: v.tolist() for k, v in items.items()},
               "scores": expected}, f, indent=1)
