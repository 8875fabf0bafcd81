#pragma once

#include "core/scheduler/timetable.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTimeZone>

#include <chrono>
#include <optional>
#include <vector>

namespace millrace::scheduler {

/// When a task may run, given the states of the tasks directly upstream of it (Airflow's
/// trigger rules).
enum class TriggerRule {
    AllSuccess, ///< every upstream task succeeded (the default)
    AllDone,    ///< every upstream task finished, whatever its state
    AllFailed,  ///< every upstream task failed or was upstream_failed
    OneSuccess, ///< at least one upstream task succeeded (runs as soon as one does)
    OneFailed,  ///< at least one upstream task failed (runs as soon as one does)
    NoneFailed, ///< no upstream task failed or was upstream_failed (skipped ones are fine)
    Always,     ///< no condition (Airflow's "always"/"dummy")
};

/// The DAG-file spelling ("all_success", ...) of a rule, and back.
QString toString(TriggerRule rule);
std::optional<TriggerRule> triggerRuleFromString(const QString &text);

/// How a task is retried: `retries` more tries after the first, waiting `delay` before each; with
/// exponential backoff the wait doubles per try (delay * 2^(retry-1)), capped at `maxDelay`.
struct RetryPolicy
{
    int retries = 0;
    std::chrono::milliseconds delay{std::chrono::seconds(300)};
    bool exponentialBackoff = false;
    std::optional<std::chrono::milliseconds> maxDelay;

    /// The wait before try `tryNumber` (2 is the first retry).
    std::chrono::milliseconds delayBefore(int tryNumber) const;
};

/// One task of a DAG, as its file declares it (defaults already applied).
struct TaskSpec
{
    QString id;
    QString operatorId; ///< an operator's id in the OperatorCatalog ("shell", "noop", ...)
    QJsonObject params; ///< as written: templates ("{{ ds }}") are rendered per try
    QStringList upstream;
    RetryPolicy retry;
    std::optional<std::chrono::milliseconds> executionTimeout;
    TriggerRule triggerRule = TriggerRule::AllSuccess;
    QString pool = QStringLiteral("default_pool");
    int poolSlots = 1;
    int line = 0; ///< where the task starts in its file, for messages
};

/// Something other than the clock that starts a DAG run: a topic that received `messages` new
/// messages since the DAG's last run of this kind (seed 002's "retrain every N"), or a model
/// version entering `stage` (seed 003's deploy after promotion).
struct EventTrigger
{
    enum class Kind { TopicMessages, ModelStage };
    Kind kind = Kind::TopicMessages;
    QString topic;
    qint64 messages = 0;
    QString model;
    QString stage;
    int line = 0;
};

/// A DAG as read from one file in the workspace's dags/ folder.
struct DagSpec
{
    QString id;
    QString file; ///< absolute path of the file it came from
    QString description;
    QStringList tags;
    Timetable schedule;
    /// The schedule used while the workspace's demo speed is on (`demo_schedule`), so the
    /// shipped pipeline shows a whole cycle within minutes; none: `schedule` applies always.
    std::optional<Timetable> demoSchedule;
    QDateTime startDate; ///< UTC
    QTimeZone timezone = QTimeZone::utc();
    bool catchup = false;
    int maxActiveRuns = 1;
    bool pausedOnCreation = false;
    /// The run config a manual trigger starts from ("params" at the DAG level in Airflow).
    QJsonObject defaultConfig;
    QList<EventTrigger> triggers;
    /// In an order where every task comes after its upstream tasks (ties: file order).
    std::vector<TaskSpec> tasks;
    /// A hash of the file's bytes: unchanged files are not re-read.
    QByteArray fingerprint;

    /// The task with `taskId`, or null.
    const TaskSpec *task(const QString &taskId) const;
    /// The ids of the tasks directly downstream of `taskId`.
    QStringList downstream(const QString &taskId) const;
};

/// A problem with a DAG file, located: "dags/update.yaml:12:5: unknown operator \"trian\"".
struct DagFileError
{
    QString file;
    int line = 0;   ///< 1-based; 0 when the whole file is meant
    int column = 0; ///< 1-based; 0 when unknown
    QString message;

    /// The error as one line, file:line:column: message.
    QString toString() const;
};

} // namespace millrace::scheduler
