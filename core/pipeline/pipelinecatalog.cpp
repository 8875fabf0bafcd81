// registerInto() lives apart from the rest of PipelineOperators so that code using the
// operators without a scheduler (tests, tools) does not link the catalog.

#include "core/pipeline/operatorsupport.h"
#include "core/pipeline/pipelinelog.h"
#include "core/pipeline/pipelineoperators.h"
#include "core/scheduler/operatorcatalog.h"
#include "core/workspace/session.h"

namespace millrace::pipeline {

void PipelineOperators::registerInto(scheduler::OperatorCatalog &catalog)
{
    for (const auto &op : m_operators) {
        if (!catalog.add(op->id(), op.get(), QStringLiteral("built-in")))
            qCWarning(lcPipeline).noquote()
                << "operator" << op->id() << "is already taken (by" << catalog.origin(op->id())
                << "); the pipeline's is not used";
    }
}

} // namespace millrace::pipeline

namespace millrace::pipeline {

void installPipelineOperators(Session &session)
{
    auto operators = std::make_shared<PipelineOperators>(pipelineEnvironment(session));
    operators->registerInto(session.operators());
    session.keepUntilServicesStop(std::move(operators));
}

} // namespace millrace::pipeline
