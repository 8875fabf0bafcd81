#pragma once

#include "core/base/result.h"
#include "core/base/servicethread.h"
#include "core/scheduler/dagbag.h"
#include "core/scheduler/schedulertypes.h"
#include "plugins/api/taskoperator.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QString>
#include <QThreadPool>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QFileSystemWatcher;
class QTimer;
QT_END_NAMESPACE

namespace SQLite {
class Database;
}

namespace millrace {
class Store;
}

namespace millrace::scheduler {

class OperatorCatalog;
class TaskAttempt;

/// How a scheduler runs.
struct SchedulerOptions
{
    QString workspaceRoot;
    QString dagsDir;
    QString logsDir;
    /// Executor threads: how many tasks run at once at most, whatever the pools allow.
    int executorThreads = 16;
    /// The longest the loop sleeps; it also wakes for the next due run and retry.
    std::chrono::milliseconds tick{1000};
    /// How often event triggers are checked.
    std::chrono::milliseconds eventPoll{std::chrono::seconds(5)};
    /// How long an operator has to return after its timeout or a cancel before its try is
    /// failed without it (its thread stays busy until it does return).
    std::chrono::milliseconds cancelGrace{std::chrono::seconds(10)};
    /// Re-read dags/ when files change there.
    bool watchDagFiles = true;
};

/// Where event triggers look. Called on pool threads; may block.
struct EventSources
{
    /// The number of messages `topic` has received so far (the sum of its partitions' high
    /// watermarks), or an error when the cluster cannot be reached.
    std::function<Result<qint64>(const QString &topic)> topicMessageCount;
};

/// The scheduler loop (Airflow's scheduler and a local executor in one): reads the DAG files,
/// creates runs when they are due (with catchup, backfill, manual and event triggers), decides
/// which task instances may run by their trigger rules, runs them on an executor pool within
/// pool slots, applies retries with backoff and execution timeouts, passes results downstream
/// (XCom) and writes every try's log under logs/. All state is kept in the Store as it changes;
/// after a crash, start() fails or retries the tries that were interrupted, per their retry
/// policy, and resumes the schedule without creating a run twice.
///
/// Lives on its own thread (a ServiceThread). Its public actions may be called from any thread:
/// they queue onto the scheduler's thread; outcomes come back as signals.
class SchedulerService : public Service
{
    Q_OBJECT
public:
    /// `store` and `operators` must outlive the service.
    SchedulerService(Store &store, const OperatorCatalog &operators, SchedulerOptions options,
                     EventSources events = {});
    ~SchedulerService() override;

    void start() override;
    void stop() override;

    /// The global Start/Pause of scheduled updates (the toolbar's). Paused: no scheduled or event
    /// run is created; runs already created go on; manual triggers still run. Not persisted here
    /// (SchedulerSwitch does that).
    void setRunning(bool running);
    /// Runs DAGs that have a demo_schedule on it (the workspace's demo speed switch, persisted
    /// by the caller under demoSpeedKey()).
    void setDemoSpeed(bool on);
    /// The app_state key of the demo speed switch ("on" or "off"; off when unset).
    static QString demoSpeedKey();
    /// Pauses or unpauses one DAG (persisted): a paused DAG gets no scheduled or event runs.
    void setDagPaused(const QString &dagId, bool paused);
    /// Starts a manual run of `dagId` with `conf` over the DAG's default config; `runId` may be
    /// empty (one is made up). triggered() or actionFailed() follows.
    void trigger(const QString &dagId, const QJsonObject &conf, const QString &runId = QString());
    /// Creates the runs of every data interval of `dagId` within [from, to) that has none yet.
    void backfill(const QString &dagId, const QDateTime &from, const QDateTime &to);
    /// Clears a task instance (and, with `downstream`, every task after it) so it runs again,
    /// with its retries renewed; a finished run goes back to running.
    void clearTask(qint64 runRow, const QString &taskId, bool downstream);
    /// Marks a task instance success or failed by hand; a running try is cancelled.
    void markTask(qint64 runRow, const QString &taskId, TaskState state);
    /// Re-reads dags/ now.
    void reloadDags();
    /// Creates pool `name` or resizes it (persisted), as Airflow's `pools set`; a null
    /// `description` keeps the pool's own. It holds at once: tasks waiting for slots start when
    /// the pool grows; when it shrinks below what is in use, running tasks finish and nothing
    /// new starts until usage is under the new size. poolsChanged() or actionFailed() follows
    /// (pools::checkSet() says what is refused).
    void setPool(const QString &name, qint64 slots,
                 const std::optional<QString> &description = std::nullopt);
    /// Deletes pool `name` (persisted). Refused for default_pool and while task instances of the
    /// pool run or wait for slots or a retry. poolsChanged() or actionFailed() follows.
    void deletePool(const QString &name);
    // Other processes (the CLI) ask for these actions through the table scheduler_requests
    // (action trigger|pause|unpause|clear|mark|backfill with dag_id, or pool_set|pool_delete
    // with the pool in the payload, see pools::setPayload(); payload JSON); the loop applies
    // each once within a fraction of a second and writes ok and outcome back.

