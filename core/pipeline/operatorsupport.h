#pragma once

#include "core/base/cancellation.h"
#include "core/pipeline/pipelineenvironment.h"
#include "core/pipeline/taskparams.h"
#include "core/registry/registrytypes.h"
#include "plugins/api/taskoperator.h"

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace millrace::pipeline {

/// What the pipeline operators share: their params are declared once (schema and check), a
/// try logs its params, fails with a clear message on bad ones, and never lets an exception
/// out to the executor.
class PipelineOperator : public plugins::TaskOperator
{
public:
    explicit PipelineOperator(PipelineEnvironment &environment) : m_environment(environment) {}

    /// The id DAG files name the operator by, e.g. "train_initial_model".
    virtual QString id() const = 0;
    /// What the operator does, in one sentence, for listings.
    virtual QString summary() const = 0;

    QJsonObject parameterSchema() const final;
    plugins::TaskOutcome run(plugins::TaskContext &context) final;

protected:
    /// The params the operator accepts.
    virtual QList<ParamSpec> params() const = 0;
    /// Runs one try with params already checked and defaulted.
    virtual plugins::TaskOutcome execute(plugins::TaskContext &context,
                                         const TaskParams &params) = 0;

    PipelineEnvironment &m_environment;
};

/// A successful outcome with `result` for downstream tasks.
plugins::TaskOutcome succeeded(const QJsonObject &result);
/// A failed outcome; `message` is logged to the task log too.
plugins::TaskOutcome failed(plugins::TaskContext &context, const QString &message);
/// A skipped outcome (nothing to do) saying why; `reason` is logged too.
plugins::TaskOutcome skipped(plugins::TaskContext &context, const QString &reason,
                             const QJsonObject &result = {});

/// Field `field` of the result upstream task `taskId` returned; undefined when the task gave
/// no such result (or `taskId` is empty).
QJsonValue upstreamField(const plugins::TaskContext &context, const QString &taskId,
                         const QString &field);

/// The registry's record of who acts: "pipeline <dag>.<task>", with the run as the reason.
registry::Actor pipelineActor(const plugins::TaskContext &context, const QString &reason = {});
/// Tags that tie a tracking run or model version to the DAG run and task that made it.
QList<QPair<QString, QString>> lineageTags(const plugins::TaskContext &context);

/// Forwards a task's cancellation (TaskContext::isCancelled(), polled) to a CancellationToken
/// for the blocking services, which take tokens. Polls on its own thread, so a service
/// blocked where it reports no progress (joining a consumer group, loading data) still stops.
class CancellationRelay
{
public:
    explicit CancellationRelay(const plugins::TaskContext &context,
                               std::chrono::milliseconds interval = std::chrono::milliseconds(100));
    ~CancellationRelay();
    CancellationRelay(const CancellationRelay &) = delete;
    CancellationRelay &operator=(const CancellationRelay &) = delete;

    CancellationToken token() const { return m_source.token(); }
    bool isCancelled() const { return m_source.isCancelled(); }

private:
    CancellationSource m_source;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

/// Reports progress to the task at most every `interval`, and always the last step, so a fast
/// loop does not flood the scheduler.
class ProgressThrottle
{
public:
    explicit ProgressThrottle(plugins::TaskContext &context,
                              std::chrono::milliseconds interval = std::chrono::milliseconds(200))
        : m_context(context), m_interval(interval)
    {
    }
    void report(double fraction);

private:
    plugins::TaskContext &m_context;
    std::chrono::milliseconds m_interval;
    std::chrono::steady_clock::time_point m_last{};
};

} // namespace millrace::pipeline
