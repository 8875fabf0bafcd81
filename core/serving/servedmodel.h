#pragma once

#include "core/base/result.h"
#include "core/ml/model.h"
#include "core/serving/scoringprotocol.h"

#include <QString>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace millrace::ml {
class InferencePlan;
}

namespace millrace::registry {
class RegistryStore;
}

namespace millrace::serving {

/// A registered model version loaded for scoring: what it takes (an InputSpec for the scoring
/// protocol), what it gives (an output named as in its ONNX export: "logits" for classes,
/// "predictions" for values), and an inference plan of its network (ml::InferencePlan) that
/// several inference workers run at once, or, for a network the plan cannot take, a copy of the
/// network per worker. Immutable once loaded; shared by the requests that use it, so a
/// swap lets requests in flight finish on it.
class ServedModel
{
public:
    /// Loads version `version` of `name` from the registry with `copies` network copies (one
    /// per inference worker). Blocks on file reads: call it from a worker.
    static Result<std::shared_ptr<const ServedModel>>
    load(const registry::RegistryStore &registry, const ml::ArchitectureLookup &architectures,
         const QString &name, qint64 version, int copies);
    /// Serves `model` as version `version` of `name` (tests, and models not in a registry).
    static Result<std::shared_ptr<const ServedModel>>
    fromModel(const ml::Model &model, const QString &name, qint64 version, int copies);
    ~ServedModel();

    const QString &name() const { return m_name; }
    qint64 version() const { return m_version; }
    const InputSpec &inputSpec() const { return m_inputSpec; }
    const QString &outputName() const { return m_outputName; }
    /// Values per sample in the output: classes, or regression outputs.
    qint64 outputWidth() const { return m_outputWidth; }
    const std::vector<std::string> &classNames() const;

    /// The outputs for `batch`, outputWidth() per row. Safe from several threads at once: they
    /// share the plan, or each borrows a network copy, waiting while all are busy. Fails for rows
    /// the model's preprocessing cannot encode (a non-number in a numeric column).
    Result<std::vector<float>> predict(const ScoringBatch &batch) const;

private:
    ServedModel() = default;
    class Copies;

    QString m_name;
    qint64 m_version = 0;
    InputSpec m_inputSpec;
    QString m_outputName;
    qint64 m_outputWidth = 0;
    std::unique_ptr<Copies> m_copies;
    std::shared_ptr<const ml::InferencePlan> m_plan; ///< null when the network runs as it is
};

} // namespace millrace::serving
