#include "core/pipeline/operatorsupport.h"

#include "core/pipeline/pipelinelog.h"

#include <QJsonDocument>

#include <algorithm>
#include <exception>

namespace millrace::pipeline {

QJsonObject PipelineOperator::parameterSchema() const
{
    return pipeline::parameterSchema(params());
}

plugins::TaskOutcome PipelineOperator::run(plugins::TaskContext &context)
{
    Result<TaskParams> read = TaskParams::read(params(), context.params());
    if (!read)
        return failed(context, QStringLiteral("%1: %2").arg(id(), read.errorMessage()));
    context.log(QStringLiteral("%1 with %2")
                    .arg(id(), QString::fromUtf8(
                                   QJsonDocument(read->values()).toJson(QJsonDocument::Compact))));
    // The services report failures as values; this only catches what slipped through them (a
    // LibTorch or allocation error), so the executor sees a failed task rather than a crash.
    try {
        return execute(context, *read);
    } catch (const std::exception &error) {
        return failed(context, QStringLiteral("%1 stopped on an unexpected error: %2")
                                   .arg(id(), QString::fromLocal8Bit(error.what())));
    } catch (...) {
        return failed(context, QStringLiteral("%1 stopped on an unexpected error").arg(id()));
    }
}

plugins::TaskOutcome succeeded(const QJsonObject &result)
{
    plugins::TaskOutcome outcome;
    outcome.ok = true;
    outcome.result = result;
    return outcome;
}

plugins::TaskOutcome failed(plugins::TaskContext &context, const QString &message)
{
    context.log(QStringLiteral("failed: ") + message);
    qCWarning(lcPipeline).noquote() << context.dagId() << context.taskId() << "failed:" << message;
    plugins::TaskOutcome outcome;
    outcome.ok = false;
    outcome.error = message;
    return outcome;
}

plugins::TaskOutcome skipped(plugins::TaskContext &context, const QString &reason,
                             const QJsonObject &result)
{
    context.log(QStringLiteral("skipped: ") + reason);
    qCInfo(lcPipeline).noquote() << context.dagId() << context.taskId() << "skipped:" << reason;
    plugins::TaskOutcome outcome;
    outcome.ok = true;
    outcome.skipped = true;
    outcome.error = reason;
    if (!result.isEmpty())
        outcome.result = result;
    return outcome;
}

QJsonValue upstreamField(const plugins::TaskContext &context, const QString &taskId,
                         const QString &field)
{
    if (taskId.isEmpty())
        return QJsonValue(QJsonValue::Undefined);
    const QJsonValue result = context.upstreamResult(taskId);
    if (!result.isObject())
        return QJsonValue(QJsonValue::Undefined);
    return result.toObject().value(field);
}

registry::Actor pipelineActor(const plugins::TaskContext &context, const QString &reason)
{
    return registry::Actor{QStringLiteral("pipeline %1.%2").arg(context.dagId(), context.taskId()),
                           reason.isEmpty() ? QStringLiteral("DAG run %1").arg(context.runId())
                                            : reason};
}

QList<QPair<QString, QString>> lineageTags(const plugins::TaskContext &context)
{
    return {{QStringLiteral("millrace.dag_id"), context.dagId()},
            {QStringLiteral("millrace.dag_run_id"), context.runId()},
            {QStringLiteral("millrace.task_id"), context.taskId()},
            {QStringLiteral("millrace.try_number"), QString::number(context.tryNumber())}};
}

CancellationRelay::CancellationRelay(const plugins::TaskContext &context,
                                     std::chrono::milliseconds interval)
{
    // isCancelled() is how the scheduler's thread tells the executor's: reading it from a
    // third thread is as safe as reading it from the executor's.
    m_thread = std::thread([this, &context, interval] {
        std::unique_lock lock(m_mutex);
        while (!m_stop) {
            if (context.isCancelled()) {
                m_source.cancel();
                return;
            }
            m_wake.wait_for(lock, interval);
        }
    });
}

CancellationRelay::~CancellationRelay()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void ProgressThrottle::report(double fraction)
{
    const auto now = std::chrono::steady_clock::now();
    if (fraction < 1.0 && now - m_last < m_interval)
        return;
    m_last = now;
    m_context.setProgress(std::clamp(fraction, 0.0, 1.0));
}

} // namespace millrace::pipeline
