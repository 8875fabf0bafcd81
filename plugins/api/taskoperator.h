#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QtPlugin>

namespace millrace::plugins {

/// What a running task sees of the scheduler: its parameters, a log, cancellation, and the
/// results (XCom) of the tasks upstream of it.
class TaskContext
{
public:
    virtual ~TaskContext() = default;

    /// The task's parameters from its DAG file, with templates already rendered.
    virtual QJsonObject params() const = 0;
    /// Appends a line to this try's task log.
    virtual void log(const QString &line) = 0;
    /// True once the run was cancelled or timed out; the operator should return soon.
    virtual bool isCancelled() const = 0;
    /// Reports progress in [0, 1].
    virtual void setProgress(double fraction) = 0;
    /// The result an upstream task returned, or undefined when it returned none.
    virtual QJsonValue upstreamResult(const QString &taskId) const = 0;

    /// Which task try this is: the DAG, the run (its run id), the task, and the try (1-based).
    virtual QString dagId() const = 0;
    virtual QString runId() const = 0;
    virtual QString taskId() const = 0;
    virtual int tryNumber() const = 0;
    /// The run's logical date (the start of its data interval; the trigger time for manual and
    /// event runs), UTC.
    virtual QDateTime logicalDate() const = 0;
    /// The run's config: what a manual trigger or an event passed, over the DAG's defaults.
    virtual QJsonObject runConfig() const = 0;
    /// The workspace folder (the default working directory of tasks).
    virtual QString workspaceRoot() const = 0;
};

/// The outcome of one task try: a result downstream tasks can read (XCom), or an error message.
/// A task that decides there is nothing to do returns ok with `skipped` (Airflow's skip): it
/// ends "skipped", and `error` may say why.
struct TaskOutcome
{
    bool ok = true;
    QJsonValue result;
    QString error;
    bool skipped = false;
};

/// A kind of task a DAG can use (like an Airflow operator): train a model, drain a topic, run a
/// shell command. run() is called on an executor thread and may block until done.
class TaskOperator
{
public:
    virtual ~TaskOperator() = default;

    /// Parameters the operator accepts, as a JSON schema, to check DAG files and build forms.
    virtual QJsonObject parameterSchema() const = 0;
    /// Runs one try of the task.
    virtual TaskOutcome run(TaskContext &context) = 0;
};

} // namespace millrace::plugins

#define MillraceTaskOperator_iid "org.millrace.TaskOperator/1"
Q_DECLARE_INTERFACE(millrace::plugins::TaskOperator, MillraceTaskOperator_iid)