    /// For tests and benchmarks: true once start() finished loading.
    bool isStarted() const { return m_started; }

Q_SIGNALS:
    /// The global switch as the loop applies it.
    void runningChanged(bool running);
    /// The DAGs, their state and the files that did not load (at most every 100 ms).
    void dagsChanged(const QList<millrace::scheduler::DagSummary> &dags,
                     const QList<millrace::scheduler::DagFileError> &errors);
    /// A run's state changed, or a task of it did (at most every 50 ms per run).
    void runChanged(const millrace::scheduler::DagRunRecord &run);
    /// A manual trigger or backfill created a run.
    void triggered(const QString &dagId, const QString &runId, qint64 runRow);
    /// An action could not be done; one line for the user.
    void actionFailed(const QString &message);
    /// The pools, by name: once started, and after each change.
    void poolsChanged(const QList<millrace::scheduler::PoolRecord> &pools);

private:
    struct ActiveRun
    {
        DagRunRecord record;
        std::map<QString, TaskInstanceRecord> tasks;
        QHash<QString, QJsonValue> results;
    };
    struct RunningTry
    {
        qint64 runRow = 0;
        QString taskId;
        int tryNumber = 0;
        QString pool;
        int poolSlots = 0;
        std::shared_ptr<TaskAttempt> attempt;
        QDateTime startedAt;
        QTimer *timeout = nullptr;
        QTimer *grace = nullptr;
        bool timedOut = false;
        bool executorBusy = true;
        /// The task was cleared or marked by hand while this try ran: when it returns, it is
        /// recorded and decides nothing.
        bool changedByHand = false;
    };
    struct Mailbox;

