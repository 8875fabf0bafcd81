#pragma once

#include "core/base/result.h"
#include "core/ml/model.h"
#include "core/ml/onnxexport.h"

#include <QString>

namespace millrace::registry {
class RegistryStore;
}

namespace millrace::training {

/// Loads a registered version's model from its files in the models folder. Blocks: call it from
/// a worker. Fails, naming the version, when it does not exist, has no files, or its weights
/// do not load (truncated or corrupt) or its architecture plugin is missing.
Result<ml::Model> loadRegisteredModel(const registry::RegistryStore &registry,
                                      const ml::ArchitectureLookup &architectures,
                                      const QString &name, qint64 version);

/// Exports a registered version's model to ONNX in `outputDirectory` (ml::exportOnnx(): the
/// graph, an MLmodel file with the onnx flavor and the environment files), for the Registry
/// panel's Export action and `millrace models export-onnx`. Blocks on model loading and the
/// export: call it from a worker. Fails, writing nothing, for an unknown model or version, a
/// version without files, weights that do not load (truncated or corrupt) and a network with
/// a layer that has no ONNX mapping (the message names the layer).
Result<ml::OnnxExportReport> exportVersionToOnnx(const registry::RegistryStore &registry,
                                                 const ml::ArchitectureLookup &architectures,
                                                 const QString &name, qint64 version,
                                                 const QString &outputDirectory,
                                                 const ml::OnnxExportOptions &options = {});

} // namespace millrace::training
