#pragma once

#include "core/base/result.h"
#include "ui/panels/jobs/jobsqueries.h"

#include <QFuture>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace millrace {
class Store;
}

namespace millrace::ui {

/// Keeps the Jobs panel's data current without the GUI thread touching the database: reads the
/// chosen DAG's latest runs (the grid) and the chosen run's detail with Store::readAsync, and
/// reloads them at most every ~200 ms when told something changed (the scheduler's signals).
/// While polling, it also looks at the scheduler's change counter every second, for changes whose
/// signal came before their commit. Results arrive as signals on the feed's thread; a read
/// superseded by a newer one of its kind is dropped.
class JobsFeed : public QObject
{
    Q_OBJECT
public:
    explicit JobsFeed(QObject *parent = nullptr);
    /// Drops pending results and waits for reads still running.
    ~JobsFeed() override;

    /// Starts reading from `store`, which must outlive detach().
    void attach(const Store &store);
    /// Stops, drops pending results and waits for the reads still running, so the store can
    /// close right after.
    void detach();
    bool isAttached() const { return m_store != nullptr; }

    /// How many runs the grid reads (the latest ones); 25 unless set.
    void setRunLimit(int limit);
    int runLimit() const { return m_runLimit; }

    /// The DAG whose runs are read (none when empty); reads them now when it changes.
    void setDagId(const QString &dagId);
    QString dagId() const { return m_dagId; }
    /// The run whose detail is read (0: none); reads it now when it changes.
    void setRunRow(qint64 runRow);
    qint64 runRow() const { return m_runRow; }

    /// Something changed (a run, a task, the DAGs): reloads within about 200 ms, coalescing
    /// whatever else is noted meanwhile.
    void noteChanged();
    /// Reads the grid and the run detail again now.
    void reload();

    /// Reads whether scheduled updates are stored as running (the toolbar switch's state, which
    /// the scheduler starts from); schedulerStateLoaded() follows.
    void loadSchedulerState();

    /// Looks at the change counter every second while on (the panel is visible); checks at once
    /// when turned on.
    void setPolling(bool on);
    bool isPolling() const;
    /// How often polling looks: every second unless set (tests make it shorter).
    void setPollInterval(int milliseconds);

Q_SIGNALS:
    /// The latest runs of dagId().
    void gridLoaded(const millrace::ui::GridData &grid);
    /// The detail of runRow().
    void runDetailLoaded(const millrace::ui::RunDetail &detail);
    /// Run `runRow` is no longer in the database.
    void runMissing(qint64 runRow);
    /// Whether scheduled updates are stored as running.
    void schedulerStateLoaded(bool running);
    /// A read failed; `message` is one line for the user.
    void loadFailed(const QString &message);

private:
    void loadGrid();
    void loadDetail();
    void poll();
    /// Calls `done` on this thread with the result of `future` unless the feed is detached
    /// or deleted first.
    template <typename T>
    void whenReady(const QFuture<Result<T>> &future, std::function<void(const Result<T> &)> done);
    void dropReads();

    const Store *m_store = nullptr;
    QTimer *m_coalesceTimer;
    QTimer *m_pollTimer;
    int m_runLimit = 25;
    QString m_dagId;
    qint64 m_runRow = 0;
    // Each read kind has a serial; a result whose serial is no longer current is dropped.
    quint64 m_gridSerial = 0;
    quint64 m_detailSerial = 0;
    bool m_polling = false; ///< a poll read is under way
    /// The change counter of the data last read (unset: not read yet).
    std::optional<qint64> m_loadedChanges;
    /// The store's commit count at the last look; while it stays, nothing can have changed.
    std::optional<quint64> m_seenCommits;
};

} // namespace millrace::ui
