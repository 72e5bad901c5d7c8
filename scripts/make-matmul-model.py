#!/usr/bin/env python3
"""Writes an ONNX model that is one float32 MatMul [N,N] x [N,N] (inputs A, B; output C), for measuring
the machine's peak matrix throughput through ONNX Runtime. Needs Debian's python3-onnx.

    make-matmul-model.py OUTPUT.onnx [N]
"""
import sys
from onnx import TensorProto, helper, save

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1024
graph = helper.make_graph(
    [helper.make_node("MatMul", ["A", "B"], ["C"])],
    "matmul",
    [helper.make_tensor_value_info("A", TensorProto.FLOAT, [n, n]), helper.make_tensor_value_info("B", TensorProto.FLOAT, [n, n])],
    [helper.make_tensor_value_info("C", TensorProto.FLOAT, [n, n])],
)
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), out)
