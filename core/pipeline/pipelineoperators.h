#pragma once

#include "core/pipeline/pipelineenvironment.h"

#include <QList>
#include <QString>

#include <memory>
#include <vector>

namespace millrace::scheduler {
class OperatorCatalog;
}

namespace millrace::pipeline {

class PipelineOperator;

/// The operators of the pipeline Millrace ships (seed 000), one instance each: prepare_data,
/// train_initial_model, register_model, publish_samples, drain_topic, update_model,
/// evaluate_and_decide, promote, export_onnx and archive_batch. They run on executor threads,
/// several at once, using `environment`, which must outlive them.
class PipelineOperators
{
public:
    explicit PipelineOperators(PipelineEnvironment environment);
    ~PipelineOperators();
    PipelineOperators(const PipelineOperators &) = delete;
    PipelineOperators &operator=(const PipelineOperators &) = delete;

    /// Adds every operator to `catalog` as "built-in"; an id already taken is left to its
    /// holder, with a warning.
    void registerInto(scheduler::OperatorCatalog &catalog);

    /// The operator with `id`, or null.
    PipelineOperator *find(const QString &id) const;
    /// The operators' ids, in pipeline order.
    QList<QString> ids() const;

private:
    // Operators keep a reference to it: it must not move, hence the pointer.
    std::unique_ptr<PipelineEnvironment> m_environment;
    std::vector<std::unique_ptr<PipelineOperator>> m_operators;
};

/// Adds the pipeline's operators to `session`'s catalog, kept alive by the session until its
/// services stopped. Call before Session::startServices().
void installPipelineOperators(Session &session);

} // namespace millrace::pipeline
