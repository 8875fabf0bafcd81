#include "ui/panels/experiments/experimentsfeed.h"

#include "core/base/job.h"
#include "core/store/store.h"
#include "core/tracking/trackingtypes.h"
#include "ui/uilog.h"

#include <QTimer>

#include <SQLiteCpp/Database.h>

#include <optional>

namespace millrace::ui {

namespace {

// How often a visible panel looks for changes: a new run or metric shows within about a second.
constexpr int kPollIntervalMs = 1000;

// Each outcome carries the store's commit count read before its stamp: while the count stays the
// same, nothing the stamp covers can have changed, and polling needs no query at all.
struct ExperimentsOutcome
{
    QList<ExperimentEntry> entries;
    QList<double> stamp;
    quint64 commits = 0;
    std::optional<Error> error;
};

struct RunsOutcome
{
    RunListing listing;
    QList<double> stamp;
    quint64 commits = 0;
    std::optional<Error> error;
};

struct PollOutcome
{
    ChangeStamp stamp;
    quint64 commits = 0;
    std::optional<Error> error;
};

} // namespace

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::ExperimentsOutcome)
Q_DECLARE_METATYPE(millrace::ui::RunsOutcome)
Q_DECLARE_METATYPE(millrace::ui::PollOutcome)

namespace millrace::ui {

ExperimentsFeed::ExperimentsFeed(QObject *parent) : QObject(parent), m_pollTimer(new QTimer(this))
{
    // Two threads: a poll and a load can overlap. They never expire, so each keeps its one
    // read connection to the store instead of opening a new one after every idle spell.
    m_pool.setMaxThreadCount(2);
    m_pool.setExpiryTimeout(-1);
    m_pollTimer->setInterval(kPollIntervalMs);
    connect(m_pollTimer, &QTimer::timeout, this, &ExperimentsFeed::pollNow);
}

ExperimentsFeed::~ExperimentsFeed()
{
    detach();
}

void ExperimentsFeed::attach(const tracking::TrackingStore &tracking, const Store &store)
{
    detach();
    m_tracking = &tracking;
    m_store = &store;
    loadExperiments();
    if (!m_experimentIds.isEmpty())
        loadRuns(m_filter, false);
}

void ExperimentsFeed::detach()
{
    m_pollTimer->stop();
    dropJobs();
    // The jobs' functions hold references into the store: let them end before it may close.
    m_pool.waitForDone();
    m_tracking = nullptr;
    m_store = nullptr;
    m_experimentIds.clear();
    m_filter.clear();
    m_experimentsStamp.clear();
    m_runsStamp.clear();
    m_experimentsCommits.reset();
    m_runsCommits.reset();
}

void ExperimentsFeed::dropJobs()
{
    // A deleted Job emits nothing: its result is dropped.
    delete m_experimentsJob.data();
    delete m_runsJob.data();
    delete m_pollJob.data();
}

void ExperimentsFeed::setShowDeleted(bool show)
{
    if (show == m_showDeleted)
        return;
    m_showDeleted = show;
    if (!isAttached())
        return;
    loadExperiments();
    loadRuns(m_runsJob ? m_runsJobFilter : m_filter, m_runsJob && m_runsJobIsSearch);
}

void ExperimentsFeed::setExperimentIds(const QStringList &ids)
{
    if (ids == m_experimentIds)
        return;
    m_experimentIds = ids;
    // A poll in flight looked at the old experiments.
    delete m_pollJob.data();
    m_runsStamp.clear();
    m_runsCommits.reset();
    if (isAttached())
        loadRuns(m_runsJob ? m_runsJobFilter : m_filter, m_runsJob && m_runsJobIsSearch);
}

void ExperimentsFeed::search(const QString &filter)
{
    if (!isAttached())
        return;
    loadRuns(filter.trimmed(), true);
}

void ExperimentsFeed::setPolling(bool on)
{
    if (on == m_pollTimer->isActive())
        return;
    if (on) {
        m_pollTimer->start();
        pollNow();
    } else {
        m_pollTimer->stop();
        delete m_pollJob.data();
    }
}

bool ExperimentsFeed::isPolling() const
{
    return m_pollTimer->isActive();
}

void ExperimentsFeed::setPollInterval(int ms)
{
    m_pollTimer->setInterval(ms);
}

void ExperimentsFeed::loadExperiments()
{
    delete m_experimentsJob.data();
    const tracking::TrackingStore *tracking = m_tracking;
    const Store *store = m_store;
    const bool includeDeleted = m_showDeleted;
    Job *job = Job::start(
        QStringLiteral("load experiments"),
        [tracking, store, includeDeleted](JobContext &) {
            ExperimentsOutcome outcome;
            // The stamp first: a change that lands during the load shows up at the next poll.
            outcome.commits = store->committedBatches();
            auto stamp = readChangeStamp(*store, {});
            auto entries = loadExperimentEntries(*tracking, *store, includeDeleted);
            if (!stamp)
                outcome.error = stamp.error();
            else if (!entries)
                outcome.error = entries.error();
            else {
                outcome.stamp = stamp->experiments;
                outcome.entries = *entries;
            }
            return QVariant::fromValue(outcome);
        },
        this, &m_pool);
    m_experimentsJob = job;
    connect(job, &Job::succeeded, this, [this, job](const QVariant &value) {
        m_experimentsJob = nullptr;
        job->deleteLater();
        const auto outcome = value.value<ExperimentsOutcome>();
        if (outcome.error) {
            qCWarning(lcUi).noquote() << "loading experiments failed:" << outcome.error->message;
            Q_EMIT loadFailed(outcome.error->message);
            return;
        }
        m_experimentsStamp = outcome.stamp;
        m_experimentsCommits = outcome.commits;
        Q_EMIT experimentsLoaded(outcome.entries);
    });
    connect(job, &Job::failed, this, [this, job](const QString &message) {
        m_experimentsJob = nullptr;
        job->deleteLater();
        Q_EMIT loadFailed(message);
    });
}

void ExperimentsFeed::loadRuns(const QString &filter, bool isSearch)
{
    delete m_runsJob.data();
    const tracking::TrackingStore *tracking = m_tracking;
    const Store *store = m_store;
    const QStringList ids = m_experimentIds;
    const bool includeDeleted = m_showDeleted;
    Job *job = Job::start(
        QStringLiteral("load runs"),
        [tracking, store, ids, filter, includeDeleted](JobContext &) {
            // The stamp and the runs are read in one snapshot of the store, so the stamp
            // describes exactly the runs loaded; the commit count is read before either.
            RunsOutcome outcome;
            outcome.commits = store->committedBatches();
            auto read = store->read([&](SQLite::Database &) {
                auto stamp = readChangeStamp(*store, ids);
                auto listing = ui::loadRuns(*tracking, ids, filter, includeDeleted, kMaxRuns);
                if (!listing)
                    outcome.error = listing.error();
                else if (!stamp)
                    outcome.error = stamp.error();
                else {
                    outcome.stamp = stamp->runs;
                    outcome.listing = *listing;
                }
            });
            if (!read)
                outcome.error = read.error();
            return QVariant::fromValue(outcome);
        },
        this, &m_pool);
    m_runsJob = job;
    m_runsJobIsSearch = isSearch;
    m_runsJobFilter = filter;
    connect(job, &Job::succeeded, this, [this, job, filter, isSearch](const QVariant &value) {
        m_runsJob = nullptr;
        job->deleteLater();
        const auto outcome = value.value<RunsOutcome>();
        if (outcome.error) {
            if (isSearch && outcome.error->code == tracking::errorcode::kInvalidParameterValue) {
                Q_EMIT searchFailed(filter, outcome.error->message);
            } else {
                qCWarning(lcUi).noquote() << "loading runs failed:" << outcome.error->message;
                Q_EMIT loadFailed(outcome.error->message);
            }
            return;
        }
        m_filter = filter;
        m_runsStamp = outcome.stamp;
        m_runsCommits = outcome.commits;
        Q_EMIT runsLoaded(outcome.listing, filter);
    });
    connect(job, &Job::failed, this, [this, job](const QString &message) {
        m_runsJob = nullptr;
        job->deleteLater();
        Q_EMIT loadFailed(message);
    });
}

bool ExperimentsFeed::pollNow()
{
    if (!isAttached() || m_pollJob)
        return false;
    // Nothing committed since both stamps were read: nothing to look for. (Reading the count is
    // one atomic load, fine on the GUI thread; only this process writes the workspace.)
    const quint64 commits = m_store->committedBatches();
    if (m_experimentsCommits == commits && (m_experimentIds.isEmpty() || m_runsCommits == commits))
        return false;
    const Store *store = m_store;
    const QStringList ids = m_experimentIds;
    Job *job = Job::start(
        QStringLiteral("poll experiments"),
        [store, ids](JobContext &) {
            PollOutcome outcome;
            outcome.commits = store->committedBatches();
            auto stamp = readChangeStamp(*store, ids);
            if (stamp)
                outcome.stamp = *stamp;
            else
                outcome.error = stamp.error();
            return QVariant::fromValue(outcome);
        },
        this, &m_pool);
    m_pollJob = job;
    connect(job, &Job::succeeded, this, [this, job](const QVariant &value) {
        m_pollJob = nullptr;
        job->deleteLater();
        const auto outcome = value.value<PollOutcome>();
        if (outcome.error) {
            // The next tick tries again; a lasting failure also fails the loads, which say so.
            qCDebug(lcUi).noquote() << "polling for changes failed:" << outcome.error->message;
            return;
        }
        // A load already under way brings fresh data; the next poll compares against it.
        if (outcome.stamp.experiments != m_experimentsStamp) {
            if (!m_experimentsJob)
                loadExperiments();
        } else if (!m_experimentsJob) {
            m_experimentsCommits = outcome.commits; // the same data, seen at a later count
        }
        if (!m_experimentIds.isEmpty() && outcome.stamp.runs != m_runsStamp) {
            if (!m_runsJob)
                loadRuns(m_filter, false);
        } else if (!m_runsJob) {
            m_runsCommits = outcome.commits;
        }
    });
    connect(job, &Job::failed, this, [this, job](const QString &) {
        m_pollJob = nullptr;
        job->deleteLater();
    });
    return true;
}

} // namespace millrace::ui
