#!/usr/bin/env bash
# GPU check in two steps.
#   scripts/gpu-check.sh pack   (here)        publishes the self-contained CLI into .device/inspection.tar.xz, without the
#                                             packaged CPU libtorch (the GPU machine brings its own) and without the
#                                             ResNet18 ONNX (too large to carry; the check times an untrained backbone,
#                                             which costs exactly what the trained one costs).
#   scripts/gpu-check.sh run    (GPU machine) unpacks it, points INSPECTION_LIBTORCH at PyTorch's torch/lib, writes the
#                                             synthetic line, runs the demo on cuda (engine and pipeline
#                                             scores compared) and prints the bench suite (fp32 and bf16) on cuda (its
#                                             first line compares the folded backbone with the module-by-module one), with
#                                             the issue's reference operations (backbone at batch 32, 1-NN of 65,536
#                                             queries, coreset 204,800 -> 20,480); JSON and
#                                             plots go to $OUT (or ./gpu-check) for docs/benchmarks.md.
# With the device tool: run "scripts/gpu-check.sh pack" here, then run "bash scripts/gpu-check.sh run" with carry [".device"].
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  pack)
    rm -rf .device/publish && mkdir -p .device
    dotnet publish Inspection.Host -c Release -r linux-x64 --self-contained -o .device/publish -p:DebugType=none >/dev/null
    # The CPU libtorch and the ONNX stay behind; libLibTorchSharp.so (the bridge) comes along.
    find .device/publish \( -name 'libtorch*.so' -o -name 'libc10*.so' -o -name 'libgomp*.so*' -o -name 'libbackend_with_compiler.so' \
      -o -name 'libjitbackend_test.so' -o -name 'libnnapi_backend.so' -o -name 'libshm.so' -o -name 'libtorchbind_test.so' \
      -o -name 'libaoti_custom_ops.so' -o -name '*.onnx' \) -delete
    tar -C .device/publish -cJf .device/inspection.tar.xz .
    ls -lh .device/inspection.tar.xz
    ;;
  run)
    out="${OUT:-$PWD/gpu-check}"
    mkdir -p "$out" /tmp/inspection-gpu
    tar -C /tmp/inspection-gpu -xJf .device/inspection.tar.xz
    export INSPECTION_LIBTORCH="${INSPECTION_LIBTORCH:-$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib}"
    export INSPECTION_CACHE=/tmp/inspection-gpu/cache
    bin=/tmp/inspection-gpu/inspection
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
    # Correctness on the device first: train on cuda (greedy coreset on the GPU), inspect, then the actor pipeline,
    # whose scores the demo compares with the engine's (a failure is reported, the timings still run).
    "$bin" demo --device cuda --backbone-weights untrained --out /tmp/inspection-gpu/demo || echo "== demo on cuda FAILED (exit $?)"
    "$bin" synth --out /tmp/inspection-gpu/line --train 200
    # One shard: what `serve --train` deploys on a node with one GPU, and the fair comparison with the engine's single
    # search (two shards on one node each search half the bank and prune less; the demo above covers the fan-out).
    for precision in fp32 bf16; do
      echo "== $precision"
      "$bin" bench --data /tmp/inspection-gpu/line --device cuda --precision "$precision" --backbone-weights untrained \
        --batch-sizes 1 8 32 --images 256 --bank-sizes 16384 163840 1048576 --pipeline-shards 1 --knn-budget-mb 4096 --knn-images 64 --sweep-seconds 10 --coreset-points 204800 --out "$out/$precision"
    done
    ;;
  *)
    echo "usage: $0 pack|run" >&2
    exit 2
    ;;
esac
