#pragma once

#include "core/ml/mlresult.h"
#include "core/ml/model.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace millrace::ml {

/// The operator sets exportOnnx() can target: 13 is the oldest with the operators it needs in
/// their current form, 17 the newest the onnx 1.12 checker (Debian's libonnx) knows.
inline constexpr int kOnnxMinimumOpset = 13;
inline constexpr int kOnnxMaximumOpset = 17;

/// How exportOnnx() runs.
struct OnnxExportOptions
{
    /// ONNX operator set of the graph, kOnnxMinimumOpset to kOnnxMaximumOpset.
    int opset = kOnnxMaximumOpset;
    /// Told the share done (0 to 1) and what is happening, e.g. "layer features.0 (Conv2d)";
    /// called on the exporting thread. Optional.
    std::function<void(double fraction, const std::string &step)> progress;
    /// Asked between steps; returning true stops the export. Cancelling is possible until the
    /// files are written, and a cancelled export writes nothing. Optional.
    std::function<bool()> cancelled;
};

/// One input or output of the exported graph. The first dimension is the batch, dynamic in
/// the graph (dim_param "batch") and -1 here.
struct OnnxTensorInfo
{
    std::string name;
    std::vector<std::int64_t> shape;
};

/// What exportOnnx() wrote.
struct OnnxExportReport
{
    int opset = 0;
    std::string modelPath;        ///< the ONNX file, <outputDirectory>/model.onnx
    std::uint64_t modelBytes = 0; ///< its size
    std::string mlmodelPath;      ///< the MLflow model description, <outputDirectory>/MLmodel
    /// Every file written, MLmodel last (the order they were written in).
    std::vector<std::string> files;
    /// "input": float32 {batch, sampleShape...}, for tabular models with the numeric columns
    /// unstandardised (see inputDescription).
    OnnxTensorInfo input;
    /// "logits" (class scores before softmax) for classification, "predictions" for
    /// regression: float32 {batch, outputs}.
    OnnxTensorInfo output;
    /// What the input holds, in words; the same text is in the MLmodel file and in the
    /// graph's metadata ("millrace.input").
    std::string inputDescription;
    /// The onnx checker's verdict on the graph: "valid" (a graph it rejects is not written).
    std::string checkerVerdict;
    /// Number of operator nodes in the graph.
    std::size_t nodeCount = 0;
};

/// Writes `model` as an ONNX graph that gives the same outputs as Model::predict() for the
/// same samples, packaged as an MLflow model (flavors onnx and python_function, so
/// mlflow.pyfunc.load_model() and `mlflow models serve` take it):
///
///   model.onnx       the graph, float32, batch dimension dynamic, one input "input", one
///                    output "logits" or "predictions"; metadata_props name the
///                    architecture, task, class names and what the input holds
///   MLmodel          the MLflow description with the tensor signature; written last
///   conda.yaml, python_env.yaml, requirements.txt   the environment MLflow rebuilds
///
/// The network's layers are mapped one by one (see network.h for which networks can be
/// exported): Conv2d -> Conv, Linear -> Gemm, BatchNorm after a Conv2d or Linear is folded into
/// its weights (elsewhere BatchNormalization), ReLU/Tanh/Sigmoid/LeakyReLU/GELU -> their
/// operators, MaxPool2d -> MaxPool, Flatten -> Flatten, Dropout and Identity -> nothing (the
/// graph is the evaluation-mode network). {height, width} images get their channel axis with
/// a Reshape. A tabular model's fitted standardisation of numeric columns is part of the
/// graph (Sub, Div), so the graph takes raw numbers; categorical columns stay one-hot, as
/// the model's preprocessing encodes them.
///
/// Fails, writing nothing, on a layer with no ONNX mapping (naming its path and type), a
/// network whose forward() is not its layers in order, a graph the onnx checker or shape
/// inference rejects, a bad opset, cancellation, or a directory it may not write into. Each
/// file is written atomically (temporary file, fsync, rename), MLmodel last. The directory is
/// created if needed. Files of an earlier ONNX export there are replaced; other files are left
/// alone, but a directory holding any of the five file names above without an MLmodel of the
/// onnx flavor (another MLflow model, someone's requirements.txt) is refused rather than
/// overwritten.
///
/// Puts the network in evaluation mode while exporting and restores its mode afterwards; not
/// for use while the same model trains on another thread.
Result<OnnxExportReport> exportOnnx(const Model &model, const std::string &outputDirectory,
                                    const OnnxExportOptions &options = {});

/// Loads the model saved in `modelDirectory` (Model::load(), which refuses truncated or
/// corrupt weights) and exports it as exportOnnx() does.
Result<OnnxExportReport> exportSavedModelToOnnx(const std::string &modelDirectory,
                                                const ArchitectureLookup &lookup,
                                                const std::string &outputDirectory,
                                                const OnnxExportOptions &options = {});

} // namespace millrace::ml
