#include "core/pipeline/pipelineenvironment.h"

#include "core/streams/streamsservice.h"
#include "core/training/pluginarchitectures.h"
#include "core/workspace/session.h"

#include <QDeadlineTimer>
#include <QThread>

#include <chrono>

namespace millrace::pipeline {

namespace {
// How long a task waits for the streams service to connect before it fails.
constexpr std::chrono::seconds kConnectionWait{20};
} // namespace

PipelineEnvironment pipelineEnvironment(Session &session)
{
    // The cluster is looked up when a task asks, not now: the streams service starts later than
    // the session opens and switches clusters when the user picks another profile.
    auto endpoint = [&session]() -> Result<streams::ClusterEndpoint> {
        streams::StreamsService *service = session.streams();
        if (!service)
            return fail(QStringLiteral("the streams service is not running, so there is no Kafka "
                                       "cluster to use"));
        // Right after start-up the service is still connecting while the scheduler already
        // runs tasks: wait for it a little rather than fail the task and sit out its retry
        // delay. A problem it reports ends the wait at once.
        QDeadlineTimer deadline(kConnectionWait);
        QString problem;
        for (;;) {
            if (std::optional<streams::ClusterEndpoint> current = service->endpoint())
                return *current;
            problem = service->snapshot().problem;
            if (!problem.isEmpty() || deadline.hasExpired())
                break;
            QThread::msleep(100);
        }
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
