#pragma once

#include "ui/panels/experiments/trackingqueries.h"

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QThreadPool>

#include <optional>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace millrace {
class Job;
class Store;
namespace tracking {
class TrackingStore;
}
} // namespace millrace

namespace millrace::ui {

/// Keeps the Experiments panel's data current without the GUI thread touching the database:
/// loads experiments and the runs of the chosen experiments in Jobs on a pool of its own, and
/// while polling, checks a cheap change stamp every second and reloads what changed. Results
/// arrive as signals on the feed's thread; a load superseded by a newer request is dropped.
class ExperimentsFeed : public QObject
{
    Q_OBJECT
public:
    /// At most this many runs are loaded (the newest); sorting then covers those.
    static constexpr int kMaxRuns = 50000;

    explicit ExperimentsFeed(QObject *parent = nullptr);
    /// Drops pending results and waits for reads still running.
    ~ExperimentsFeed() override;

    /// Starts reading from `tracking` and `store` (both outlive detach()): loads the experiments.
    void attach(const tracking::TrackingStore &tracking, const Store &store);
    /// Stops polling, drops pending results and waits for the reads still running (a few ms),
    /// so the store can close right after.
    void detach();
    bool isAttached() const { return m_tracking != nullptr; }

    /// Whether deleted experiments and runs are listed too; reloads both.
    void setShowDeleted(bool show);
    bool showDeleted() const { return m_showDeleted; }
    /// The experiments whose runs are loaded; reloads the runs when the set changes.
    void setExperimentIds(const QStringList &ids);
    QStringList experimentIds() const { return m_experimentIds; }
    /// Searches the runs with `filter`. On success it becomes the filter of later reloads and
    /// runsLoaded() follows; a bad filter gives searchFailed() and changes nothing.
    void search(const QString &filter);
    /// The filter of the runs last loaded.
    QString filter() const { return m_filter; }

    /// Polls for changes every interval while on (the panel is visible); checks at once when
    /// turned on.
    void setPolling(bool on);
    bool isPolling() const;
    /// How often polling checks, in ms (default 1000).
    void setPollInterval(int ms);
    /// Checks for changes now (when attached and no check is running). Returns whether a check
    /// started: none does while the store has committed nothing since the data shown was read.
    bool pollNow();

Q_SIGNALS:
    /// The experiment list, sorted by name.
    void experimentsLoaded(const QList<millrace::ui::ExperimentEntry> &entries);
    /// The runs of experimentIds() matching `filter`, newest first.
    void runsLoaded(const millrace::ui::RunListing &listing, const QString &filter);
    /// search(`filter`) failed; `message` says why and where ("... at position 15: ...").
    void searchFailed(const QString &filter, const QString &message);
    /// Reading failed for another reason (the database); `message` is one line for the user.
    void loadFailed(const QString &message);

private:
    void loadExperiments();
    void loadRuns(const QString &filter, bool isSearch);
    void dropJobs();

    const tracking::TrackingStore *m_tracking = nullptr;
    const Store *m_store = nullptr;
    QThreadPool m_pool;
    QTimer *m_pollTimer;
    QPointer<Job> m_experimentsJob;
    QPointer<Job> m_runsJob;
    QPointer<Job> m_pollJob;
    bool m_runsJobIsSearch = false;
    QString m_runsJobFilter;
    bool m_showDeleted = false;
    QStringList m_experimentIds;
    QString m_filter;
    QList<double> m_experimentsStamp; ///< stamp of the experiments last loaded
    QList<double> m_runsStamp;        ///< stamp of the runs last loaded
    /// The store's commit count when the stamps were read (unset: not read yet).
    std::optional<quint64> m_experimentsCommits;
    std::optional<quint64> m_runsCommits;
};

} // namespace millrace::ui
