#include "core/pipeline/pipelineenvironment.h"

#include "core/streams/streamsservice.h"
#include "core/training/pluginarchitectures.h"
#include "core/workspace/session.h"

namespace millrace::pipeline {

PipelineEnvironment pipelineEnvironment(Session &session)
{
    // The cluster is looked up when a task asks, not now: the streams service starts later than
    // the session opens and switches clusters when the user picks another profile.
    auto endpoint = [&session]() -> Result<streams::ClusterEndpoint> {
        streams::StreamsService *service = session.streams();
        if (!service)
            return fail(QStringLiteral("the streams service is not running, so there is no Kafka "
                                       "cluster to use"));
        if (std::optional<streams::ClusterEndpoint> current = service->endpoint())
            return *current;
        const QString problem = service->snapshot().problem;
        return fail(problem.isEmpty()
                        ? QStringLiteral("the streams service has not connected to a Kafka "
                                         "cluster yet")
                        : QStringLiteral("the streams service cannot use its Kafka cluster: %1")
                              .arg(problem));
    };
    return PipelineEnvironment{
        session.workspace(), session.tracking(),
        session.registry(),  training::pluginArchitectures(session.plugins()),
        session.plugins(),   std::move(endpoint)};
}

} // namespace millrace::pipeline
