#include "ui/panels/jobs/jobsfeed.h"

#include "core/scheduler/schedulerdb.h"
#include "core/scheduler/schedulerswitch.h"
#include "core/store/appstate.h"
#include "core/store/store.h"
#include "ui/panels/jobs/jobspanellog.h"

#include <QFutureWatcher>
#include <QTimer>

namespace millrace::ui {

namespace {
// The scheduler reports a busy run every 50 ms; the grid need not repaint that often.
constexpr int kCoalesceMs = 200;
constexpr int kPollIntervalMs = 1000;
} // namespace

JobsFeed::JobsFeed(QObject *parent)
    : QObject(parent), m_coalesceTimer(new QTimer(this)), m_pollTimer(new QTimer(this))
{
    m_coalesceTimer->setSingleShot(true);
    m_coalesceTimer->setInterval(kCoalesceMs);
    connect(m_coalesceTimer, &QTimer::timeout, this, &JobsFeed::reload);
    m_pollTimer->setInterval(kPollIntervalMs);
    connect(m_pollTimer, &QTimer::timeout, this, &JobsFeed::poll);
}

JobsFeed::~JobsFeed()
{
    detach();
}

void JobsFeed::attach(const Store &store)
{
    detach();
    m_store = &store;
    reload();
    if (m_pollTimer->isActive())
        poll();
}

void JobsFeed::detach()
{
    m_coalesceTimer->stop();
    dropReads();
    m_store = nullptr;
    m_dagId.clear();
    m_runRow = 0;
    m_loadedChanges.reset();
    m_seenCommits.reset();
}

void JobsFeed::dropReads()
{
    ++m_gridSerial;
    ++m_detailSerial;
    m_polling = false;
    // The reads run on the store's pool and hold the store: let them end before it closes.
    // Deleting a watcher drops its result.
    const auto watchers = findChildren<QFutureWatcherBase *>(Qt::FindDirectChildrenOnly);
    for (QFutureWatcherBase *watcher : watchers) {
        watcher->waitForFinished();
        delete watcher;
    }
}

void JobsFeed::setRunLimit(int limit)
{
    if (limit == m_runLimit || limit < 1)
        return;
    m_runLimit = limit;
    if (isAttached() && !m_dagId.isEmpty())
        loadGrid();
}

void JobsFeed::setDagId(const QString &dagId)
{
    if (dagId == m_dagId)
        return;
    m_dagId = dagId;
    ++m_gridSerial; // the other DAG's runs are not wanted any more
    if (isAttached() && !m_dagId.isEmpty())
        loadGrid();
}

void JobsFeed::setRunRow(qint64 runRow)
{
    if (runRow == m_runRow)
        return;
    m_runRow = runRow;
    ++m_detailSerial;
    if (isAttached() && m_runRow > 0)
        loadDetail();
}

void JobsFeed::noteChanged()
{
    if (isAttached() && !m_coalesceTimer->isActive())
        m_coalesceTimer->start();
}

void JobsFeed::reload()
{
    m_coalesceTimer->stop();
    if (!isAttached())
        return;
    if (!m_dagId.isEmpty())
        loadGrid();
    if (m_runRow > 0)
        loadDetail();
}

void JobsFeed::setPolling(bool on)
{
    if (on == m_pollTimer->isActive())
        return;
    if (on) {
        m_pollTimer->start();
        poll();
    } else {
        m_pollTimer->stop();
    }
}

bool JobsFeed::isPolling() const
{
    return m_pollTimer->isActive();
}

void JobsFeed::setPollInterval(int milliseconds)
{
    m_pollTimer->setInterval(milliseconds);
}

template <typename T>
void JobsFeed::whenReady(const QFuture<Result<T>> &future,
                         std::function<void(const Result<T> &)> done)
{
    auto *watcher = new QFutureWatcher<Result<T>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [watcher, done = std::move(done)] {
        watcher->deleteLater();
        if (watcher->future().resultCount() > 0)
            done(watcher->result());
    });
    watcher->setFuture(future);
}

void JobsFeed::loadGrid()
{
    const quint64 serial = ++m_gridSerial;
    const QString dagId = m_dagId;
    const int limit = m_runLimit;
    const quint64 commits = m_store->committedBatches();
    whenReady<GridData>(m_store->readAsync([dagId, limit](SQLite::Database &db) {
        return ui::loadGrid(db, dagId, limit);
    }),
                        [this, serial, commits](const Result<GridData> &grid) {
                            if (serial != m_gridSerial)
                                return; // superseded: another DAG or a newer read
                            if (!grid) {
                                qCWarning(lcJobsPanel).noquote()
                                    << "reading the runs failed:" << grid.errorMessage();
                                Q_EMIT loadFailed(grid.errorMessage());
                                return;
                            }
                            m_loadedChanges = grid->changes;
                            m_seenCommits = commits;
                            Q_EMIT gridLoaded(*grid);
                        });
}

void JobsFeed::loadDetail()
{
    const quint64 serial = ++m_detailSerial;
    const qint64 runRow = m_runRow;
    whenReady<std::optional<RunDetail>>(
        m_store->readAsync(
            [runRow](SQLite::Database &db) { return ui::loadRunDetail(db, runRow); }),
        [this, serial, runRow](const Result<std::optional<RunDetail>> &detail) {
            if (serial != m_detailSerial)
                return;
            if (!detail) {
                qCWarning(lcJobsPanel).noquote()
                    << "reading run" << runRow << "failed:" << detail.errorMessage();
                Q_EMIT loadFailed(detail.errorMessage());
                return;
            }
            if (!detail->has_value()) {
                Q_EMIT runMissing(runRow);
                return;
            }
            Q_EMIT runDetailLoaded(**detail);
        });
}

void JobsFeed::loadSchedulerState()
{
    if (!isAttached())
        return;
    whenReady<bool>(m_store->readAsync([](SQLite::Database &db) {
        // As the scheduler reads it: running unless stored as paused.
        return appstate::get(db, SchedulerSwitch::stateKey()).value_or(QString())
               != QLatin1String("paused");
    }),
                    [this](const Result<bool> &running) {
                        if (running)
                            Q_EMIT schedulerStateLoaded(*running);
                    });
}

void JobsFeed::poll()
{
    if (!isAttached() || m_polling || m_dagId.isEmpty())
        return;
    // Nothing committed since the last read: nothing to ask. (One atomic load.)
    const quint64 commits = m_store->committedBatches();
    if (m_seenCommits == commits)
        return;
    m_polling = true;
    whenReady<qint64>(m_store->readAsync([](SQLite::Database &db) {
        return scheduler::schedulerdb::changeCounter(db);
    }),
                      [this, commits](const Result<qint64> &changes) {
                          m_polling = false;
                          if (!changes) {
                              qCDebug(lcJobsPanel).noquote()
                                  << "polling the scheduler failed:" << changes.errorMessage();
                              return;
                          }
                          if (*changes != m_loadedChanges)
                              reload();
                          else
                              m_seenCommits = commits; // other data changed, not the runs
                      });
}

} // namespace millrace::ui