    Result<QJsonObject> applyPause(const QString &dagId, bool paused);
    Result<QJsonObject> applyTrigger(const QString &dagId, const QJsonObject &conf,
                                     const QString &runId);
    Result<QJsonObject> applyBackfill(const QString &dagId, const QDateTime &from,
                                      const QDateTime &to);
    Result<QJsonObject> applyClear(qint64 runRow, const QString &taskId, bool downstream);
    Result<QJsonObject> applyMark(qint64 runRow, const QString &taskId, TaskState state);
    Result<QJsonObject> applySetPool(const QString &name, qint64 slots,
                                     const std::optional<QString> &description);
    Result<QJsonObject> applyDeletePool(const QString &name);
    PoolUsage poolUsage(const QString &pool) const;
    void emitPools();
    void cancelTries(qint64 runRow, const QString &taskId);
    void reopen(ActiveRun &run);
    void applyRequests();
    Result<QJsonObject> applyRequest(const QString &action, const QString &dagId,
                                     const QJsonObject &payload);
    void loadState();
    const Timetable &scheduleOf(const DagSpec &dag) const;
    void recoverInterrupted(ActiveRun &run);
    void onDagFilesChanged();
    void kick();
    void loop();
    void createDueRuns(const QDateTime &now);
    std::optional<DataInterval> lastInterval(const DagSpec &dag);
    /// The data interval `dag`'s next scheduled run will cover, from a cache that holds while
    /// its inputs (the last interval, the schedule in force) stay the same and it is not yet due:
    /// the loop asks for every DAG on every pass, and a cron's next time is not cheap.
    std::optional<DataInterval> nextScheduled(const DagSpec &dag, const QDateTime &now);
    int activeRunCount(const QString &dagId) const;
    ActiveRun &addRun(DagRunRecord record);
    void advanceRun(ActiveRun &run, const QDateTime &now);
    void finishRun(ActiveRun &run, const DagSpec &dag, const QDateTime &now);
    void dispatch();
    Result<void> startTry(ActiveRun &run, TaskInstanceRecord &task, const DagSpec &dag);
    void onTryFinished(quint64 serial, plugins::TaskOutcome outcome);
    void onTimeout(quint64 serial);
    void onGraceOver(quint64 serial);
    void endTry(quint64 serial, TaskState state, const QString &message, const QJsonValue &result);
    void failTaskNow(ActiveRun &run, TaskInstanceRecord &task, const QString &message);
    QJsonObject templateContext(const ActiveRun &run, const TaskInstanceRecord &task) const;
    void armClock(const QDateTime &now);
    void checkEvents();
    void onTopicCount(const QString &dagId, const QString &topic, qint64 threshold,
                      const Result<qint64> &count);
    void checkModelStages(const DagSpec &dag, const QJsonObject &state);
    Result<qint64> createRun(const DagSpec &dag, RunType type, const QString &runId,
                             const QDateTime &logicalDate, std::optional<DataInterval> interval,
                             const QJsonObject &conf, const QString &note);
    ActiveRun *findOrLoadRun(qint64 runRow);
    void saveTask(const TaskInstanceRecord &task);
    void saveRun(const DagRunRecord &run);
    void write(std::function<void(SQLite::Database &)> write, const QString &what);
    void noteRunChanged(qint64 runRow);
    void noteDagsChanged();
    void emitDags();
    void emitRuns();

    Store &m_store;
    const OperatorCatalog &m_operators;
    const SchedulerOptions m_options;
    const EventSources m_events;

    bool m_started = false;
    bool m_stopping = false;
    bool m_running = true;
    bool m_demoSpeed = false;
    std::unique_ptr<DagBag> m_dagBag;
    std::map<QString, bool> m_paused;
    std::map<QString, std::optional<DataInterval>> m_lastIntervals;
    struct NextScheduled
    {
        std::optional<DataInterval> last;
        QString schedule; ///< the text of the schedule it was worked out for
        std::optional<DataInterval> next;
    };
    std::map<QString, NextScheduled> m_nextScheduled;
    std::map<QString, QJsonObject> m_triggerStates;
    std::map<QString, PoolRecord> m_pools;
    std::map<QString, int> m_poolUsed;
    std::map<qint64, ActiveRun> m_runs;
    std::deque<std::pair<qint64, QString>> m_ready;
    std::map<quint64, RunningTry> m_tries;
    quint64 m_nextTrySerial = 1;
    qint64 m_nextRunRow = 1;
    int m_executorBusy = 0;
    std::map<qint64, DagRunRecord> m_changedRuns;
    QSet<QString> m_topicChecks; // dag/topic pairs being counted
    QSet<qint64> m_appliedRequests;
    QElapsedTimer m_requestsChecked;

    QThreadPool m_executor;
    std::shared_ptr<Mailbox> m_mailbox;
    QTimer *m_kickTimer = nullptr;
    QTimer *m_clock = nullptr;
    QTimer *m_eventTimer = nullptr;
    QTimer *m_dagsTimer = nullptr;
    QTimer *m_runsTimer = nullptr;
    QTimer *m_reloadTimer = nullptr;
    QFileSystemWatcher *m_watcher = nullptr;
};

} // namespace millrace::scheduler
