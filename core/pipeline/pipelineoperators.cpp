#include "core/pipeline/pipelineoperators.h"

#include "core/pipeline/dataoperators.h"
#include "core/pipeline/modeloperators.h"

namespace millrace::pipeline {

PipelineOperators::PipelineOperators(PipelineEnvironment environment)
    : m_environment(std::make_unique<PipelineEnvironment>(std::move(environment)))
{
    PipelineEnvironment &env = *m_environment;
    m_operators.push_back(std::make_unique<PrepareDataOperator>(env));
    m_operators.push_back(std::make_unique<TrainInitialModelOperator>(env));
    m_operators.push_back(std::make_unique<RegisterModelOperator>(env));
    m_operators.push_back(std::make_unique<PublishSamplesOperator>(env));
    m_operators.push_back(std::make_unique<DrainTopicOperator>(env));
    m_operators.push_back(std::make_unique<UpdateModelOperator>(env));
    m_operators.push_back(std::make_unique<EvaluateAndDecideOperator>(env));
    m_operators.push_back(std::make_unique<PromoteOperator>(env));
    m_operators.push_back(std::make_unique<ExportOnnxOperator>(env));
    m_operators.push_back(std::make_unique<ArchiveBatchOperator>(env));
}

PipelineOperators::~PipelineOperators() = default;

PipelineOperator *PipelineOperators::find(const QString &id) const
{
    for (const auto &op : m_operators) {
        if (op->id() == id)
            return op.get();
    }
    return nullptr;
}

QList<QString> PipelineOperators::ids() const
{
    QList<QString> ids;
    for (const auto &op : m_operators)
        ids.append(op->id());
    return ids;
}

} // namespace millrace::pipeline
